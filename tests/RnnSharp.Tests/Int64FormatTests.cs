using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Tensor.ToString of int64 tensors prints what PyTorch prints (int64_str.json), under every recorded print option.</summary>
[Collection(GlobalPrintOptions.Name)]
public sealed class Int64FormatTests
{
    private const string File = "int64_str.json";

    public static TheoryData<string> Cases() => Fixture.Names(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToString_Int64PyTorchRecordedCase_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor tensor = Int64Fixture.ReadTensor(c.GetProperty("tensor"));

        string text = TensorFormatTests.WithRecordedOptions(c, tensor.ToString);

        text.Should().Be(c.GetProperty("str").GetString(), $"case {name}, shape {tensor.Size()}");
        Torch.PrintOptions.Should().Be(PrintOptions.Default, "the options are restored after each case");
    }
}

/// <summary>Reads int64 tensors written by record_int64.py as {"shape", "data"} with JSON integers.</summary>
internal static class Int64Fixture
{
    public static Tensor ReadTensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        long[] data = e.GetProperty("data").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        Tensor t = Torch.Zeros(shape, DType.Int64);
        data.CopyTo(t.AsInt64Span());
        return t;
    }

    public static long[] Data(JsonElement e) => e.GetProperty("data").EnumerateArray().Select(d => d.GetInt64()).ToArray();

    public static int[] Shape(JsonElement e) => e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
}
