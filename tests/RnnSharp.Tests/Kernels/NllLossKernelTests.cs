using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary><see cref="NllLossKernel"/> against PyTorch's nll_loss (losses.json) and its error for bad targets.</summary>
public sealed class NllLossKernelTests
{
    public static TheoryData<string> Cases() => LossFixture.Names("nll_loss");

    public static TheoryData<string> ErrorCases() => LossFixture.Names("nll_error");

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackward_PyTorchCase_MatchPyTorch(string name)
    {
        var c = LossFixture.Case(name);
        ClassLayout layout = LossFixture.Layout(LossFixture.Shape(c, "input"));
        float[] input = LossFixture.Floats(c, "input"), weight = LossFixture.FloatsOrEmpty(c, "weight");
        long[] target = LossFixture.Longs(c, "target");
        long ignoreIndex = c.GetProperty("ignore_index").GetInt64();
        Reduction reduction = LossFixture.Reduction(c);
        NllLossKernel.FindInvalidTarget(target, layout.Classes, ignoreIndex).Should().Be(-1);

        float[] output = new float[reduction == Reduction.None ? layout.Count : 1];
        float totalWeight = NllLossKernel.Forward(input, target, weight, layout, ignoreIndex, reduction, output);
        LossFixture.AssertMatchesTorch(output, c, "output");

        float[] gradInput = Enumerable.Repeat(float.NaN, input.Length).ToArray(); // every element must be written
        NllLossKernel.Backward(LossFixture.Floats(c, "grad_output"), target, weight, layout, ignoreIndex, reduction, totalWeight, gradInput);
        LossFixture.AssertMatchesTorch(gradInput, c, "grad_input");
    }

    [Fact]
    public void Forward_EveryTargetIgnoredWithMean_IsNaNAsInPyTorch113()
    {
        // Also recorded (the *_all_mean cases); this states it where it is easy to find.
        var c = LossFixture.Case("nll_loss_hihello_nw_all_mean");
        float.IsNaN(LossFixture.Floats(c, "output")[0]).Should().BeTrue("PyTorch 1.13 returns nan");
        float[] output = new float[1];
        long[] target = [-100, -100];
        NllLossKernel.Forward([-1f, -2f, -3f, -4f], target, [], new ClassLayout(2, 2, 1), -100, Reduction.Mean, output)
            .Should().Be(0);
        float.IsNaN(output[0]).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void FindInvalidTarget_OutOfRange_FindsTheTargetPyTorchNames(string name)
    {
        var c = LossFixture.Case(name);
        int[] shape = c.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        long[] target = LossFixture.Longs(c, "target");
        int at = NllLossKernel.FindInvalidTarget(target, shape[1], c.GetProperty("ignore_index").GetInt64());
        at.Should().BeGreaterThanOrEqualTo(0);
        c.GetProperty("error_type").GetString().Should().Be("IndexError");
        $"Target {target[at]} is out of bounds.".Should().Be(c.GetProperty("message").GetString());
    }
}
