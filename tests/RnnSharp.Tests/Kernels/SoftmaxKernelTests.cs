using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// <see cref="LogSoftmaxKernel"/> and <see cref="SoftmaxKernel"/> against PyTorch (losses.json, under the measured
/// tolerance of <see cref="LossFixture.AssertMatchesTorch"/>) and against their double oracles over many sizes.
/// </summary>
public sealed class SoftmaxKernelTests
{
    public static TheoryData<string> LogSoftmaxCases() => LossFixture.Names("log_softmax");

    public static TheoryData<string> SoftmaxCases() => LossFixture.Names("softmax");

    [Theory]
    [MemberData(nameof(LogSoftmaxCases))]
    public void LogSoftmax_ForwardAndBackward_MatchPyTorch(string name) => CheckAgainstTorch(name, log: true);

    [Theory]
    [MemberData(nameof(SoftmaxCases))]
    public void Softmax_ForwardAndBackward_MatchPyTorch(string name) => CheckAgainstTorch(name, log: false);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_EveryDimAndInnerSizeUpTo70_MatchesDoubleOracle(bool log)
    {
        for (int n = 0; n <= 70; n++)
        {
            CheckAgainstOracle(2, n, 1, log, seed: n);
            CheckAgainstOracle(1, n, 3, log, seed: n);
            CheckAgainstOracle(2, 3, n, log, seed: n);
            CheckAgainstOracle(n % 3, 5, n, log, seed: n);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_RowsAndInnerLongerThanTheStackChunk_MatchesDoubleOracle(bool log)
    {
        CheckAgainstOracle(2, (2 * SoftmaxFamily.Chunk) + 37, 1, log, seed: 1);
        CheckAgainstOracle(2, 7, SoftmaxFamily.Chunk + 3, log, seed: 2);
        CheckAgainstOracle(1, 3, (3 * SoftmaxFamily.Chunk) + 1, log, seed: 3);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 5)]
    [InlineData(false, 1)]
    [InlineData(false, 5)]
    public void ForwardAndBackward_InPlace_MatchOutOfPlaceBitForBit(bool log, int inner)
    {
        const int Outer = 3, Dim = 37;
        float[] x = Random(Outer * Dim * inner, seed: 11, scale: 4);
        float[] g = Random(x.Length, seed: 12, scale: 1);
        float[] y = new float[x.Length], gi = new float[x.Length];
        Forward(x, Outer, Dim, inner, log, y);
        Backward(g, y, Outer, Dim, inner, log, gi);

        float[] inPlace = (float[])x.Clone();
        Forward(inPlace, Outer, Dim, inner, log, inPlace);
        inPlace.Should().Equal(y);
        float[] gradInPlace = (float[])g.Clone();
        Backward(gradInPlace, y, Outer, Dim, inner, log, gradInPlace);
        gradInPlace.Should().Equal(gi);
        float[] overOutput = (float[])y.Clone();
        Backward(g, overOutput, Outer, Dim, inner, log, overOutput);
        overOutput.Should().Equal(gi);
    }

    [Fact]
    public void LogSoftmax_SingleClass_IsZeroWithZeroGradient()
    {
        float[] x = [3f, -2f, 1e30f];
        float[] y = new float[3], gi = new float[3];
        LogSoftmaxKernel.Forward(x, 3, 1, 1, y);
        LogSoftmaxKernel.Backward([1f, 2f, 3f], y, 3, 1, 1, gi);
        y.Should().Equal(0f, 0f, 0f);
        gi.Should().Equal(0f, 0f, 0f);
    }

    private static void CheckAgainstTorch(string name, bool log)
    {
        var c = LossFixture.Case(name);
        int[] shape = LossFixture.Shape(c, "input");
        int dim = c.GetProperty("dim").GetInt32();
        int outer = shape[..dim].Aggregate(1, (a, b) => a * b);
        int inner = shape[(dim + 1)..].Aggregate(1, (a, b) => a * b);
        float[] x = LossFixture.Floats(c, "input");
        float[] y = new float[x.Length], gi = new float[x.Length];

        Forward(x, outer, shape[dim], inner, log, y);
        LossFixture.AssertMatchesTorch(y, c, "output");
        Backward(LossFixture.Floats(c, "grad_output"), y, outer, shape[dim], inner, log, gi);
        LossFixture.AssertMatchesTorch(gi, c, "grad_input");
    }

    // Each result element is a handful of float32 roundings of terms no larger than the bounds below, plus a sum
    // over the dimension that both compute in double: the bounds are 4 ulps (relative 4·2^-23) of those terms.
    private static void CheckAgainstOracle(int outer, int dim, int inner, bool log, int seed)
    {
        int count = outer * dim * inner;
        float[] x = Random(count, seed, scale: 5), g = Random(count, seed + 1000, scale: 1);
        float[] fast = new float[count], oracle = new float[count], gFast = new float[count], gOracle = new float[count];
        Forward(x, outer, dim, inner, log, fast);
        if (log)
        {
            LogSoftmaxKernel.ForwardReference(x, outer, dim, inner, oracle);
        }
        else
        {
            SoftmaxKernel.ForwardReference(x, outer, dim, inner, oracle);
        }

        // Backward from the same (oracle) output, so that only the backward's own rounding is measured.
        Backward(g, oracle, outer, dim, inner, log, gFast);
        if (log)
        {
            LogSoftmaxKernel.BackwardReference(g, oracle, outer, dim, inner, gOracle);
        }
        else
        {
            SoftmaxKernel.BackwardReference(g, oracle, outer, dim, inner, gOracle);
        }

        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int at = (o * dim * inner) + j;
                double max = double.NegativeInfinity, absGrad = 0, absGradOut = 0;
                for (int d = 0; d < dim; d++)
                {
                    max = Math.Max(max, x[at + (d * inner)]);
                    absGrad += Math.Abs(g[at + (d * inner)]);
                    absGradOut += Math.Abs(g[at + (d * inner)] * oracle[at + (d * inner)]);
                }

                for (int d = 0; d < dim; d++)
                {
                    int i = at + (d * inner);
                    double y = oracle[i];
                    double forwardScale = log ? 1 + Math.Abs(y) : y * (4 + max - x[i]);
                    double backwardScale = log ? Math.Abs(g[i]) + (Math.Exp(y) * absGrad) : y * (Math.Abs(g[i]) + absGradOut);
                    Math.Abs((double)fast[i] - y).Should().BeLessThanOrEqualTo(4 * LossFixture.Eps * forwardScale, "forward [{0}] of ({1}, {2}, {3})", i, outer, dim, inner);
                    Math.Abs((double)gFast[i] - gOracle[i]).Should().BeLessThanOrEqualTo(4 * LossFixture.Eps * backwardScale, "backward [{0}] of ({1}, {2}, {3})", i, outer, dim, inner);
                }
            }
        }
    }

    private static void Forward(float[] x, int outer, int dim, int inner, bool log, float[] y)
    {
        if (log)
        {
            LogSoftmaxKernel.Forward(x, outer, dim, inner, y);
        }
        else
        {
            SoftmaxKernel.Forward(x, outer, dim, inner, y);
        }
    }

    private static void Backward(float[] g, float[] y, int outer, int dim, int inner, bool log, float[] gi)
    {
        if (log)
        {
            LogSoftmaxKernel.Backward(g, y, outer, dim, inner, gi);
        }
        else
        {
            SoftmaxKernel.Backward(g, y, outer, dim, inner, gi);
        }
    }

    internal static float[] Random(int count, int seed, float scale)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1) * scale).ToArray();
    }
}
