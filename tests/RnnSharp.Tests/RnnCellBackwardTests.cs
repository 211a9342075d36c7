using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>RnnCell's backward reproduces torch.nn.RNNCell's gradients and grad_fn names (the cell_* cases of rnn_grad.json).</summary>
public sealed class RnnCellBackwardTests
{
    public static TheoryData<string, string> CasesByKernel() => RnnBackwardTests.ByKernel(c => c.TryGetProperty("grad_fn", out _));

    [Theory]
    [MemberData(nameof(CasesByKernel))]
    public void Backward_PyTorchRecordedCase_MatchesPyTorchGradients(string name, string kernel)
    {
        JsonElement c = Fixture.Case("rnn_grad.json", name);
        RnnCell cell = Configs.CreateCell(c.GetProperty("config"), new Generator(1));
        cell.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        cell.Kernel = Enum.Parse<RecurrentKernel>(kernel);
        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? hx = Fixture.ReadOptionalTensor(c, "hx")?.RequiresGrad_();

        Tensor h = cell.Forward(input, hx);
        h.Backward(Fixture.ReadTensor(c.GetProperty("grad_output")));

        TensorAssert.AllClose(h, Fixture.ReadTensor(c.GetProperty("output")), RnnBackwardTests.Tolerance, RnnBackwardTests.Tolerance, "output");
        h.GradFn!.Name.Should().Be(c.GetProperty("grad_fn").GetString());
        RnnBackwardTests.AssertGradients(c, n => n switch { "input" => input, "hx" => hx!, _ => cell.GetParameter(n) });
    }

    [Fact]
    public void Forward_UnderNoGrad_RecordsNothing()
    {
        var cell = new RnnCell(3, 4);
        using IDisposable noGrad = Torch.NoGrad();

        Tensor h = cell.Forward(Tensor.Ones(2, 3).RequiresGrad_());

        h.GradFn.Should().BeNull();
        h.RequiresGrad.Should().BeFalse();
    }

    [Fact]
    public void Backward_ResultModifiedInPlace_ThrowsPyTorchsInPlaceMessage()
    {
        var cell = new RnnCell(3, 4, generator: new Generator(2));
        Tensor h = cell.Forward(Tensor.Ones(2, 3));

        h.AsSpan()[0] += 1; // the result is what TanhBackward0 saved
        var act = () => h.Backward(Tensor.Ones(2, 4));

        act.Should().Throw<InvalidOperationException>().WithMessage(
            "one of the variables needed for gradient computation has been modified by an inplace operation: " +
            "[torch.FloatTensor [2, 4]], which is output 0 of TanhBackward0, is at version *; expected version * instead. Hint:*");
    }
}
