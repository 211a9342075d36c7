using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Autograd;

/// <summary>
/// A leaf with no gradient takes a node's own freshly computed gradient as its <c>.grad</c> instead of a copy
/// (PyTorch's <c>AccumulateGrad</c> steals an unshared gradient too): what it then holds must behave as a copy would.
/// These are properties of the accumulation, so the expected values are the library's own sums.
/// </summary>
public sealed class GradientOwnershipTests
{
    [Fact]
    public void Backward_TwoPassesThroughAnLstm_AccumulateIntoTheFirstPassGradients()
    {
        Torch.ManualSeed(3);
        var lstm = new Lstm(5, 7, numLayers: 2);
        Tensor x = Torch.Rand([4, 3, 5]);

        lstm.Forward(x).Output.Sum().Backward();
        Dictionary<string, float[]> once = lstm.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Grad!.ToArray());
        Dictionary<string, Tensor> first = lstm.NamedParameters().ToDictionary(p => p.Key, p => p.Value.Grad!);
        lstm.Forward(x).Output.Sum().Backward();

        foreach (var (name, parameter) in lstm.NamedParameters())
        {
            parameter.Grad.Should().BeSameAs(first[name], "the second pass adds in place, as PyTorch does");
            parameter.Grad!.ToArray().Should().Equal(once[name].Select(g => g + g), name);
        }
    }

    [Fact]
    public void Backward_OneLeafAsBothH0AndC0_GetsTheSumOfBothGradients()
    {
        Torch.ManualSeed(4);
        var lstm = new Lstm(3, 6);
        Tensor x = Torch.Rand([5, 2, 3]);
        Tensor values = Torch.Rand([1, 2, 6]);
        Tensor shared = values.Clone().RequiresGrad_();
        Tensor h0 = values.Clone().RequiresGrad_();
        Tensor c0 = values.Clone().RequiresGrad_();

        lstm.Forward(x, (shared, shared)).Output.Sum().Backward();
        lstm.Forward(x, (h0, c0)).Output.Sum().Backward();

        float[] expected = [.. h0.Grad!.ToArray().Zip(c0.Grad!.ToArray(), (a, b) => a + b)];
        shared.Grad!.ToArray().Should().Equal(expected);
        h0.Grad.Should().NotBeSameAs(c0.Grad);
    }

    [Fact]
    public void Backward_LinearGradients_AreEachParametersOwn()
    {
        Torch.ManualSeed(5);
        var linear = new Linear(4, 3);
        linear.Forward(Torch.Rand([2, 4])).Sum().Backward();
        float[] bias = linear.Bias!.Grad!.ToArray();

        linear.Weight.Grad!.AsSpan().Fill(100f);

        linear.Bias.Grad!.ToArray().Should().Equal(bias);
    }
}
