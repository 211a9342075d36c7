using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>
/// The allocation-free Forward overloads of Lstm and Gru that write into caller-owned tensors: the same numbers as
/// the allocating Forward (over lstm_gru.json's layer cases), checked shapes and overlaps, and 0 B once warm.
/// </summary>
public sealed class LstmGruForwardIntoTests
{
    private const string File = "lstm_gru.json";

    public static TheoryData<string> Cases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() is "lstm" or "gru");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_IntoCallerTensors_MatchesAllocatingForwardBitForBit(string name)
    {
        (Module module, Tensor input, Tensor? h0, Tensor? c0) = LoadCase(name);
        List<(string Name, Tensor Value)> expected = LstmGruConfigs.Forward(module, input, h0, c0);
        Tensor[] into = expected.Select(e => Tensor.Full(e.Value.Shape.ToArray(), float.NaN)).ToArray();

        using (Torch.NoGrad())
        {
            ForwardInto(module, input, h0, c0, into);
        }

        for (int i = 0; i < expected.Count; i++)
        {
            TensorAssert.BitEqual(into[i], expected[i].Value, expected[i].Name);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_NoGrad_MatchesRecordingForwardBitForBit(string name)
    {
        // The inference path (no graph: under NoGrad, or when nothing requires grad) computes what the recording
        // path computes, which LstmGruModuleTests compares with PyTorch.
        (Module module, Tensor input, Tensor? h0, Tensor? c0) = LoadCase(name);
        List<(string Name, Tensor Value)> expected = LstmGruConfigs.Forward(module, input, h0, c0);

        List<(string Name, Tensor Value)> actual;
        using (Torch.NoGrad())
        {
            actual = LstmGruConfigs.Forward(module, input, h0, c0);
        }

        for (int i = 0; i < expected.Count; i++)
        {
            TensorAssert.BitEqual(actual[i].Value, expected[i].Value, expected[i].Name);
        }
    }

    public static TheoryData<string> CellCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString()!.EndsWith("_cell", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(CellCases))]
    public void CellForward_NoGrad_MatchesRecordingForwardBitForBit(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Module cell = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(5));
        cell.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        Tensor input = Fixture.ReadTensor(c.GetProperty("input"));
        Tensor? hx = Fixture.ReadOptionalTensor(c, "hx"), cx = Fixture.ReadOptionalTensor(c, "cx");
        Tensor[] expected = CellForward(cell, input, hx, cx);

        Tensor[] actual;
        using (Torch.NoGrad())
        {
            actual = CellForward(cell, input, hx, cx);
        }

        for (int i = 0; i < expected.Length; i++)
        {
            TensorAssert.BitEqual(actual[i], expected[i], i == 0 ? "h" : "c");
        }
    }

    private static Tensor[] CellForward(Module cell, Tensor input, Tensor? hx, Tensor? cx) => cell switch
    {
        LstmCell l when l.Forward(input, hx is null ? null : (hx, cx!)) is var (h, c) => [h, c],
        GruCell g => [g.Forward(input, hx)],
        _ => throw new ArgumentException($"Not a cell: {cell}", nameof(cell)),
    };

    [Theory]
    [InlineData("lstm", 4, 2, 1, false, false, 0)]    // tiny
    [InlineData("lstm", 16, 40, 2, true, true, 0)]    // packed kernels, transposes, bidirectional
    [InlineData("lstm", 16, 40, 2, false, true, 17)]  // projection
    [InlineData("lstm", 64, 256, 1, false, false, 0)] // large enough to take helper threads
    [InlineData("gru", 4, 2, 1, false, false, 0)]
    [InlineData("gru", 16, 40, 2, true, true, 0)]
    [InlineData("gru", 64, 256, 1, false, false, 0)]
    public void Forward_IntoCallerTensorsOnceWarm_AllocatesNothing(string kind, int inputSize, int hiddenSize, int layers, bool batchFirst,
        bool bidirectional, int projSize)
    {
        // Counts bytes, not time: deterministic (as RnnForwardIntoTests does for Rnn).
        Module module = kind == "lstm"
            ? new Lstm(inputSize, hiddenSize, layers, batchFirst: batchFirst, bidirectional: bidirectional, projSize: projSize, generator: new Generator(1))
            : new Gru(inputSize, hiddenSize, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: new Generator(1));
        module.Eval();
        Tensor input = Torch.Rand([8, 40, inputSize], new Generator(2));
        Tensor[] into = LstmGruConfigs.Forward(module, input, null, null).Select(r => Tensor.Zeros(r.Value.Shape.ToArray())).ToArray();
        using IDisposable noGrad = Torch.NoGrad(); // the parameters require grad: outside NoGrad it would refuse
        for (int i = 0; i < 5; i++)
        {
            ForwardInto(module, input, null, null, into);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            ForwardInto(module, input, null, null, into);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Forward_IntoCallerTensorsWhenParametersRequireGrad_ThrowsWithPyTorchsOutMessage()
    {
        var lstm = new Lstm(4, 3);
        var gru = new Gru(4, 3);

        var lstmAct = () => lstm.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3), Tensor.Zeros(1, 3));
        var gruAct = () => gru.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3));

        lstmAct.Should().Throw<InvalidOperationException>()
            .WithMessage("*functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.");
        gruAct.Should().Throw<InvalidOperationException>()
            .WithMessage("*functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.");
    }

    [Fact]
    public void Forward_OutputOfWrongShape_ThrowsNamingOutput()
    {
        var lstm = new Lstm(4, 3, batchFirst: true);
        var gru = new Gru(4, 3, batchFirst: true);
        using IDisposable noGrad = Torch.NoGrad();

        var lstmAct = () => lstm.Forward(Tensor.Zeros(2, 5, 4), null, Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 3), Tensor.Zeros(1, 2, 3));
        var gruAct = () => gru.Forward(Tensor.Zeros(2, 5, 4), null, Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 3));

        lstmAct.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 5, 3], got [5, 2, 3]*")
            .Which.ParamName.Should().Be("output");
        gruAct.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 5, 3], got [5, 2, 3]*")
            .Which.ParamName.Should().Be("output");
    }

    [Fact]
    public void Forward_StateOfWrongShape_ThrowsNamingHNOrCN()
    {
        // With proj_size 2, h_n has 2 features and c_n hidden_size's 3: swapping them is the mistake to catch.
        var lstm = new Lstm(4, 3, numLayers: 2, projSize: 2);
        var gru = new Gru(4, 3, numLayers: 2);
        using IDisposable noGrad = Torch.NoGrad();

        var hN = () => lstm.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 2), Tensor.Zeros(2, 3), Tensor.Zeros(2, 3));
        var cN = () => lstm.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 2), Tensor.Zeros(2, 2), Tensor.Zeros(2, 2));
        var gruHN = () => gru.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3));

        hN.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 2], got [2, 3]*").Which.ParamName.Should().Be("hN");
        cN.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 3], got [2, 2]*").Which.ParamName.Should().Be("cN");
        gruHN.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [2, 3], got [1, 3]*").Which.ParamName.Should().Be("hN");
    }

    [Fact]
    public void Forward_OutputSharingMemoryWithInput_ThrowsWithPyTorchMessage()
    {
        var lstm = new Lstm(3, 3);
        var gru = new Gru(3, 3);
        var buffer = Tensor.Zeros(5, 3);
        using IDisposable noGrad = Torch.NoGrad();

        var lstmAct = () => lstm.Forward(buffer, null, buffer.View(5, 3), Tensor.Zeros(1, 3), Tensor.Zeros(1, 3));
        var gruAct = () => gru.Forward(buffer, null, buffer.View(5, 3), Tensor.Zeros(1, 3));
        var ok = () => lstm.Forward(buffer.Clone(), null, buffer.View(5, 3), Tensor.Zeros(1, 3), Tensor.Zeros(1, 3));

        const string Message = "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location*";
        lstmAct.Should().Throw<ArgumentException>().WithMessage(Message).Which.ParamName.Should().Be("output");
        gruAct.Should().Throw<ArgumentException>().WithMessage(Message).Which.ParamName.Should().Be("output");
        ok.Should().NotThrow();
    }

    [Fact]
    public void Forward_StateResultsSharingMemoryWithInitialState_Throw()
    {
        var lstm = new Lstm(3, 3);
        var gru = new Gru(3, 3);
        var h = Tensor.Zeros(1, 2, 3);
        var c = Tensor.Zeros(1, 2, 3);
        using IDisposable noGrad = Torch.NoGrad();

        var hN = () => lstm.Forward(Tensor.Zeros(4, 2, 3), (h, c), Tensor.Zeros(4, 2, 3), h, Tensor.Zeros(1, 2, 3));
        var cN = () => lstm.Forward(Tensor.Zeros(4, 2, 3), (h, c), Tensor.Zeros(4, 2, 3), Tensor.Zeros(1, 2, 3), c);
        var hNSharesC0 = () => lstm.Forward(Tensor.Zeros(4, 2, 3), (h, c), Tensor.Zeros(4, 2, 3), c, Tensor.Zeros(1, 2, 3));
        var gruHN = () => gru.Forward(Tensor.Zeros(4, 2, 3), h, Tensor.Zeros(4, 2, 3), h);

        hN.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hN");
        cN.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("cN");
        hNSharesC0.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hN");
        gruHN.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hN");
    }

    [Fact]
    public void Forward_HNSharingMemoryWithCN_Throws()
    {
        var lstm = new Lstm(3, 3);
        var state = Tensor.Zeros(1, 2, 3);
        using IDisposable noGrad = Torch.NoGrad();

        var act = () => lstm.Forward(Tensor.Zeros(4, 2, 3), null, Tensor.Zeros(4, 2, 3), state, state.View(1, 2, 3));

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().BeOneOf("hN", "cN");
    }

    /// <summary>A recorded layer case's module (its state dict loaded, eval mode), input, h0 and c0.</summary>
    private static (Module Module, Tensor Input, Tensor? H0, Tensor? C0) LoadCase(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(5));
        module.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        module.Eval();
        return (module, Fixture.ReadTensor(c.GetProperty("input")), Fixture.ReadOptionalTensor(c, "h0"), Fixture.ReadOptionalTensor(c, "c0"));
    }

    private static void ForwardInto(Module module, Tensor input, Tensor? h0, Tensor? c0, Tensor[] into)
    {
        switch (module)
        {
            case Lstm lstm:
                lstm.Forward(input, h0 is null ? null : (h0, c0!), into[0], into[1], into[2]);
                break;
            case Gru gru:
                gru.Forward(input, h0, into[0], into[1]);
                break;
            default:
                throw new ArgumentException($"Not a layer: {module}", nameof(module));
        }
    }
}
