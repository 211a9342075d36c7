using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Rnn's fused backward through time reproduces torch.nn.RNN's gradients (rnn_grad.json) and PyTorch's autograd behaviour.</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class RnnBackwardTests
{
    // Tolerance, from torch's own float32 error recorded in rnn_grad.json ("torch_error": max |float32 − float64| of
    // every gradient of every case): at most 1.7e-6 · max(1, max|g|) over the whole file (the saturating case, whose
    // inputs of magnitude 100 make dW_ih's entries ~100). Float32 sums of that many terms err in proportion to the
    // gradient's magnitude, so the bound is the 1e-5 absolute, scaled by max(1, max|g|) for large gradients,
    // plus 1e-5 relative; GradientFixture_TorchOwnFloat32Error_IsWellInsideTheTolerance keeps that margin honest.
    internal const double Tolerance = 1e-5;

    public static TheoryData<string, string> CasesByKernel() => ByKernel(c => c.TryGetProperty("h_n_grad_fn", out _));

    /// <summary>The rnn_grad.json cases <paramref name="where"/> selects, each with both kernels (the reference and the packed).</summary>
    internal static TheoryData<string, string> ByKernel(Func<JsonElement, bool> where)
    {
        var data = new TheoryData<string, string>();
        foreach (string name in Fixture.Names("rnn_grad.json", where))
        {
            data.Add(name, nameof(RecurrentKernel.Reference));
            data.Add(name, nameof(RecurrentKernel.Packed));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CasesByKernel))]
    public void Backward_PyTorchRecordedCase_MatchesPyTorchGradients(string name, string kernel)
    {
        JsonElement c = Fixture.Case("rnn_grad.json", name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"));
        rnn.Kernel = Enum.Parse<RecurrentKernel>(kernel);
        rnn.Train(c.GetProperty("training").GetBoolean());
        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0")?.RequiresGrad_();

        var (output, hN) = rnn.Forward(input, h0);
        Torch.Autograd.Backward([output, hN], [Fixture.ReadTensor(c.GetProperty("grad_output")), Fixture.ReadTensor(c.GetProperty("grad_h_n"))]);

        TensorAssert.AllClose(output, Fixture.ReadTensor(c.GetProperty("output")), Tolerance, Tolerance, "output");
        TensorAssert.AllClose(hN, Fixture.ReadTensor(c.GetProperty("h_n")), Tolerance, Tolerance, "h_n");
        output.GradFn!.Name.Should().Be(c.GetProperty("output_grad_fn").GetString());
        hN.GradFn!.Name.Should().Be(c.GetProperty("h_n_grad_fn").GetString());
        AssertGradients(c, n => n switch { "input" => input, "h0" => h0!, _ => rnn.GetParameter(n) });
    }

    /// <summary>Compares every recorded gradient with <see cref="Tolerance"/> scaled by the gradient's magnitude.</summary>
    internal static void AssertGradients(JsonElement c, Func<string, Tensor> leaf)
    {
        foreach (JsonElement g in c.GetProperty("grads").EnumerateArray())
        {
            string gradName = g.GetProperty("name").GetString()!;
            Tensor expected = Fixture.ReadTensor(g.GetProperty("tensor"));
            Tensor? actual = leaf(gradName).Grad;
            actual.Should().NotBeNull($"{gradName} requires grad");
            TensorAssert.AllClose(actual!, expected, Tolerance, Tolerance * Math.Max(1, MaxAbs(expected)), $"grad of {gradName}");
        }
    }

    [Fact]
    public void GradientFixture_TorchOwnFloat32Error_IsWellInsideTheTolerance()
    {
        double worst = 0;
        foreach (JsonElement c in Fixture.Cases("rnn_grad.json"))
        {
            foreach (JsonElement e in c.GetProperty("torch_error").EnumerateArray())
            {
                double scaled = Fixture.ReadFloat(e.GetProperty("max_abs_diff")) / Math.Max(1, Fixture.ReadFloat(e.GetProperty("max_abs")));
                worst = Math.Max(worst, scaled);
            }
        }

        worst.Should().BeGreaterThan(0).And.BeLessThan(Tolerance / 4, "the tolerance leaves room for PyTorch's own float32 error twice over");
    }

    private static double MaxAbs(Tensor t)
    {
        double max = 0;
        foreach (float v in t.AsReadOnlySpan())
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    [Fact]
    public void Backward_TwoCalls_AccumulateGradients()
    {
        var rnn = new Rnn(3, 5, numLayers: 2, generator: new Generator(1));
        Tensor input = Torch.Rand([4, 2, 3], new Generator(2)).RequiresGrad_();
        Tensor g = Torch.Rand([4, 2, 5], new Generator(3));
        rnn.Forward(input).Output.Backward(g);
        float[] once = rnn.GetParameter("weight_hh_l0").Grad!.ToArray();
        float[] inputOnce = input.Grad!.ToArray();

        rnn.Forward(input).Output.Backward(g);

        rnn.GetParameter("weight_hh_l0").Grad!.ToArray().Should().Equal(once.Select(v => v + v));
        input.Grad!.ToArray().Should().Equal(inputOnce.Select(v => v + v));
    }

    [Fact]
    public void Backward_TwiceWithoutRetainGraph_ThrowsPyTorchsMessage()
    {
        var rnn = new Rnn(3, 4, generator: new Generator(1));
        var (output, hN) = rnn.Forward(Torch.Rand([5, 2, 3], new Generator(2)));
        output.Backward(Tensor.Ones(5, 2, 4));

        var again = () => hN.Backward(Tensor.Ones(1, 2, 4));

        again.Should().Throw<InvalidOperationException>().WithMessage(
            "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). *");
    }

    [Fact]
    public void Backward_TwiceWithRetainGraph_GivesTheSameGradientsAgain()
    {
        var rnn = new Rnn(3, 4, numLayers: 2, bidirectional: true, dropout: 0.5f, generator: new Generator(1));
        var (output, _) = rnn.Forward(Torch.Rand([5, 2, 3], new Generator(2)));
        output.Backward(Tensor.Ones(5, 2, 8), retainGraph: true);
        float[] first = rnn.GetParameter("weight_ih_l0").Grad!.ToArray();
        rnn.ZeroGrad();

        output.Backward(Tensor.Ones(5, 2, 8));

        rnn.GetParameter("weight_ih_l0").Grad!.ToArray().Should().Equal(first);
    }

    [Fact]
    public void Backward_ParameterModifiedInPlaceAfterForward_ThrowsPyTorchsInPlaceMessage()
    {
        var rnn = new Rnn(3, 4, generator: new Generator(1));
        var (output, _) = rnn.Forward(Torch.Rand([5, 2, 3], new Generator(2)));
        using (Torch.NoGrad())
        {
            rnn.GetParameter("weight_hh_l0").AsSpan()[0] += 1;
        }

        var act = () => output.Backward(Tensor.Ones(5, 2, 4));

        // PyTorch 1.13: "... [torch.FloatTensor [4, 4]], which is output 0 of AsStridedBackward0, is at version 3; ..."
        // (its flattened weights are views); RnnSharp's parameters are leaves, and its version counts differ.
        act.Should().Throw<InvalidOperationException>().WithMessage(
            "one of the variables needed for gradient computation has been modified by an inplace operation: " +
            "[torch.FloatTensor [4, 4]]* is at version *; expected version * instead. Hint: enable anomaly detection*");
    }

    [Fact]
    public void Forward_UnderNoGrad_RecordsNothingAndGivesTheRecordingForwardsBits()
    {
        var rnn = new Rnn(5, 33, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(1));
        Tensor input = Torch.Rand([3, 4, 5], new Generator(2)).RequiresGrad_();
        Tensor h0 = Torch.Rand([4, 3, 33], new Generator(3));

        var recorded = rnn.Forward(input, h0);
        RnnOutput plain;
        using (Torch.NoGrad())
        {
            plain = rnn.Forward(input, h0);
        }

        plain.Output.GradFn.Should().BeNull();
        plain.HN.GradFn.Should().BeNull();
        recorded.Output.GradFn.Should().NotBeNull();
        TensorAssert.BitEqual(recorded.Output, plain.Output);
        TensorAssert.BitEqual(recorded.HN, plain.HN);
    }

    [Fact]
    public void Forward_NothingRequiresGrad_RecordsNothing()
    {
        var rnn = new Rnn(3, 4, generator: new Generator(1));
        foreach (Parameter p in rnn.Parameters())
        {
            p.RequiresGrad = false;
        }

        var (output, hN) = rnn.Forward(Torch.Rand([5, 2, 3], new Generator(2)));

        output.GradFn.Should().BeNull();
        hN.GradFn.Should().BeNull();
    }

    [Fact]
    public void Backward_OnlyHN_EqualsBackwardOfBothWithZeroOutputGradient()
    {
        var rnn = new Rnn(4, 9, numLayers: 2, bidirectional: true, generator: new Generator(1));
        Tensor input = Torch.Rand([6, 3, 4], new Generator(2));
        Tensor g = Torch.Rand([4, 3, 9], new Generator(3));
        rnn.Forward(input).HN.Backward(g);
        var expected = rnn.Parameters().Select(p => p.Grad!.ToArray()).ToList();
        rnn.ZeroGrad();

        var (output, hN) = rnn.Forward(input);
        Torch.Autograd.Backward([output, hN], [Tensor.Zeros(6, 3, 18), g]);

        rnn.Parameters().Select(p => p.Grad!.ToArray()).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public void Backward_FrozenFirstLayer_GivesNoGradientThereAndTheSameAbove()
    {
        var rnn = new Rnn(4, 9, numLayers: 2, generator: new Generator(1));
        Tensor input = Torch.Rand([6, 3, 4], new Generator(2));
        Tensor g = Torch.Rand([6, 3, 9], new Generator(3));
        rnn.Forward(input).Output.Backward(g);
        float[] expected = rnn.GetParameter("weight_ih_l1").Grad!.ToArray();
        rnn.ZeroGrad();
        foreach (var (name, p) in rnn.NamedParameters())
        {
            p.RequiresGrad = !name.EndsWith("_l0", StringComparison.Ordinal);
        }

        rnn.Forward(input).Output.Backward(g);

        rnn.GetParameter("weight_ih_l0").Grad.Should().BeNull();
        rnn.GetParameter("weight_ih_l1").Grad!.ToArray().Should().Equal(expected);
    }
}
