using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// SigmoidKernel's vector-exp σ (16 lanes, 8 lanes, one lane) bit for bit against TensorPrimitives.Sigmoid on a long
/// span, which is what lets the fused LSTM/GRU gate loops keep the bits of the separate TensorPrimitives passes.
/// </summary>
public sealed class SigmoidKernelTests
{
    [Theory]
    [InlineData(1e-3)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(120.0)]
    public void SigmoidAndLane_RandomInputsAtScale_MatchTensorPrimitivesBitForBit(double scale)
    {
        float[] x = SoftmaxKernelTests.Random(100_003, 5, (float)scale);
        float[] expected = new float[x.Length];
        TensorPrimitives.Sigmoid(x, expected);

        float[] lanes = x.Select(SigmoidKernel.Lane).ToArray();
        float[] wide = x.Select(v => SigmoidKernel.Sigmoid(Vector512.Create(v)).GetElement(0)).ToArray();
        float[] narrow = x.Select(v => SigmoidKernel.Sigmoid(Vector256.Create(v)).GetElement(0)).ToArray();

        TensorAssert.BitEqual(new Tensor(lanes, [x.Length]), new Tensor(expected, [x.Length]), "Lane");
        TensorAssert.BitEqual(new Tensor(wide, [x.Length]), new Tensor(expected, [x.Length]), "Vector512");
        TensorAssert.BitEqual(new Tensor(narrow, [x.Length]), new Tensor(expected, [x.Length]), "Vector256");
    }

    [Fact]
    public void Reference_SpansShorterThanFour_MatchesTensorPrimitives()
    {
        float[] x = SoftmaxKernelTests.Random(3, 9, 8f);
        float[] expected = new float[3];
        TensorPrimitives.Sigmoid(x, expected);

        x.Select(SigmoidKernel.Reference).Should().Equal(expected);
    }
}
