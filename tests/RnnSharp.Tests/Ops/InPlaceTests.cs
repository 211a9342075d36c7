using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>In-place operations against the programs recorded in <c>ops.json</c> ("inplace" cases).</summary>
public sealed class InPlaceTests
{
    private static JsonElement Case(string name) => Fixture.Case(OpsFixture.File, name);

    private static string Message(string name) => Case(name).GetProperty("error").GetProperty("message").GetString()!;

    [Fact]
    public void InPlaceChain_NonLeaf_RecordsPyTorchsNodesAndGradients()
    {
        JsonElement c = Case("inplace_chain");
        Tensor[] inputs = c.GetProperty("inputs").EnumerateArray().Select(Fixture.ReadTensor).ToArray();
        Tensor x = inputs[0].RequiresGrad_();
        Tensor y = inputs[1].RequiresGrad_();
        string[] names = c.GetProperty("grad_fns").EnumerateArray().Select(e => e.GetString()!).ToArray();

        Tensor z = x * 1f;
        z.Add_(y, alpha: 2f);
        z.GradFn!.Name.Should().Be(names[0]);
        z.Mul_(3f);
        z.GradFn!.Name.Should().Be(names[1]);
        z.Sub_(1f);
        z.Div_(2f);
        z.GradFn!.Name.Should().Be(names[2]);

        // Each step is one float operation, rounded as ATen rounds it (add with alpha is one fused multiply-add).
        TensorAssert.BitEqual(z, Fixture.ReadTensor(c.GetProperty("output")));
        Tensor?[] grads = Torch.Autograd.Grad([z], [x, y], [Fixture.ReadTensor(c.GetProperty("upstream"))]);
        JsonElement[] expected = c.GetProperty("grads").EnumerateArray().ToArray();
        TensorAssert.BitEqual(grads[0]!, Fixture.ReadTensor(expected[0]));

        // y's gradient sums the upstream gradient over 3 rows; summation order may differ from ATen's by one rounding.
        TensorAssert.AllClose(grads[1]!, Fixture.ReadTensor(expected[1]), rtol: 2.4e-7, atol: 0);
    }

    [Fact]
    public void InPlace_OnOutputSavedByGraph_BackwardThrowsPyTorchsError()
    {
        Tensor x = Tensor.Ones(3, 4).RequiresGrad_();
        Tensor s = x.Sigmoid();
        s.Mul_(2f);

        Action act = () => s.Sum().Backward();

        act.Should().Throw<InvalidOperationException>().WithMessage(Message("inplace_saved_output_modified"));
    }

    [Fact]
    public void InPlace_OnLeafThatRequiresGrad_ThrowsPyTorchsError()
    {
        Tensor x = Tensor.Ones(3).RequiresGrad_();

        foreach (Action act in new Action[] { () => x.Add_(1f), () => x.Mul_(2f), () => x.Zero_(), () => x.Fill_(2f), () => x.Clamp_(0f, 1f), () => x.Sub_(Tensor.Ones(3)) })
        {
            act.Should().Throw<InvalidOperationException>().WithMessage(Message("inplace_leaf_requires_grad"));
        }

        x.ToArray().Should().Equal(1f, 1f, 1f);
    }

    [Fact]
    public void InPlace_BroadcastLargerThanSelf_ThrowsPyTorchsError()
    {
        Action act = () => Tensor.Zeros(3).Add_(Tensor.Zeros(2, 3));

        act.Should().Throw<ArgumentException>().WithMessage(Message("inplace_broadcast_shape") + "*").Which.ParamName.Should().Be("other");
    }

    [Fact]
    public void InPlace_UnderNoGrad_UpdatesLeafAsPyTorch()
    {
        JsonElement c = Case("inplace_no_grad_update");
        Tensor[] inputs = c.GetProperty("inputs").EnumerateArray().Select(Fixture.ReadTensor).ToArray();
        Tensor x = inputs[0].RequiresGrad_();
        int version = x.Version;

        using (Torch.NoGrad())
        {
            x.Mul_(0.5f).Add_(inputs[1], alpha: -0.1f).Clamp_(-1f, 0.5f);
        }

        TensorAssert.BitEqual(x, Fixture.ReadTensor(c.GetProperty("output")));
        x.IsLeaf.Should().BeTrue();
        x.GradFn.Should().BeNull();
        x.Version.Should().BeGreaterThan(version);
    }

    [Fact]
    public void InPlace_ReturnsSameTensor_AndAliasingSelfWorks()
    {
        Tensor x = new([1f, 2f, 3f], 3);

        x.Add_(x).Should().BeSameAs(x);
        x.Mul_(x);

        x.ToArray().Should().Equal(4f, 16f, 36f);
    }
}
