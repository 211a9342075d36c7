using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>
/// <see cref="Torch.Sort"/> against packed_utils.json: ties (in PyTorch's std::sort order, and stable), NaN and
/// infinities, int64 extremes, every dimension, grad_fn names and gradients, all exact (sorting only moves values).
/// </summary>
public sealed class SortTests
{
    public static TheoryData<string> SortCases() => PackedFixture.Names("sort");

    public static TheoryData<string> ErrorCases() => Fixture.Names(
        PackedFixture.File, c => c.GetProperty("kind").GetString() == "error" && c.GetProperty("function").GetString() == "sort");

    [Theory]
    [MemberData(nameof(SortCases))]
    public void Sort_Grid_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor input = PackedFixture.Read(c.GetProperty("input"));
        bool isFloat = input.DType == DType.Float32;
        input.RequiresGrad = isFloat;
        JsonElement stable = c.GetProperty("stable");

        var (values, indices) = Torch.Sort(
            input, c.GetProperty("dim").GetInt32(), c.GetProperty("descending").GetBoolean(),
            stable.ValueKind == JsonValueKind.Null ? null : stable.GetBoolean());

        PackedFixture.Exact(values, c.GetProperty("values"));
        PackedFixture.Exact(indices, c.GetProperty("indices"));
        PackedFixture.GradFn(values).Should().Be(c.GetProperty("grad_fn").GetString());
        if (isFloat)
        {
            values.Backward(Fixture.ReadTensor(c.GetProperty("upstream")));
            PackedFixture.Exact(input.Grad!, c.GetProperty("grad"));
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Sort_DimOutOfRange_ThrowsPyTorchsError(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        int[] shape = [.. c.GetProperty("args").GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())];

        ErrorAssert.Matches(() => Torch.Sort(Tensor.Zeros(shape), c.GetProperty("args").GetProperty("dim").GetInt32()), c, "dim");
    }

    [Fact]
    public void Sort_InstanceAndStaticForms_Agree()
    {
        Tensor x = Torch.Tensor([3f, 1f, 2f]);

        x.Sort(descending: true).Indices.AsReadOnlyInt64Span().ToArray()
            .Should().Equal(Torch.Sort(x, descending: true).Indices.AsReadOnlyInt64Span().ToArray());
    }
}
