using System.Runtime.Intrinsics;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// SigmoidKernel against the exact σ (in double): within 2.5 ulp and half an ulp on average wherever σ is a
/// normal float32; its 16-lane, 8-lane and one-lane forms and its span loop bit for bit the same, which is what lets a
/// fused LSTM/GRU gate loop with a scalar tail keep the bits of its separate-pass oracle; and the special values.
/// </summary>
public sealed class SigmoidKernelTests
{
    [Theory]
    [InlineData(1e-6)]
    [InlineData(1e-2)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(87.0)]
    public void Forward_RandomInputsAtScale_WithinTwoAndAHalfUlpOfExact(double scale)
    {
        var rng = new Random(23);
        float[] x = Enumerable.Range(0, 200_003).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale)).ToArray();
        float[] y = new float[x.Length];

        SigmoidKernel.Forward(x, y);

        UlpAssert.Within(x, y, v => 1.0 / (1.0 + Math.Exp(-v)), "σ", maxUlp: 2.5, meanUlp: 0.5);
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(120.0)]
    public void SigmoidLaneAndForward_RandomInputsAtScale_AgreeBitForBit(double scale)
    {
        float[] x = SoftmaxKernelTests.Random(100_003, 5, (float)scale);
        float[] spans = new float[x.Length];
        SigmoidKernel.Forward(x, spans);

        float[] lanes = x.Select(SigmoidKernel.Lane).ToArray();
        float[] wide = x.Select(v => SigmoidKernel.Sigmoid(Vector512.Create(v)).GetElement(0)).ToArray();
        float[] narrow = x.Select(v => SigmoidKernel.Sigmoid(Vector256.Create(v)).GetElement(0)).ToArray();

        TensorAssert.BitEqual(new Tensor(spans, [x.Length]), new Tensor(lanes, [x.Length]), "Forward");
        TensorAssert.BitEqual(new Tensor(wide, [x.Length]), new Tensor(lanes, [x.Length]), "Vector512");
        TensorAssert.BitEqual(new Tensor(narrow, [x.Length]), new Tensor(lanes, [x.Length]), "Vector256");
    }

    [Fact]
    public void Forward_SpecialValues_AsAtensFormula()
    {
        // σ(±0) = 0.5; saturation to exactly 1 and 0 (ATen's exp overflows to +∞ from 88.73, so σ is 0 there); NaN stays NaN.
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 20f, 100f, -100f, -89f, float.MaxValue, float.MinValue];
        float[] expected = [0.5f, 0.5f, 1f, 0f, float.NaN, 1f, 1f, 0f, 0f, 1f, 0f];
        float[] y = new float[x.Length];

        SigmoidKernel.Forward(x, y);

        float.IsNaN(y[4]).Should().BeTrue();
        y[4] = expected[4] = 0f;
        y.Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    public void Forward_InPlace_EveryTailLength_SameAsLane(int length)
    {
        float[] x = SoftmaxKernelTests.Random(length, 31, 6f);
        float[] expected = x.Select(SigmoidKernel.Lane).ToArray();

        SigmoidKernel.Forward(x, x);

        x.Should().Equal(expected);
    }
}
