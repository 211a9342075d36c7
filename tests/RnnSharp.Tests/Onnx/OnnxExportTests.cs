using Microsoft.ML.OnnxRuntime;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Onnx;

/// <summary>
/// Exports models with <see cref="RnnSharp.Onnx"/>, runs the files in ONNX Runtime 1.31 and compares its outputs with
/// RnnSharp's forward. Tolerance: absolute 1e-5, the bound issue 11 sets — ORT's MLAS kernels sum and approximate
/// tanh/sigmoid differently from RnnSharp's, so bits differ; measured over all 325 compared outputs here, the largest
/// difference was 4.77e-7 (a one-off instrumented run of these tests, ORT 1.31.1 on x64).
/// </summary>
public sealed class OnnxExportTests
{
    private const double Atol = 1e-5;

    public static TheoryData<string, int, bool, bool, bool, bool> RecurrentConfigs()
    {
        var data = new TheoryData<string, int, bool, bool, bool, bool>();
        foreach (string kind in new[] { "RNN_TANH", "RNN_RELU", "LSTM", "GRU" })
        {
            foreach (int layers in new[] { 1, 2 })
            {
                foreach (bool bidirectional in new[] { false, true })
                {
                    foreach (bool batchFirst in new[] { false, true })
                    {
                        foreach (bool withState in new[] { false, true })
                        {
                            foreach (bool bias in new[] { true, false })
                            {
                                data.Add(kind, layers, bidirectional, batchFirst, withState, bias);
                            }
                        }
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RecurrentConfigs))]
    public void Export_RecurrentLayer_MatchesOnnxRuntime(string kind, int layers, bool bidirectional, bool batchFirst, bool withState, bool bias)
    {
        const int inputSize = 5, hidden = 7, batch = 3, seqLen = 4;
        var g = new Generator(11);
        RnnBase module = NewRecurrent(kind, inputSize, hidden, layers, bias, batchFirst, bidirectional, g);
        module.Eval();
        int states = layers * (bidirectional ? 2 : 1);
        var inputs = new List<Tensor> { Torch.Randn(batchFirst ? [batch, seqLen, inputSize] : [seqLen, batch, inputSize], g) };
        if (withState)
        {
            inputs.Add(Torch.Randn([states, batch, hidden], g));
            if (kind == "LSTM")
            {
                inputs.Add(Torch.Randn([states, batch, hidden], g));
            }
        }

        CheckAgainstOrt(module, x => RunRecurrent(module, x), inputs);
    }

    [Theory]
    [InlineData("RNN_TANH", false)]
    [InlineData("LSTM", true)]
    [InlineData("GRU", true)]
    public void Export_UnbatchedInput_MatchesOnnxRuntime(string kind, bool bidirectional)
    {
        var g = new Generator(5);
        RnnBase module = NewRecurrent(kind, 3, 4, 2, true, false, bidirectional, g);
        module.Eval();
        int states = 2 * (bidirectional ? 2 : 1);
        var inputs = new List<Tensor> { Torch.Randn([6, 3], g), Torch.Randn([states, 4], g) };
        if (kind == "LSTM")
        {
            inputs.Add(Torch.Randn([states, 4], g));
        }

        CheckAgainstOrt(module, x => RunRecurrent(module, x), inputs);
    }

    [Theory]
    [InlineData("RNN_TANH")]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    public void Export_DynamicBatchAndSequence_MatchesOnnxRuntimeAtEverySize(string kind)
    {
        var g = new Generator(3);
        RnnBase module = NewRecurrent(kind, 4, 6, 2, true, true, true, g);
        module.Eval();
        var axes = new Dictionary<string, IReadOnlyDictionary<int, string>>
        {
            ["input"] = new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
            ["output"] = new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
            ["output1"] = new Dictionary<int, string> { [1] = "batch" },
        };
        using var stream = new MemoryStream();
        RnnSharp.Onnx.Export(module, x => RunRecurrent(module, x), [Torch.Randn([2, 3, 4], g)], stream, dynamicAxes: axes);
        (InferenceSession session, string[] warnings) = OrtRunner.Load(stream.ToArray());
        using (session)
        {
            warnings.Should().BeEmpty();
            foreach ((int batch, int seqLen) in new[] { (1, 1), (3, 5), (5, 2) })
            {
                Tensor x = Torch.Randn([batch, seqLen, 4], g);
                CompareOutputs(session, module, m => RunRecurrent((RnnBase)m, [x]), [x]);
            }
        }
    }

    [Fact]
    public void Export_LongSeqNet_MatchesOnnxRuntimeAtEverySize()
    {
        // longseq's Net: a two-layer batch-first RNN and a Linear on every step's output.
        var g = new Generator(1);
        var net = new RecurrentNet(new Rnn(25, 25, numLayers: 2, batchFirst: true, generator: g), new Linear(25, 25, generator: g), lastStep: false);
        net.Eval();
        ExportDynamicAndCompare(net, () => Torch.Randn([4, 10, 25], g), (b, l) => Torch.Randn([b, l, 25], g));
    }

    [Fact]
    public void Export_TimeSeriesNet_MatchesOnnxRuntimeAtEverySize()
    {
        // timeseries' Net: an LSTM and a Linear on the last step, x[:, -1].
        var g = new Generator(2);
        var net = new RecurrentNet(new Lstm(5, 10, numLayers: 1, batchFirst: true, generator: g), new Linear(10, 1, generator: g), lastStep: true);
        net.Eval();
        ExportDynamicAndCompare(net, () => Torch.Randn([8, 7, 5], g), (b, l) => Torch.Randn([b, l, 5], g));
    }

    [Fact]
    public void Export_EmbeddingGruNet_MatchesOnnxRuntimeAtEverySize()
    {
        var g = new Generator(4);
        var net = new EmbeddingNet(new Embedding(12, 6, generator: g), new Gru(6, 8, batchFirst: true, generator: g), new Linear(8, 12, generator: g));
        net.Eval();
        ExportDynamicAndCompare(net, () => Indices(g, 2, 5), (b, l) => Indices(g, b, l));
    }

    [Fact]
    public void Export_UnsupportedOperation_ThrowsNamingGradFn()
    {
        var rnn = new Rnn(3, 4, generator: new Generator(1));
        rnn.Eval();
        Action export = () => RnnSharp.Onnx.Export(rnn, x => [rnn.Forward(x[0]).Output.Sum()], [Torch.Randn([2, 1, 3])], Stream.Null);
        export.Should().Throw<NotSupportedException>().WithMessage("*SumBackward0*");
    }

    [Fact]
    public void Export_ModulesOwnForward_TracesItAsTorchOnnxExportCallsTheModel()
    {
        // torch.onnx.export(model, args, ...) calls model(*args): the overload without a delegate calls the module's
        // one public Forward taking the sample tensors — a user module's Forward(Tensor), or Lstm.Forward(x, state = null)
        // whose LstmOutput becomes output, h_n, c_n.
        var g = new Generator(21);
        var net = new RecurrentNet(new Rnn(4, 6, 2, batchFirst: true, generator: g), new Linear(6, 3, generator: g), lastStep: false);
        var lstm = new Lstm(4, 5, bidirectional: true, generator: g);
        net.Eval();
        lstm.Eval();
        Tensor x = Torch.Randn([2, 7, 4], g);

        foreach ((Module module, Func<Module, IReadOnlyList<Tensor>> run) in new (Module, Func<Module, IReadOnlyList<Tensor>>)[]
        {
            (net, _ => [net.Forward(x)]),
            (lstm, _ => lstm.Forward(x) is var (o, (h, c)) ? [o, h, c] : []),
        })
        {
            using var stream = new MemoryStream();
            RnnSharp.Onnx.Export(module, [x], stream);
            (InferenceSession session, string[] warnings) = OrtRunner.Load(stream.ToArray());
            using (session)
            {
                warnings.Should().BeEmpty();
                CompareOutputs(session, module, run, [x]);
            }
        }
    }

    [Fact]
    public void Export_ModuleWithTwoMatchingForwards_ThrowsAskingForADelegate()
    {
        var net = new TwoForwards();
        net.Eval();

        Action export = () => RnnSharp.Onnx.Export(net, [Torch.Randn([2, 3])], Stream.Null);

        export.Should().Throw<ArgumentException>().WithMessage("TwoForwards has 2 public Forward methods taking 1 tensor(s)*forward delegate*")
            .Which.ParamName.Should().Be("module");
    }

    [Fact]
    public void Export_ModuleForwardReturningNoTensor_ThrowsNamingWhatItReturned()
    {
        var net = new CountingForward();
        net.Eval();

        Action export = () => RnnSharp.Onnx.Export(net, [Torch.Randn([2, 3])], Stream.Null);

        export.Should().Throw<ArgumentException>().WithMessage("CountingForward.Forward returned Int32, not tensors*")
            .Which.ParamName.Should().Be("module");
    }

    [Theory]
    [InlineData("view_reshape_flatten")]
    [InlineData("slices_and_select")]
    [InlineData("cat_stack")]
    [InlineData("arithmetic")]
    [InlineData("matmul_activations")]
    [InlineData("transpose_permute_squeeze")]
    public void Export_ShapeIndexingJoinAndElementwiseOps_RunInOnnxRuntime(string ops)
    {
        // The operations around the recurrent layers that users write in their Forward, each run by ONNX Runtime from
        // one file at the sample's size (as torch.onnx.export without dynamic axes).
        var g = new Generator(31);
        var rnn = new Gru(4, 6, batchFirst: true, bidirectional: true, generator: g);
        var fc = new Linear(12, 3, generator: g);
        Tensor weight = Torch.Randn([12, 5], g);
        var net = new OpsNet(rnn, fc, weight, ops);
        net.Eval();
        Tensor x = Torch.Randn([2, 5, 4], g);

        CheckAgainstOrt(net, inputs => [net.Forward(inputs[0])], [x]);
    }

    [Fact]
    public void Export_ModuleWithoutMatchingForward_ThrowsNamingTheDelegateForm()
    {
        var linear = new Linear(3, 2);
        linear.Eval();

        Action export = () => RnnSharp.Onnx.Export(linear, [Torch.Randn([2, 3]), Torch.Randn([2, 3])], Stream.Null);

        export.Should().Throw<ArgumentException>().WithMessage("Linear has no public Forward method taking 2 tensor(s)*forward delegate*")
            .Which.ParamName.Should().Be("module");
    }

    [Fact]
    public void Export_TrainingMode_ThrowsInvalidOperation()
    {
        var rnn = new Rnn(3, 4, generator: new Generator(1));
        Action export = () => RnnSharp.Onnx.Export(rnn, x => [rnn.Forward(x[0]).Output], [Torch.Randn([2, 1, 3])], Stream.Null);
        export.Should().Throw<InvalidOperationException>().WithMessage("*Eval()*");
    }

    [Fact]
    public void Export_LstmWithProjection_ThrowsNotSupported()
    {
        var lstm = new Lstm(3, 4, projSize: 2, generator: new Generator(1));
        lstm.Eval();
        Action export = () => RnnSharp.Onnx.Export(lstm, x => [lstm.Forward(x[0]).Output], [Torch.Randn([2, 1, 3])], Stream.Null);
        export.Should().Throw<NotSupportedException>().WithMessage("*proj_size*");
    }

    [Fact]
    public void Export_OpsetOutOfRange_ThrowsArgumentOutOfRange()
    {
        var rnn = new Rnn(3, 4);
        rnn.Eval();
        Action export = () => RnnSharp.Onnx.Export(rnn, x => [rnn.Forward(x[0]).Output], [Torch.Randn([2, 1, 3])], Stream.Null, opset: 9);
        export.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("opset");
    }

    [Fact]
    public void Export_FrozenParameters_StayFrozen()
    {
        var rnn = new Rnn(3, 4);
        rnn.Eval();
        foreach (Parameter p in rnn.Parameters())
        {
            p.RequiresGrad = false;
        }

        RnnSharp.Onnx.Export(rnn, x => [rnn.Forward(x[0]).Output], [Torch.Randn([2, 1, 3])], Stream.Null);
        rnn.Parameters().Should().OnlyContain(p => !p.RequiresGrad);
    }

    private static Tensor Indices(Generator g, int batch, int seqLen)
    {
        long[] values = new long[batch * seqLen];
        Tensor r = Torch.Rand([values.Length], g);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (long)(r.AsReadOnlySpan()[i] * 12) % 12;
        }

        return Tensor.FromInt64(values, [batch, seqLen]);
    }

    private static void ExportDynamicAndCompare(Module net, Func<Tensor> sample, Func<int, int, Tensor> input)
    {
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> forward = net switch
        {
            RecurrentNet r => x => [r.Forward(x[0])],
            EmbeddingNet e => x => [e.Forward(x[0])],
            _ => throw new ArgumentException("unknown net", nameof(net)),
        };
        var axes = new Dictionary<string, IReadOnlyDictionary<int, string>>
        {
            ["input"] = new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
            ["output"] = net is RecurrentNet { LastStep: true }
                ? new Dictionary<int, string> { [0] = "batch" }
                : new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
        };
        using var stream = new MemoryStream();
        RnnSharp.Onnx.Export(net, forward, [sample()], stream, dynamicAxes: axes);
        (InferenceSession session, string[] warnings) = OrtRunner.Load(stream.ToArray());
        using (session)
        {
            warnings.Should().BeEmpty();
            foreach ((int batch, int seqLen) in new[] { (1, 1), (3, 6), (2, 11) })
            {
                Tensor x = input(batch, seqLen);
                CompareOutputs(session, net, _ => forward([x]), [x]);
            }
        }
    }

    private static RnnBase NewRecurrent(string kind, int inputSize, int hidden, int layers, bool bias, bool batchFirst, bool bidirectional, Generator g) => kind switch
    {
        "LSTM" => new Lstm(inputSize, hidden, layers, bias, batchFirst, 0f, bidirectional, generator: g),
        "GRU" => new Gru(inputSize, hidden, layers, bias, batchFirst, 0f, bidirectional, generator: g),
        _ => new Rnn(inputSize, hidden, layers, kind == "RNN_RELU" ? Nonlinearity.Relu : Nonlinearity.Tanh, bias, batchFirst, 0f, bidirectional, generator: g),
    };

    private static IReadOnlyList<Tensor> RunRecurrent(RnnBase module, IReadOnlyList<Tensor> x)
    {
        switch (module)
        {
            case Lstm lstm:
                LstmOutput o = lstm.Forward(x[0], x.Count > 1 ? (x[1], x[2]) : null);
                return [o.Output, o.HN, o.CN];
            case Gru gru:
                RnnOutput r = gru.Forward(x[0], x.Count > 1 ? x[1] : null);
                return [r.Output, r.HN];
            default:
                RnnOutput e = ((Rnn)module).Forward(x[0], x.Count > 1 ? x[1] : null);
                return [e.Output, e.HN];
        }
    }

    private static void CheckAgainstOrt(Module module, Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> forward, IReadOnlyList<Tensor> inputs)
    {
        using var stream = new MemoryStream();
        RnnSharp.Onnx.Export(module, forward, inputs, stream);
        (InferenceSession session, string[] warnings) = OrtRunner.Load(stream.ToArray());
        using (session)
        {
            warnings.Should().BeEmpty();
            CompareOutputs(session, module, _ => forward(inputs), inputs);
        }
    }

    private static void CompareOutputs(InferenceSession session, Module module, Func<Module, IReadOnlyList<Tensor>> forward, IReadOnlyList<Tensor> inputs)
    {
        IReadOnlyList<Tensor> expected;
        using (Torch.NoGrad())
        {
            expected = forward(module);
        }

        Tensor[] actual = OrtRunner.Run(session, inputs);
        actual.Should().HaveCount(expected.Count);
        for (int i = 0; i < actual.Length; i++)
        {
            TensorAssert.AllClose(actual[i], expected[i], rtol: 0, atol: Atol, because: $"output {i}");
        }
    }

    /// <summary>A recurrent layer and a Linear on every step's output (longseq) or on the last step's (timeseries, <c>x[:, -1]</c>).</summary>
    private sealed class RecurrentNet : Module
    {
        private readonly RnnBase _rnn;
        private readonly Linear _fc;

        public RecurrentNet(RnnBase rnn, Linear fc, bool lastStep)
        {
            _rnn = rnn;
            _fc = fc;
            LastStep = lastStep;
            RegisterModule("rnn", rnn);
            RegisterModule("fc", fc);
        }

        public bool LastStep { get; }

        public Tensor Forward(Tensor x)
        {
            Tensor output = RunRecurrent(_rnn, [x])[0];
            return _fc.Forward(LastStep ? output[.., ^1] : output);
        }
    }

    /// <summary>Two Forward methods that both take one tensor: which one to trace is the caller's to say.</summary>
    private sealed class TwoForwards : Module
    {
        public Tensor Forward(Tensor x) => Training ? x : x.Tanh();

        public Tensor Forward(Tensor x, bool relu = false) => relu || Training ? x.Relu() : x;
    }

    /// <summary>A Forward whose result is not a tensor.</summary>
    private sealed class CountingForward : Module
    {
        public int Forward(Tensor x) => Training ? 0 : x.NumElements;
    }

    /// <summary>A bidirectional batch-first GRU (output (N, L, 12)) followed by one family of operations.</summary>
    private sealed class OpsNet : Module
    {
        private readonly Gru _gru;
        private readonly Linear _fc;
        private readonly Tensor _weight;
        private readonly string _ops;

        public OpsNet(Gru gru, Linear fc, Tensor weight, string ops)
        {
            _gru = gru;
            _fc = fc;
            _weight = weight;
            _ops = ops;
            RegisterModule("gru", gru);
            RegisterModule("fc", fc);
        }

        public Tensor Forward(Tensor x)
        {
            Tensor y = _gru.Forward(x).Output; // (2, 5, 12)
            return _ops switch
            {
                "view_reshape_flatten" => _fc.Forward(y.Reshape(10, 12)).View(2, 5, 3).Flatten(1),
                "slices_and_select" => _fc.Forward(y[.., 1..4]).Slice(2, 0, 2) + y.Select(1, 0)[.., ..2].Unsqueeze(1),
                "cat_stack" => Torch.Cat([y[.., ..2], y[.., ^2..]], 1) * Torch.Stack([y.Select(1, 0), y.Select(1, 4)], 1)[.., 1..2],
                "arithmetic" => ((y * 2f) - (y / 3f) + (1f - y)) * y - (-y) + (y + 0.5f),
                "matmul_activations" => (y.MatMul(_weight).Tanh() + y.MatMul(_weight).Sigmoid() + y.Relu().MatMul(_weight)).Softmax(2) + y.MatMul(_weight).Exp().Log(),
                _ => y.Transpose(0, 1).Permute(2, 0, 1).Unsqueeze(0).Squeeze(0),
            };
        }
    }

    /// <summary>Embedding, a batch-first GRU and a Linear over every step, then log-softmax over the classes.</summary>
    private sealed class EmbeddingNet : Module
    {
        private readonly Embedding _embedding;
        private readonly Gru _gru;
        private readonly Linear _fc;

        public EmbeddingNet(Embedding embedding, Gru gru, Linear fc)
        {
            _embedding = embedding;
            _gru = gru;
            _fc = fc;
            RegisterModule("embedding", embedding);
            RegisterModule("gru", gru);
            RegisterModule("fc", fc);
        }

        public Tensor Forward(Tensor indices) => _fc.Forward(_gru.Forward(_embedding.Forward(indices)).Output).LogSoftmax(2);
    }
}
