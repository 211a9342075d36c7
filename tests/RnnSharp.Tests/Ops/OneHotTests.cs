using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary><see cref="Torch.OneHot"/> (<c>F.one_hot</c>) against packed_utils.json: results, printing and errors.</summary>
public sealed class OneHotTests
{
    public static TheoryData<string> OneHotCases() => PackedFixture.Names("one_hot");

    public static TheoryData<string> ErrorCases() => Fixture.Names(
        PackedFixture.File, c => c.GetProperty("kind").GetString() == "error" && c.GetProperty("function").GetString() == "one_hot");

    [Theory]
    [MemberData(nameof(OneHotCases))]
    public void OneHot_Grid_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);

        Tensor result = Torch.OneHot(PackedFixture.Read(c.GetProperty("input")), c.GetProperty("num_classes").GetInt32());

        PackedFixture.Exact(result, c.GetProperty("output"));
        result.ToString().Should().Be(c.GetProperty("str").GetString());
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void OneHot_InvalidIndices_ThrowsPyTorchsError(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        JsonElement a = c.GetProperty("args");
        int numClasses = a.GetProperty("num_classes").GetInt32();
        Tensor indices = a.TryGetProperty("float_data", out JsonElement f)
            ? Torch.Tensor([.. f.EnumerateArray().Select(v => (float)v.GetInt32())])
            : Torch.Tensor(PackedFixture.Longs(a.GetProperty("data")));
        string param = name switch
        {
            "one_hot_too_large" or "one_hot_num_classes_negative" or "one_hot_empty_infer" => "numClasses",
            _ => "indices",
        };

        ErrorAssert.Matches(() => Torch.OneHot(indices, numClasses), c, param);
    }
}
