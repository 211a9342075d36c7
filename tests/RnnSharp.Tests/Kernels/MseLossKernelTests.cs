using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary><see cref="MseLossKernel"/> against PyTorch's mse_loss (losses.json) and against its double oracle.</summary>
public sealed class MseLossKernelTests
{
    public static TheoryData<string> Cases() => LossFixture.Names("mse_loss");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackward_PyTorchCase_MatchPyTorch(string name)
    {
        var c = LossFixture.Case(name);
        float[] input = LossFixture.Floats(c, "input"), target = LossFixture.Floats(c, "target");
        float[] gradOutput = LossFixture.Floats(c, "grad_output");
        Reduction reduction = LossFixture.Reduction(c);

        float[] output = new float[reduction == Reduction.None ? input.Length : 1];
        MseLossKernel.Forward(input, target, reduction, output);
        LossFixture.AssertMatchesTorch(output, c, "output");

        float[] gradInput = new float[input.Length], gradTarget = new float[input.Length];
        MseLossKernel.Backward(gradOutput, input, target, reduction, gradInput);
        MseLossKernel.Backward(gradOutput, target, input, reduction, gradTarget); // PyTorch's derivative for the target
        LossFixture.AssertMatchesTorch(gradInput, c, "grad_input");
        LossFixture.AssertMatchesTorch(gradTarget, c, "grad_target");
    }

    // Forward (none): one float32 subtraction and one product, each rounded: 2 half-ulps relative, plus the
    // double-rounding slack: 4·2^-24. Reduced: the oracle squares in double, the kernel squares a float32
    // difference in double, so they differ only by the difference's rounding, relative 2·2^-24 per term, and by the
    // final rounding. Backward: three float32 roundings (difference, ·norm, ·grad): 4·2^-24 relative is enough.
    [Theory]
    [InlineData(Reduction.None)]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void ForwardAndBackward_EveryLengthUpTo70AndLonger_MatchDoubleOracle(Reduction reduction)
    {
        const double Rel = 4.0 / (1 << 24);
        foreach (int n in Enumerable.Range(0, 71).Concat([255, 256, 257, 1000]))
        {
            float[] x = SoftmaxKernelTests.Random(n, seed: n, scale: 3), t = SoftmaxKernelTests.Random(n, seed: n + 500, scale: 3);
            float[] g = reduction == Reduction.None ? SoftmaxKernelTests.Random(n, seed: n + 900, scale: 1) : [0.75f];
            int outCount = reduction == Reduction.None ? n : 1;
            float[] fast = new float[outCount], oracle = new float[outCount], gFast = new float[n], gOracle = new float[n];
            MseLossKernel.Forward(x, t, reduction, fast);
            MseLossKernel.ForwardReference(x, t, reduction, oracle);
            MseLossKernel.Backward(g, x, t, reduction, gFast);
            MseLossKernel.BackwardReference(g, x, t, reduction, gOracle);
            for (int i = 0; i < outCount; i++)
            {
                if (float.IsNaN(oracle[i]))
                {
                    float.IsNaN(fast[i]).Should().BeTrue("an empty mean is NaN");
                    continue;
                }

                Math.Abs(fast[i] - (double)oracle[i]).Should().BeLessThanOrEqualTo((Rel * Math.Abs(oracle[i])) + float.Epsilon, "forward [{0}] of {1}", i, n);
            }

            for (int i = 0; i < n; i++)
            {
                Math.Abs(gFast[i] - (double)gOracle[i]).Should().BeLessThanOrEqualTo((Rel * Math.Abs(gOracle[i])) + float.Epsilon, "backward [{0}] of {1}", i, n);
            }
        }
    }

    [Fact]
    public void Backward_InPlaceOverEveryInput_MatchesOutOfPlaceBitForBit()
    {
        float[] x = SoftmaxKernelTests.Random(300, 1, 2), t = SoftmaxKernelTests.Random(300, 2, 2), g = SoftmaxKernelTests.Random(300, 3, 1);
        float[] expected = new float[300];
        MseLossKernel.Backward(g, x, t, Reduction.None, expected);
        foreach (int which in new[] { 0, 1, 2 })
        {
            float[] xs = (float[])x.Clone(), ts = (float[])t.Clone(), gs = (float[])g.Clone();
            float[] into = which switch { 0 => xs, 1 => ts, _ => gs };
            MseLossKernel.Backward(gs, xs, ts, Reduction.None, into);
            into.Should().Equal(expected);
        }

        float[] mean = [0.5f];
        float[] y = new float[1];
        MseLossKernel.Backward(mean, [1f], [3f], Reduction.Mean, y);
        MseLossKernel.Backward(mean, [1f], [3f], Reduction.Mean, mean);
        mean.Should().Equal(y);
    }
}
