using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// <see cref="CrossEntropyKernel"/> (after <see cref="LogSoftmaxKernel.Forward"/> over dim 1, as the loss modules
/// will call it) against PyTorch's cross_entropy with class indices and with class probabilities (losses.json).
/// </summary>
public sealed class CrossEntropyKernelTests
{
    public static TheoryData<string> IndexCases() => LossFixture.Names("cross_entropy");

    public static TheoryData<string> ProbabilityCases() => LossFixture.Names("cross_entropy_probs");

    [Theory]
    [MemberData(nameof(IndexCases))]
    public void ClassIndices_ForwardAndBackward_MatchPyTorch(string name)
    {
        var c = LossFixture.Case(name);
        var (layout, logProbs, weight, reduction, smoothing) = Prepare(c);
        long[] target = LossFixture.Longs(c, "target");
        long ignoreIndex = c.GetProperty("ignore_index").GetInt64();
        NllLossKernel.FindInvalidTarget(target, layout.Classes, ignoreIndex).Should().Be(-1);

        float[] output = new float[reduction == Reduction.None ? layout.Count : 1];
        float totalWeight = CrossEntropyKernel.ForwardIndices(logProbs, target, weight, layout, ignoreIndex, smoothing, reduction, output);
        LossFixture.AssertMatchesTorch(output, c, "output");

        float[] gradInput = Enumerable.Repeat(float.NaN, logProbs.Length).ToArray();
        CrossEntropyKernel.BackwardIndices(
            LossFixture.Floats(c, "grad_output"), logProbs, target, weight, layout, ignoreIndex, smoothing, reduction, totalWeight, gradInput);
        LossFixture.AssertMatchesTorch(gradInput, c, "grad_input");
    }

    [Theory]
    [MemberData(nameof(ProbabilityCases))]
    public void ClassProbabilities_ForwardAndBackward_MatchPyTorch(string name)
    {
        var c = LossFixture.Case(name);
        var (layout, logProbs, weight, reduction, smoothing) = Prepare(c);
        float[] target = LossFixture.Floats(c, "target");

        float[] output = new float[reduction == Reduction.None ? layout.Count : 1];
        CrossEntropyKernel.ForwardProbabilities(logProbs, target, weight, layout, smoothing, reduction, output);
        LossFixture.AssertMatchesTorch(output, c, "output");

        float[] gradInput = Enumerable.Repeat(float.NaN, logProbs.Length).ToArray();
        CrossEntropyKernel.BackwardProbabilities(
            LossFixture.Floats(c, "grad_output"), logProbs, target, weight, layout, smoothing, reduction, gradInput);
        LossFixture.AssertMatchesTorch(gradInput, c, "grad_input");
    }

    [Fact]
    public void ClassIndices_ZeroSmoothing_IsExactlyNllLossOfLogSoftmax()
    {
        var layout = new ClassLayout(4, 3, 2);
        float[] logProbs = SoftmaxKernelTests.Random(24, seed: 5, scale: 3);
        LogSoftmaxKernel.Forward(logProbs, 4, 3, 2, logProbs);
        long[] target = [0, 2, 1, -100, 2, 2, 0, 1];
        float[] weight = [0.5f, 2f, 1.25f];
        float[] ce = new float[1], nll = new float[1];
        CrossEntropyKernel.ForwardIndices(logProbs, target, weight, layout, -100, 0, Reduction.Mean, ce)
            .Should().Be(NllLossKernel.Forward(logProbs, target, weight, layout, -100, Reduction.Mean, nll));
        ce.Should().Equal(nll);
    }

    private static (ClassLayout Layout, float[] LogProbs, float[] Weight, Reduction Reduction, double Smoothing) Prepare(
        System.Text.Json.JsonElement c)
    {
        ClassLayout layout = LossFixture.Layout(LossFixture.Shape(c, "input"));
        float[] logProbs = LossFixture.Floats(c, "input");
        LogSoftmaxKernel.Forward(logProbs, layout.Batch, layout.Classes, layout.Inner, logProbs);
        return (layout, logProbs, LossFixture.FloatsOrEmpty(c, "weight"), LossFixture.Reduction(c),
            c.GetProperty("label_smoothing").GetDouble());
    }
}
