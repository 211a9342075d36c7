using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>The C# spellings of Python indexing, and which results share storage.</summary>
public sealed class IndexingTests
{
    private static Tensor Arange(params int[] shape) =>
        new(Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(i => (float)i).ToArray(), shape);

    [Fact]
    public void Indexer_RangeAndHat_MatchesSelectAndSlice()
    {
        Tensor x = Arange(3, 4);

        TensorAssert.BitEqual(x[.., ^1], x.Select(1, -1));
        TensorAssert.BitEqual(x[.., 1..3], x.Slice(1, 1, 3));
        TensorAssert.BitEqual(x[1, ..], x.Select(0, 1));
        TensorAssert.BitEqual(x[^2.., 0], x.Slice(0, -2).Select(1, 0));
        TensorAssert.BitEqual(x[TensorIndex.Slice(step: 2), TensorIndex.Slice(1, null, 2)], x.Slice(0, step: 2).Slice(1, 1, null, 2));
    }

    [Fact]
    public void Indexer_RecordsPyTorchsNodes()
    {
        Tensor x = Arange(3, 4).RequiresGrad_();

        x[.., ^1].GradFn!.Name.Should().Be("SelectBackward0");
        x[.., 1..3].GradFn!.Name.Should().Be("SliceBackward0");
        x[.., ..].Should().BeSameAs(x, "a whole-dimension slice records nothing, as in PyTorch");
    }

    [Fact]
    public void SliceAlongDim0_SharesStorage_OtherDimsCopy()
    {
        Tensor x = Arange(3, 4);
        Tensor rows = x.Narrow(0, 1, 2);
        Tensor columns = x.Narrow(1, 1, 2);

        x[1, 0] = 100f;

        rows[0, 0].Should().Be(100f, "a block along dimension 0 is a view, as in PyTorch");
        columns[1, 0].Should().Be(5f, "a slice along another dimension is a copy in RnnSharp");
    }

    [Fact]
    public void Transpose_IsACopy_ContiguousIsSelf()
    {
        Tensor x = Arange(2, 3);
        Tensor t = x.T();

        x[0, 1] = 50f;

        t[1, 0].Should().Be(1f);
        x.Contiguous().Should().BeSameAs(x);
    }

    [Fact]
    public void Indexer_IndexOutOfBounds_ThrowsPyTorchsMessage()
    {
        Tensor x = Arange(2, 3);

        Action act = () => _ = x[.., 5];

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("index 5 is out of bounds for dimension 1 with size 3*")
            .Which.ParamName.Should().Be("rest");
    }

    [Fact]
    public void SelectAndIndexSelect_OnInt64_KeepDType()
    {
        Tensor x = Tensor.FromInt64([1, 2, 3, 4, 5, 6], [2, 3]);

        x.Select(1, 2).AsReadOnlyInt64Span().ToArray().Should().Equal(3L, 6L);
        x.IndexSelect(1, Tensor.FromInt64([0, 0], [2])).AsReadOnlyInt64Span().ToArray().Should().Equal(1L, 1L, 4L, 4L);
    }
}
