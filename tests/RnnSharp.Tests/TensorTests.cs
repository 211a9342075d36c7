using System.Numerics.Tensors;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Construction, shape, element access, views and conversions of <see cref="Tensor"/>.</summary>
public sealed class TensorTests
{
    [Fact]
    public void Constructor_DataMatchingShape_WrapsDataWithoutCopy()
    {
        float[] data = [1, 2, 3, 4, 5, 6];

        var t = new Tensor(data, 2, 3);
        data[4] = 50;

        t.Shape.ToArray().Should().Equal(2, 3);
        t.Dim.Should().Be(2);
        t.NumElements.Should().Be(6);
        t[1, 1].Should().Be(50);
    }

    [Fact]
    public void Constructor_DataNotMatchingShape_ThrowsWithPyTorchMessage()
    {
        var act = () => new Tensor(new float[5], 2, 3);

        act.Should().Throw<ArgumentException>()
            .WithMessage("shape '[2, 3]' is invalid for input of size 5*")
            .Which.ParamName.Should().Be("data");
    }

    [Fact]
    public void Constructor_NegativeDimension_ThrowsArgumentException()
    {
        var act = () => new Tensor([], 2, -1);

        act.Should().Throw<ArgumentException>()
            .WithMessage("Trying to create tensor with negative dimension -1: [2, -1]*")
            .Which.ParamName.Should().Be("shape");
    }

    [Fact]
    public void Zeros_ShapeProductOverflowsInt_ThrowsArgumentException()
    {
        var act = () => Tensor.Zeros(65536, 65536);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("shape");
    }

    [Fact]
    public void Constructor_NoShape_MakesScalar()
    {
        var t = new Tensor([2.5f]);

        t.Dim.Should().Be(0);
        t.Item().Should().Be(2.5f);
        t[[]].Should().Be(2.5f);
        t.Size().ToString().Should().Be("torch.Size([])");
    }

    [Fact]
    public void Indexer_NegativeIndices_CountFromTheEnd()
    {
        var t = new Tensor([0, 1, 2, 3, 4, 5], 2, 3);

        t[-1, -1] = 9;

        t[1, 2].Should().Be(9);
        t[-2, 0].Should().Be(0);
    }

    [Fact]
    public void Indexer_OutOfBounds_ThrowsWithPyTorchMessage()
    {
        var t = Tensor.Zeros(3, 2);

        var act = () => t[3, 0];

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("index 3 is out of bounds for dimension 0 with size 3*");
    }

    [Fact]
    public void Indexer_WrongNumberOfIndices_ThrowsArgumentException()
    {
        var t = Tensor.Zeros(3, 2);

        var act = () => t[1];

        act.Should().Throw<ArgumentException>().WithMessage("Expected 2 indices for a 2-D tensor*got 1*");
    }

    [Fact]
    public void Item_MoreThanOneElement_ThrowsWithPyTorchMessage()
    {
        var act = () => Tensor.Zeros(2).Item();

        act.Should().Throw<InvalidOperationException>().WithMessage(
            Fixture.Case("autograd.json", "error_item_not_one_element").GetProperty("message").GetString() + " (this one has 2)");
    }

    [Fact]
    public void Size_ReturnsTorchSizeText()
    {
        var t = Tensor.Zeros(3, 5, 2);

        t.Size().ToString().Should().Be("torch.Size([3, 5, 2])");
        t.Size().Should().Equal(3, 5, 2);
        (t.Size() == new Size(3, 5, 2)).Should().BeTrue();
        t.Size(-1).Should().Be(2);
        t.Size(0).Should().Be(3);
    }

    [Fact]
    public void Size_DimOutOfRange_ThrowsWithPyTorchMessage()
    {
        var act = () => Tensor.Zeros(3, 5, 2).Size(3);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)*")
            .Which.ParamName.Should().Be("dim");
    }

    [Fact]
    public void Size_DimOfScalarTensor_ThrowsWithPyTorchMessage()
    {
        var act = () => new Tensor([1f]).Size(0);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Dimension specified as 0 but tensor has no dimensions*")
            .Which.ParamName.Should().Be("dim");
    }

    [Fact]
    public void View_InferredDimension_SharesStorage()
    {
        var t = new Tensor([0, 1, 2, 3, 4, 5], 2, 3);

        Tensor v = t.View(3, -1);
        v[2, 1] = 42;

        v.Shape.ToArray().Should().Equal(3, 2);
        t[1, 2].Should().Be(42);
    }

    [Fact]
    public void View_TwoInferredDimensions_ThrowsArgumentException()
    {
        var act = () => Tensor.Zeros(6).View(-1, -1);

        act.Should().Throw<ArgumentException>().WithMessage("only one dimension can be inferred*");
    }

    [Fact]
    public void Select_FirstDimension_ReturnsViewOfThatSlice()
    {
        var t = new Tensor([0, 1, 2, 3, 4, 5], 3, 2);

        Tensor row = t.Select(-1);
        row[0] = 40;

        row.Shape.ToArray().Should().Equal(2);
        t[2, 0].Should().Be(40);
        row.ToArray().Should().Equal(40, 5);
    }

    [Fact]
    public void Clone_ThenWrite_LeavesOriginalUnchanged()
    {
        var t = Tensor.Ones(2, 2);

        Tensor c = t.Clone();
        c[0, 0] = 7;

        t[0, 0].Should().Be(1);
    }

    [Fact]
    public void CopyFrom_DifferentShape_ThrowsAndLeavesTensorUnchanged()
    {
        var t = Tensor.Ones(2, 3);

        var act = () => t.CopyFrom(Tensor.Zeros(3, 2));

        act.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 3], got [3, 2]*");
        t.ToArray().Should().OnlyContain(v => v == 1);
    }

    [Fact]
    public void TorchTensor_NestedArrays_CopiesInRowMajorOrder()
    {
        float[] h = [1, 0, 0, 0];
        float[] e = [0, 1, 0, 0];

        Tensor t = Torch.Tensor([[h, e], [e, h], [h, h]]);
        h[0] = 99; // copied, so later writes are not seen

        t.Size().Should().Equal(3, 2, 4);
        t.ToArray().Should().Equal(1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0);
    }

    [Fact]
    public void TorchTensor_RectangularArray_KeepsItsShape()
    {
        Tensor t = Torch.Tensor(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });

        t.Size().Should().Equal(2, 3);
        t[1, 0].Should().Be(4);
    }

    [Fact]
    public void TorchTensor_RaggedNesting_ThrowsWithPyTorchMessage()
    {
        var act = () => Torch.Tensor([[1f, 2f, 3f], [4f, 5f]]);

        act.Should().Throw<ArgumentException>()
            .WithMessage("expected sequence of length 3 at dim 1 (got 2)*")
            .Which.ParamName.Should().Be("data");
    }

    [Fact]
    public void AsTensorSpan_WriteThroughSpan_ChangesTensor()
    {
        var t = Tensor.Zeros(2, 3);

        TensorSpan<float> span = t.AsTensorSpan();
        span[[1, 2]] = 8;

        span.Lengths.ToArray().Should().Equal(2, 3);
        t[1, 2].Should().Be(8);
    }

    [Fact]
    public void FromNumericsTensor_RoundTrip_KeepsShapeAndValues()
    {
        var t = new Tensor([1, 2, 3, 4, 5, 6], 3, 1, 2);

        Tensor<float> numerics = t.ToNumericsTensor();
        Tensor back = Tensor.FromNumericsTensor(numerics);

        numerics.Lengths.ToArray().Should().Equal(3, 1, 2);
        back.Size().Should().Equal(t.Size());
        back.ToArray().Should().Equal(t.ToArray());
    }

    [Fact]
    public void FromTensorSpan_TransposedStrides_CopiesInLogicalOrder()
    {
        float[] data = [1, 2, 3, 4, 5, 6]; // a 2x3 matrix read as its 3x2 transpose

        var span = new ReadOnlyTensorSpan<float>(data, 0, [3, 2], [1, 3]);
        Tensor t = Tensor.FromTensorSpan(span);

        t.ToArray().Should().Equal(1, 4, 2, 5, 3, 6);
    }

    [Fact]
    public void Select_ScalarTensor_ThrowsInvalidOperation()
    {
        var act = () => new Tensor([1f]).Select(0);

        act.Should().Throw<InvalidOperationException>().WithMessage("invalid index of a 0-dim tensor*");
    }

    [Fact]
    public void Select_IndexOutOfBounds_ThrowsWithPyTorchMessage()
    {
        var act = () => Tensor.Zeros(3, 2).Select(-4);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("index -4 is out of bounds for dimension 0 with size 3*")
            .Which.ParamName.Should().Be("index");
    }

    [Fact]
    public void SizeIndexer_OutOfRange_ThrowsLikePythonTuple()
    {
        Size size = Tensor.Zeros(3, 5).Size();

        var act = () => size[2];

        size[-1].Should().Be(5);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("tuple index out of range*");
    }

    [Fact]
    public void TorchTensor_NullRow_ThrowsArgumentNull()
    {
        var act = () => Torch.Tensor([[1f, 2f], null!]);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("data");
    }
}
