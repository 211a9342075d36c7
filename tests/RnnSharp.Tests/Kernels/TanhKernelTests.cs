using RnnSharp.Kernels;

namespace RnnSharp.Tests.Kernels;

/// <summary>TanhKernel gives the correctly rounded float32 tanh (Math.Tanh in double, rounded once) across scales.</summary>
public sealed class TanhKernelTests
{
    [Theory]
    [InlineData(20.0)]
    [InlineData(3.0)]
    [InlineData(1e-2)]
    [InlineData(1e-3)]
    [InlineData(1e-6)]
    [InlineData(1e-12)]
    [InlineData(1e-30)]
    public void Forward_RandomInputsAtScale_WithinOneRoundingOfCorrectlyRounded(double scale)
    {
        var rng = new Random(17);
        float[] x = Enumerable.Range(0, 100_003).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale)).ToArray();
        float[] y = new float[x.Length];

        TanhKernel.Forward(x, y);

        int notCorrectlyRounded = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float correctlyRounded = (float)Math.Tanh(x[i]);
            if (y[i] != correctlyRounded)
            {
                notCorrectlyRounded++;
                Math.Abs(BitConverter.SingleToInt32Bits(y[i]) - BitConverter.SingleToInt32Bits(correctlyRounded)).Should().Be(1, $"tanh({x[i]:R})");
            }
        }

        // Double evaluation leaves only near-halfway cases to round the other way.
        notCorrectlyRounded.Should().BeLessThan(x.Length / 1000);
    }

    [Fact]
    public void Forward_SpecialValues_AsMathTanh()
    {
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, 9f, -9f, 1e-3f, -1e-3f];
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
    [InlineData(67)]
    public void Forward_InPlace_MatchesOutOfPlace(int length)
    {
        var rng = new Random(length);
        float[] x = Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 8) - 4)).ToArray();
        float[] expected = new float[length];
        TanhKernel.Forward(x, expected);

        TanhKernel.Forward(x, x);

        x.Should().Equal(expected);
    }
}
