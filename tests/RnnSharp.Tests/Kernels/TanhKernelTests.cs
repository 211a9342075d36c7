using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// TanhKernel against the exact tanh (Math.Tanh in double): within 2.5 ulp everywhere and half an ulp on average,
/// at every scale — where TensorPrimitives.Tanh is off by thousands of ulp near 0 — and its vector loop bit for bit
/// equal to its scalar formula.
/// </summary>
public sealed class TanhKernelTests
{
    [Theory]
    [InlineData(20.0)]
    [InlineData(3.0)]
    [InlineData(0.5)]
    [InlineData(1e-2)]
    [InlineData(1e-4)]
    [InlineData(1e-8)]
    [InlineData(1e-30)]
    public void Forward_RandomInputsAtScale_WithinTwoAndAHalfUlpOfExact(double scale)
    {
        var rng = new Random(17);
        float[] x = Enumerable.Range(0, 100_003).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale)).ToArray();
        float[] y = new float[x.Length];

        TanhKernel.Forward(x, y);

        UlpAssert.Within(x, y, Math.Tanh, "tanh", maxUlp: 2.5, meanUlp: 0.5);
    }

    [Fact]
    public void Forward_SpecialValues_AsMathTanh()
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 100f, -100f, float.MaxValue];

        // Four copies (40 values): the 16-lane loop, the 8-lane loop and the padded tail each see every special value.
        float[] x = [.. specials, .. specials, .. specials, .. specials];
        float[] y = new float[x.Length];

        TanhKernel.Forward(x, y);

        y.Select(BitConverter.SingleToInt32Bits).Should().Equal(x.Select(v => BitConverter.SingleToInt32Bits((float)Math.Tanh(v))));
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
    [InlineData(33)]
    [InlineData(67)]
    [InlineData(1000)]
    public void Forward_VectorLoop_MatchesScalarReferenceBitForBitAndInPlace(int length)
    {
        var rng = new Random(length);
        float[] x = Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 20) - 10) * (float)Math.Pow(10, -rng.Next(6))).ToArray();
        float[] y = new float[length];

        TanhKernel.Forward(x, y);

        y.Should().Equal(x.Select(TanhKernel.Reference));
        TanhKernel.Forward(x, x);
        x.Should().Equal(y);
    }
}
