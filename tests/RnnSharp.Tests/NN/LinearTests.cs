using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>Linear against torch.nn.Linear (linear.json, written by Fixtures/record_training.py).</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class LinearTests
{
    private const string File = "linear.json";

    public static TheoryData<string> InitCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "init");

    public static TheoryData<string> ForwardCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "forward");

    public static TheoryData<string> ForwardErrorCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "forward_error");

    public static TheoryData<string> ConstructorErrorCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "ctor_error");

    [Theory]
    [MemberData(nameof(InitCases))]
    public void Constructor_AfterManualSeed_MatchesPyTorchBitForBit(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());

        var linear = new Linear(c.GetProperty("in_features").GetInt32(), c.GetProperty("out_features").GetInt32(), c.GetProperty("bias").GetBoolean());

        Configs.AssertStateDictBitEqual(linear, c.GetProperty("state_dict"), name);
        // The generator must stand where PyTorch's does: the same number of draws.
        TensorAssert.BitEqual(Torch.Rand([2]), Fixture.ReadTensor(c.GetProperty("rand_after")), "draws after the constructor");
        linear.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    [Theory]
    [MemberData(nameof(InitCases))]
    public void Constructor_WithGenerator_MatchesPyTorchOfThatSeed(string name)
    {
        JsonElement c = Fixture.Case(File, name);

        var linear = new Linear(
            c.GetProperty("in_features").GetInt32(), c.GetProperty("out_features").GetInt32(), c.GetProperty("bias").GetBoolean(),
            new Generator(c.GetProperty("seed").GetInt64()));

        Configs.AssertStateDictBitEqual(linear, c.GetProperty("state_dict"), name);
    }

    [Fact]
    public void Constructor_TwoLayersFromOneSeed_ContinueTheStreamAsPyTorch()
    {
        JsonElement c = Fixture.Case(File, "init_two_layers_seed77");
        Torch.ManualSeed(77);

        var first = new Linear(3, 4);
        var second = new Linear(4, 2);

        Configs.AssertStateDictBitEqual(first, c.GetProperty("first"), "first");
        Configs.AssertStateDictBitEqual(second, c.GetProperty("second"), "second");
    }

    [Fact]
    public void UserModule_LongSeqNet_HasPyTorchKeysBitsAndRepr()
    {
        JsonElement c = Fixture.Case(File, "init_longseq_net_seed0");
        Torch.ManualSeed(0);

        var net = new LongSeqNet(25, 25, 2);

        Configs.AssertStateDictBitEqual(net, c.GetProperty("state_dict"), "the course's longseq Net");
        net.ToString().Should().Be(c.GetProperty("repr").GetString());
        net.Parameters().Should().HaveCount(10).And.OnlyContain(p => p.RequiresGrad);
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward_MatchesPyTorchOutputGradientsAndGradFn(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        bool hasBias = c.GetProperty("has_bias").GetBoolean();
        Torch.ManualSeed(c.GetProperty("init_seed").GetInt64());
        var linear = new Linear(c.GetProperty("in_features").GetInt32(), c.GetProperty("out_features").GetInt32(), hasBias);
        TensorAssert.BitEqual(linear.Weight.Data, Fixture.ReadTensor(c.GetProperty("weight")), "the recorded weight is the layer's init");
        Tensor x = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();

        Tensor y = linear.Forward(x);
        y.Backward(Fixture.ReadTensor(c.GetProperty("grad_output")));

        LossFixture.AssertMatchesTorch(y.AsReadOnlySpan(), c, "output");
        y.Shape.ToArray().Should().Equal(LossFixture.Shape(c, "output"));
        y.GradFn!.Name.Should().Be(c.GetProperty("grad_fn").GetString());
        LossFixture.AssertMatchesTorch(x.Grad!.AsReadOnlySpan(), c, "grad_input");
        LossFixture.AssertMatchesTorch(linear.Weight.Grad!.AsReadOnlySpan(), c, "grad_weight");
        if (hasBias)
        {
            LossFixture.AssertMatchesTorch(linear.Bias!.Grad!.AsReadOnlySpan(), c, "grad_bias");
        }

        Tensor paramsOnly = linear.Forward(Fixture.ReadTensor(c.GetProperty("input")));
        paramsOnly.GradFn!.Name.Should().Be(c.GetProperty("grad_fn_params_only").GetString());
    }

    [Fact]
    public void Forward_UnderNoGrad_RecordsNothing()
    {
        var linear = new Linear(3, 2, generator: new Generator(1));
        Tensor y;
        using (Torch.NoGrad())
        {
            y = linear.Forward(Tensor.Ones(4, 3));
        }

        y.GradFn.Should().BeNull();
        y.RequiresGrad.Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(ForwardErrorCases))]
    public void Forward_WrongInput_ThrowsPyTorchError(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        var linear = new Linear(c.GetProperty("in_features").GetInt32(), c.GetProperty("out_features").GetInt32(), c.GetProperty("bias").GetBoolean());

        Action act = () => linear.Forward(Tensor.Zeros(c.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt32()).ToArray()));

        act.Should().Throw<ArgumentException>().WithParameterName("input")
            .Which.Message.Should().StartWith(c.GetProperty("message").GetString());
    }

    [Theory]
    [MemberData(nameof(ConstructorErrorCases))]
    public void Constructor_NegativeSize_ThrowsPyTorchError(string name)
    {
        JsonElement c = Fixture.Case(File, name);

        Action act = () => _ = new Linear(c.GetProperty("in_features").GetInt32(), c.GetProperty("out_features").GetInt32());

        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith(c.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 4)]
    [InlineData(7, 17, 9)]
    [InlineData(2, 64, 33)]
    [InlineData(0, 4, 3)]
    public void Kernels_MatchDoubleOracle(int rows, int inFeatures, int outFeatures)
    {
        var random = new Random(rows * 1000 + inFeatures);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        float[] x = Rand(rows * inFeatures), w = Rand(outFeatures * inFeatures), b = Rand(outFeatures), dy = Rand(rows * outFeatures);
        float[] y = new float[rows * outFeatures], dx = new float[rows * inFeatures], dw = new float[w.Length], db = new float[outFeatures];
        float[] ry = new float[y.Length], rdx = new float[dx.Length], rdw = new float[dw.Length], rdb = new float[db.Length];

        LinearKernel.Forward(x, w, b, y, rows, inFeatures, outFeatures);
        LinearKernel.BackwardInput(dy, w, dx, rows, inFeatures, outFeatures);
        LinearKernel.BackwardWeight(dy, x, dw, rows, inFeatures, outFeatures);
        LinearKernel.BackwardBias(dy, db, rows, outFeatures);
        LinearKernel.Reference(x, w, b, dy, ry, rdx, rdw, rdb, rows, inFeatures, outFeatures);

        // Float32 sums of at most 64 terms of magnitude ≤ 1 against double sums: a few ulps of the sum's size.
        TensorAssert.AllClose(new Tensor(y, y.Length), new Tensor(ry, ry.Length), rtol: 1e-5, atol: 1e-5);
        TensorAssert.AllClose(new Tensor(dx, dx.Length), new Tensor(rdx, rdx.Length), rtol: 1e-5, atol: 1e-5);
        TensorAssert.AllClose(new Tensor(dw, dw.Length), new Tensor(rdw, rdw.Length), rtol: 1e-5, atol: 1e-5);
        TensorAssert.AllClose(new Tensor(db, db.Length), new Tensor(rdb, rdb.Length), rtol: 1e-5, atol: 1e-5);
    }

    /// <summary>The course's lab11_4 <c>Net</c>, written as a user would: an Rnn and a Linear registered as sub-modules.</summary>
    private sealed class LongSeqNet : Module
    {
        private readonly Rnn _rnn;
        private readonly Linear _fc;

        public LongSeqNet(int inputDim, int hiddenDim, int layers)
        {
            _rnn = new Rnn(inputDim, hiddenDim, numLayers: layers, batchFirst: true);
            _fc = new Linear(hiddenDim, hiddenDim, bias: true);
            RegisterModule("rnn", _rnn);
            RegisterModule("fc", _fc);
        }

        protected override string TypeName => "Net";

        public Tensor Forward(Tensor x) => _fc.Forward(_rnn.Forward(x).Output);
    }
}
