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

    public static TheoryData<string, string> CasesByKernel()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in Fixture.Names("rnn_grad.json", c => c.TryGetProperty("h_n_grad_fn", out _)))
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
}
