using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Autograd;

/// <summary>
/// The autograd core against PyTorch (Fixtures/autograd.json): leaves, grad accumulation, views, selections and
/// clones with their grad_fn names and printing, NoGrad scopes, and PyTorch's errors in its words.
/// </summary>
public sealed class AutogradCoreTests
{
    private const string File = "autograd.json";

    private static string Message(string name) => Fixture.Case(File, name).GetProperty("message").GetString()!;

    private static Tensor Leaf(JsonElement c) => Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();

    public static TheoryData<string> ViewCases() => new() { "view", "view_3d", "select0", "select0_negative", "clone" };

    [Theory]
    [MemberData(nameof(ViewCases))]
    public void Backward_ThroughViewSelectOrClone_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor a = Leaf(c);

        Tensor output = name switch
        {
            "view" => a.View(6),
            "view_3d" => a.View(3, 1, 2),
            "select0" => a.Select(1),
            "select0_negative" => a.Select(-1),
            _ => a.Clone(),
        };
        output.Backward(Fixture.ReadTensor(c.GetProperty("upstream")));

        output.GradFn!.Name.Should().Be(c.GetProperty("grad_fn").GetString());
        output.ToString().Should().Be(c.GetProperty("str").GetString());
        output.IsLeaf.Should().BeFalse();
        output.RequiresGrad.Should().BeTrue();
        TensorAssert.BitEqual(a.Grad!, Fixture.ReadTensor(c.GetProperty("input_grad")), "input grad");
    }

    [Fact]
    public void ToString_LeafThatRequiresGrad_PrintsRequiresGradLikePyTorch()
    {
        JsonElement c = Fixture.Case(File, "print_leaf");
        Tensor a = Leaf(c);

        a.ToString().Should().Be(c.GetProperty("str").GetString());
        a.Detach().ToString().Should().Be(c.GetProperty("detached").GetString());
        a.Detach().RequiresGrad.Should().BeFalse();
    }

    [Fact]
    public void Backward_Twice_AccumulatesGradLikePyTorch()
    {
        JsonElement c = Fixture.Case(File, "accumulate_twice");
        Tensor a = Leaf(c);

        a.View(3).Backward(Torch.Ones(3));
        a.View(3).Backward(Torch.Ones(3));

        TensorAssert.BitEqual(a.Grad!, Fixture.ReadTensor(c.GetProperty("input_grad")), "accumulated grad");
    }

    [Fact]
    public void Backward_NonScalarWithoutGradient_ThrowsPyTorchsError()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();

        var act = () => x.View(6).Backward();

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("error_backward_non_scalar"));
        x.Grad.Should().BeNull("nothing was accumulated");
    }

    [Fact]
    public void Backward_TensorThatDoesNotRequireGrad_ThrowsPyTorchsError()
    {
        var act = () => Torch.Ones(1).Backward();

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("error_backward_no_grad"));
    }

    [Fact]
    public void Backward_GradientOfAnotherShape_ThrowsPyTorchsError()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();

        var act = () => x.View(6).Backward(Torch.Ones(5));

        act.Should().Throw<ArgumentException>().WithMessage(Message("error_grad_shape_mismatch") + "*").Which.ParamName.Should().Be("grad");
    }

    [Fact]
    public void RequiresGrad_Int64Tensor_ThrowsPyTorchsError()
    {
        Tensor indices = Tensor.FromInt64([1, 2], [2]);

        var act = () => indices.RequiresGrad_();

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("error_requires_grad_int64"));
    }

    [Fact]
    public void RequiresGrad_SetFalseOnNonLeaf_ThrowsPyTorchsError()
    {
        Tensor view = Torch.Ones(2, 3).RequiresGrad_().View(6);

        var act = () => view.RequiresGrad = false;

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("error_requires_grad_false_on_non_leaf"));
    }

    [Fact]
    public void Fill_LeafThatRequiresGrad_ThrowsPyTorchsErrorOutsideNoGrad()
    {
        Tensor x = Torch.Ones(2).RequiresGrad_();

        var act = () => x.Fill(3f);

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("error_inplace_on_leaf"));
        using (Torch.NoGrad())
        {
            x.Fill(3f);
        }

        x.ToArray().Should().Equal(3f, 3f);
    }

    [Fact]
    public void NoGrad_RecordsNothingOnThisThreadOnly()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();
        Tensor? fromOtherThread = null;

        using (Torch.NoGrad())
        {
            x.View(6).GradFn.Should().BeNull();
            x.View(6).RequiresGrad.Should().BeFalse();
            Torch.IsGradEnabled().Should().BeFalse();
            var other = new Thread(() => fromOtherThread = x.View(6));
            other.Start();
            other.Join();
        }

        fromOtherThread!.GradFn!.Name.Should().Be("ViewBackward0", "grad mode is per thread");
        Torch.IsGradEnabled().Should().BeTrue();
        x.View(6).GradFn.Should().NotBeNull();
    }

    [Fact]
    public void EnableGrad_InsideNoGrad_RecordsAgainLikePyTorch()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();

        using (Torch.NoGrad())
        {
            using (Torch.EnableGrad())
            {
                Torch.IsGradEnabled().Should().BeTrue();
                x.View(6).GradFn!.Name.Should().Be(Fixture.Case(File, "view").GetProperty("grad_fn").GetString());
            }

            Torch.IsGradEnabled().Should().BeFalse();
            x.View(6).GradFn.Should().BeNull();
        }
    }

    [Fact]
    public void NoGrad_DisposedOnAnotherThread_ThrowsAndKeepsThisThreadsMode()
    {
        IDisposable scope = Torch.NoGrad();
        Exception? thrown = null;

        var other = new Thread(() => thrown = Record.Exception(scope.Dispose));
        other.Start();
        other.Join();

        thrown.Should().BeOfType<InvalidOperationException>();
        Torch.IsGradEnabled().Should().BeFalse("the scope is still open on this thread");
        scope.Dispose();
        Torch.IsGradEnabled().Should().BeTrue();
    }

    [Fact]
    public void AutogradGrad_ReturnsGradientsWithoutTouchingGrad()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();
        Tensor y = Torch.Ones(3).RequiresGrad_();
        Tensor row = x.Select(0);
        Tensor g = Torch.Tensor([1f, 2f, 3f]);

        Tensor?[] grads = Torch.Autograd.Grad([row], [x, row, y], [g]);

        grads[0]!.ToArray().Should().Equal(1, 2, 3, 0, 0, 0);
        grads[1]!.ToArray().Should().Equal(1, 2, 3);
        grads[2].Should().BeNull("y does not influence the output");
        x.Grad.Should().BeNull();
    }

    [Fact]
    public void AutogradBackward_SeveralRoots_SumsTheirGradients()
    {
        Tensor x = Torch.Ones(2, 3).RequiresGrad_();

        Torch.Autograd.Backward([x.Select(0), x.Select(0), x.View(6)], [Torch.Ones(3), Torch.Ones(3), Torch.Ones(6)]);

        x.Grad!.ToArray().Should().Equal(3, 3, 3, 1, 1, 1);
    }

    [Fact]
    public void Parameter_IsALeafThatRequiresGrad()
    {
        var rnn = new Rnn(2, 3, generator: new Generator(1));

        rnn.Parameters().Should().OnlyContain(p => p.IsLeaf && p.RequiresGrad && p.GradFn == null);
        Tensor weight = rnn.GetParameter("weight_ih_l0");
        weight.Grad = Torch.Ones(3, 2);
        rnn.ZeroGrad(setToNone: false);
        weight.Grad!.ToArray().Should().AllSatisfy(v => v.Should().Be(0));
        rnn.ZeroGrad();
        weight.Grad.Should().BeNull();
    }

    [Fact]
    public void Detach_SharesStorageWithoutHistory()
    {
        Tensor x = Torch.Ones(2, 2).RequiresGrad_();
        Tensor view = x.View(4);

        Tensor detached = view.Detach();
        detached.AsSpan()[0] = 5f;

        detached.GradFn.Should().BeNull();
        detached.RequiresGrad.Should().BeFalse();
        x[0, 0].Should().Be(5f);
        x.Data.RequiresGrad.Should().BeFalse();
    }
}
