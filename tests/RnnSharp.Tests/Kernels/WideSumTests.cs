using RnnSharp.Kernels;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// <see cref="WideSum"/>'s vectorised double accumulation against plain double loops. Both add exact doubles (every
/// float32 and every product of two float32 is exact in double); only the order differs, so they agree to a few
/// double ulps of the sum of magnitudes: 1e-15 relative is ~5 double ulps.
/// </summary>
public sealed class WideSumTests
{
    [Fact]
    public void SumDotAndAccumulate_EveryLengthUpTo70AndLonger_MatchScalarDoubleLoops()
    {
        foreach (int n in Enumerable.Range(0, 71).Concat([255, 256, 257, 1000]))
        {
            float[] x = SoftmaxKernelTests.Random(n, n, 3), y = SoftmaxKernelTests.Random(n, n + 1, 3);
            double sum = 0, dot = 0, magnitude = 0;
            for (int i = 0; i < n; i++)
            {
                sum += x[i];
                dot += (double)x[i] * y[i];
                magnitude += Math.Abs(x[i]) * (1 + Math.Abs(y[i]));
            }

            double tolerance = 1e-15 * magnitude;
            WideSum.Sum(x).Should().BeApproximately(sum, tolerance, "Sum of {0}", n);
            WideSum.Dot(x, y).Should().BeApproximately(dot, tolerance, "Dot of {0}", n);

            double[] acc = Enumerable.Repeat(0.5, n).ToArray(), accProduct = Enumerable.Repeat(0.5, n).ToArray();
            WideSum.Accumulate(x, acc);
            WideSum.AccumulateProduct(x, y, accProduct);
            for (int i = 0; i < n; i++)
            {
                acc[i].Should().Be(0.5 + x[i]);
                accProduct[i].Should().Be(0.5 + ((double)x[i] * y[i]));
            }
        }
    }
}
