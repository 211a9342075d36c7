using System.Text.Json;
using RnnSharp.Tests.Ops;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>Reads packed_utils.json (record_packed_utils.py): float32 and int64 tensors, compared exactly.</summary>
internal static class PackedFixture
{
    public const string File = "packed_utils.json";

    public static TheoryData<string> Names(string kind) => Fixture.Names(File, c => c.GetProperty("kind").GetString() == kind);

    public static JsonElement Case(string name) => Fixture.Case(File, name);

    /// <summary>A float32 tensor, or an int64 one when the fixture says "dtype": "int64".</summary>
    public static Tensor Read(JsonElement e) =>
        e.TryGetProperty("dtype", out JsonElement d) && d.GetString() == "int64" ? OpsFixture.ReadInt64(e) : Fixture.ReadTensor(e);

    public static Tensor? ReadOptional(JsonElement parent, string property) =>
        parent.GetProperty(property).ValueKind == JsonValueKind.Null ? null : Read(parent.GetProperty(property));

    public static List<Tensor> ReadList(JsonElement e) => [.. e.EnumerateArray().Select(Read)];

    public static long[] Longs(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetInt64())];

    /// <summary>Same dtype, shape and elements, bit for bit (these functions only move values).</summary>
    public static void Exact(Tensor actual, JsonElement expected, string? because = null)
    {
        Tensor e = Read(expected);
        actual.DType.Should().Be(e.DType, because);
        if (e.DType == DType.Int64)
        {
            actual.Shape.ToArray().Should().Equal(e.Shape.ToArray(), because);
            actual.AsReadOnlyInt64Span().ToArray().Should().Equal(e.AsReadOnlyInt64Span().ToArray(), because);
        }
        else
        {
            TensorAssert.BitEqual(actual, e, because);
        }
    }

    public static string? GradFn(Tensor t) => t.GradFn?.Name;
}
