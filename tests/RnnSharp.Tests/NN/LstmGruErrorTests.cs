using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>
/// Bad calls to Lstm, Gru, LstmCell and GruCell get an exception whose message is PyTorch's own (recorded in
/// lstm_gru_errors.json by record_lstm_gru_more.py) and that names the C# parameter. PyTorch's ValueError for an
/// argument out of its range maps to <see cref="ArgumentOutOfRangeException"/>, its RuntimeError and
/// AssertionError about a tensor argument to <see cref="ArgumentException"/>. An LSTM's <c>state</c> is one C#
/// parameter, a tuple: errors about it name the offending element, <c>h0</c> or <c>c0</c> (<c>hx</c> or <c>cx</c> for
/// LstmCell), as PyTorch's messages do (hidden[0], hidden[1]).
/// </summary>
public sealed class LstmGruErrorTests
{
    private const string File = "lstm_gru_errors.json";

    private static readonly Dictionary<string, (Action Act, string ParamName, Type Exception)> Calls = new()
    {
        ["lstm_input_size"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 3)), "input", typeof(ArgumentException)),
        ["lstm_input_size_unbatched"] = (() => Lstm().Forward(Tensor.Zeros(5, 3)), "input", typeof(ArgumentException)),
        ["lstm_batched_h0_2d_c0_3d"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 2), Tensor.Zeros(1, 3, 2))), "h0", typeof(ArgumentException)),
        ["lstm_batched_h0_3d_c0_2d"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 2), Tensor.Zeros(1, 2))), "c0", typeof(ArgumentException)),
        ["lstm_unbatched_h0_3d_c0_2d"] = (() => Lstm().Forward(Tensor.Zeros(5, 4), (Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 2))), "h0", typeof(ArgumentException)),
        ["lstm_unbatched_h0_3d_c0_3d"] = (() => Lstm().Forward(Tensor.Zeros(5, 4), (Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 1, 2))), "h0", typeof(ArgumentException)),
        ["lstm_h0_batch"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 2, 2), Tensor.Zeros(1, 3, 2))), "h0", typeof(ArgumentException)),
        ["lstm_c0_batch"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 2), Tensor.Zeros(1, 2, 2))), "c0", typeof(ArgumentException)),
        ["lstm_h0_layers"] = (() => LstmBi().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(2, 3, 2), Tensor.Zeros(4, 3, 2))), "h0", typeof(ArgumentException)),
        ["lstm_c0_layers"] = (() => LstmBi().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(4, 3, 2), Tensor.Zeros(2, 3, 2))), "c0", typeof(ArgumentException)),
        ["lstm_h0_hidden"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 3), Tensor.Zeros(1, 3, 2))), "h0", typeof(ArgumentException)),
        ["lstm_c0_hidden"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 2), Tensor.Zeros(1, 3, 3))), "c0", typeof(ArgumentException)),
        ["lstm_proj_h0_hidden_size"] = (() => LstmProj().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 3), Tensor.Zeros(1, 3, 3))), "h0", typeof(ArgumentException)),
        ["lstm_proj_c0_proj_size"] = (() => LstmProj().Forward(Tensor.Zeros(5, 3, 4), (Tensor.Zeros(1, 3, 2), Tensor.Zeros(1, 3, 2))), "c0", typeof(ArgumentException)),
        ["lstm_unbatched_h0_shape"] = (() => Lstm().Forward(Tensor.Zeros(5, 4), (Tensor.Zeros(2, 2), Tensor.Zeros(1, 2))), "h0", typeof(ArgumentException)),
        ["lstm_empty_sequence"] = (() => Lstm().Forward(Tensor.Zeros(0, 3, 4)), "input", typeof(ArgumentException)),
        ["lstm_empty_sequence_unbatched"] = (() => Lstm().Forward(Tensor.Zeros(0, 4)), "input", typeof(ArgumentException)),
        ["lstm_int64_input"] = (() => Lstm().Forward(Int64Zeros(5, 3, 4)), "input", typeof(ArgumentException)),
        ["lstm_int64_h0"] = (() => Lstm().Forward(Tensor.Zeros(5, 3, 4), (Int64Zeros(1, 3, 2), Tensor.Zeros(1, 3, 2))), "h0", typeof(ArgumentException)),
        ["lstm_dropout_negative"] = (() => _ = new Lstm(4, 2, dropout: -0.1f), "dropout", typeof(ArgumentOutOfRangeException)),
        ["lstm_dropout_above_one"] = (() => _ = new Lstm(4, 2, dropout: 1.5f), "dropout", typeof(ArgumentOutOfRangeException)),
        ["lstm_proj_size_negative"] = (() => _ = new Lstm(4, 2, projSize: -1), "projSize", typeof(ArgumentOutOfRangeException)),
        ["lstm_proj_size_equal_hidden"] = (() => _ = new Lstm(4, 2, projSize: 2), "projSize", typeof(ArgumentOutOfRangeException)),
        ["lstm_proj_size_above_hidden"] = (() => _ = new Lstm(4, 2, projSize: 3), "projSize", typeof(ArgumentOutOfRangeException)),
        ["gru_input_size"] = (() => Gru().Forward(Tensor.Zeros(5, 3, 3)), "input", typeof(ArgumentException)),
        ["gru_input_size_unbatched"] = (() => Gru().Forward(Tensor.Zeros(5, 3)), "input", typeof(ArgumentException)),
        ["gru_h0_batch"] = (() => Gru().Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 2, 2)), "h0", typeof(ArgumentException)),
        ["gru_h0_layers"] = (() => new Gru(4, 2, numLayers: 2, bidirectional: true).Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(2, 3, 2)), "h0", typeof(ArgumentException)),
        ["gru_h0_hidden"] = (() => Gru().Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 3, 3)), "h0", typeof(ArgumentException)),
        ["gru_batched_input_unbatched_h0"] = (() => Gru().Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 2)), "h0", typeof(ArgumentException)),
        ["gru_unbatched_input_batched_h0"] = (() => Gru().Forward(Tensor.Zeros(5, 4), Tensor.Zeros(1, 1, 2)), "h0", typeof(ArgumentException)),
        ["gru_unbatched_h0_shape"] = (() => Gru().Forward(Tensor.Zeros(5, 4), Tensor.Zeros(2, 2)), "h0", typeof(ArgumentException)),
        ["gru_empty_sequence"] = (() => Gru().Forward(Tensor.Zeros(0, 3, 4)), "input", typeof(ArgumentException)),
        ["gru_int64_input"] = (() => Gru().Forward(Int64Zeros(5, 3, 4)), "input", typeof(ArgumentException)),
        ["gru_int64_h0"] = (() => Gru().Forward(Tensor.Zeros(5, 3, 4), Int64Zeros(1, 3, 2)), "h0", typeof(ArgumentException)),
        ["gru_dropout_negative"] = (() => _ = new Gru(4, 2, dropout: -0.1f), "dropout", typeof(ArgumentOutOfRangeException)),
        ["gru_dropout_above_one"] = (() => _ = new Gru(4, 2, dropout: 1.5f), "dropout", typeof(ArgumentOutOfRangeException)),
        ["lstm_cell_input_size"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 3)), "input", typeof(ArgumentException)),
        ["lstm_cell_input_rank"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(1, 3, 4)), "input", typeof(ArgumentException)),
        ["lstm_cell_hx_hidden"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (Tensor.Zeros(3, 3), Tensor.Zeros(3, 2))), "hx", typeof(ArgumentException)),
        ["lstm_cell_cx_hidden"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (Tensor.Zeros(3, 2), Tensor.Zeros(3, 3))), "cx", typeof(ArgumentException)),
        ["lstm_cell_hx_batch"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (Tensor.Zeros(2, 2), Tensor.Zeros(3, 2))), "hx", typeof(ArgumentException)),
        ["lstm_cell_cx_batch"] = (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (Tensor.Zeros(3, 2), Tensor.Zeros(2, 2))), "cx", typeof(ArgumentException)),
        ["lstm_cell_int64_input"] = (() => new LstmCell(4, 2).Forward(Int64Zeros(3, 4)), "input", typeof(ArgumentException)),
        ["gru_cell_input_size"] = (() => new GruCell(4, 2).Forward(Tensor.Zeros(3, 3)), "input", typeof(ArgumentException)),
        ["gru_cell_input_rank"] = (() => new GruCell(4, 2).Forward(Tensor.Zeros(1, 3, 4)), "input", typeof(ArgumentException)),
        ["gru_cell_hx_hidden"] = (() => new GruCell(4, 2).Forward(Tensor.Zeros(3, 4), Tensor.Zeros(3, 3)), "hx", typeof(ArgumentException)),
        ["gru_cell_hx_batch"] = (() => new GruCell(4, 2).Forward(Tensor.Zeros(3, 4), Tensor.Zeros(2, 2)), "hx", typeof(ArgumentException)),
        ["gru_cell_int64_input"] = (() => new GruCell(4, 2).Forward(Int64Zeros(3, 4)), "input", typeof(ArgumentException)),
    };

    /// <summary>Recorded errors with a C# counterpart: GRU's proj_size has none (Gru has no such parameter).</summary>
    public static TheoryData<string> ErrorCases() =>
        Fixture.Names(File, c => c.TryGetProperty("python_exception", out _) && c.GetProperty("name").GetString() != "gru_proj_size");

    public static TheoryData<string> WarningCases() => Fixture.Names(File, c => c.TryGetProperty("warning", out _));

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void BadCall_PyTorchRecordedCase_ThrowsWithPyTorchMessageNamingTheParameter(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Calls.Should().ContainKey(name, "every recorded PyTorch error has a C# counterpart");
        var (act, paramName, exceptionType) = Calls[name];

        ArgumentException thrown = act.Should().Throw<ArgumentException>().Which;

        thrown.Should().BeOfType(exceptionType, "PyTorch raises {0}", c.GetProperty("python_exception").GetString());
        thrown.ParamName.Should().Be(paramName);
        thrown.Message.Should().Contain(c.GetProperty("message").GetString());
    }

    [Fact]
    public void GruProjSize_RecordedPyTorchError_HasNoCounterpartBecauseGruHasNoSuchParameter()
    {
        // torch.nn.GRU(4, 2, proj_size=1) raises; Gru's constructor has no projSize, so the mistake cannot be written.
        Fixture.Case(File, "gru_proj_size").GetProperty("message").GetString().Should().Contain("only supported for LSTM");
        typeof(Gru).GetConstructors().SelectMany(k => k.GetParameters()).Select(p => p.Name).Should().NotContain("projSize");
    }

    [Theory]
    [MemberData(nameof(WarningCases))]
    public void Constructor_DropoutWithOneLayer_IsAcceptedAsPyTorchOnlyWarns(string name)
    {
        // PyTorch warns (recorded) and builds the module; lstm_gru_dropout.json's l1_p0.5_warns_only cases show it
        // then applies no dropout and draws nothing. RnnSharp does the same, silently.
        Fixture.Case(File, name).GetProperty("warning").GetString().Should().Be("UserWarning");
        Module module = name.StartsWith("lstm", StringComparison.Ordinal) ? new Lstm(4, 2, dropout: 0.5f) : new Gru(4, 2, dropout: 0.5f);

        (module is Lstm l ? l.Dropout : ((Gru)module).Dropout).Should().Be(0.5f);
    }

    [Theory]
    [InlineData("lstm", 1)]
    [InlineData("lstm", 4)]
    [InlineData("gru", 1)]
    [InlineData("gru", 4)]
    public void Forward_InputNotTwoOrThreeDimensional_ThrowsWithPyTorchTwoMessage(string kind, int rank)
    {
        // PyTorch 1.13 reports this confusingly after unsqueezing ("input must have 3 dimensions, got 5");
        // PyTorch 2.x words it as below, as Rnn does.
        Tensor input = Tensor.Zeros(Enumerable.Repeat(2, rank - 1).Append(4).ToArray());
        Action act = kind == "lstm" ? () => Lstm().Forward(input) : () => Gru().Forward(input);

        act.Should().Throw<ArgumentException>()
            .WithMessage($"{kind.ToUpperInvariant()}: Expected input to be 2-D or 3-D but received {rank}-D tensor*")
            .Which.ParamName.Should().Be("input");
    }

    [Theory]
    [InlineData(0, 2, 1, "inputSize")]
    [InlineData(4, 0, 1, "hiddenSize")]
    [InlineData(4, -3, 1, "hiddenSize")]
    [InlineData(4, 2, 0, "numLayers")]
    public void Constructor_NonPositiveSize_ThrowsArgumentOutOfRange(int inputSize, int hiddenSize, int numLayers, string param)
    {
        // PyTorch 1.13 builds LSTM(0, 2) and fails later (or with another argument's message): Rnn's check instead.
        var lstm = () => new Lstm(inputSize, hiddenSize, numLayers);
        var gru = () => new Gru(inputSize, hiddenSize, numLayers);

        lstm.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(param);
        gru.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(param);
    }

    [Theory]
    [InlineData(0, 2, "inputSize")]
    [InlineData(4, 0, "hiddenSize")]
    public void CellConstructor_NonPositiveSize_ThrowsArgumentOutOfRange(int inputSize, int hiddenSize, string param)
    {
        var lstm = () => new LstmCell(inputSize, hiddenSize);
        var gru = () => new GruCell(inputSize, hiddenSize);

        lstm.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(param);
        gru.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(param);
    }

    [Fact]
    public void Constructor_DropoutNaN_ThrowsArgumentOutOfRange()
    {
        var lstm = () => new Lstm(4, 2, numLayers: 2, dropout: float.NaN);
        var gru = () => new Gru(4, 2, numLayers: 2, dropout: float.NaN);

        lstm.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("dropout");
        gru.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("dropout");
    }

    [Fact]
    public void CellForward_UnbatchedInputWithBatchedState_ThrowsNamingHx()
    {
        // PyTorch 1.13's message here is an artefact of unsqueezing ("hidden0 has inconsistent hidden_size: got 1");
        // only the exception type and the parameter are asserted.
        var lstm = () => new LstmCell(4, 2).Forward(Tensor.Zeros(4), (Tensor.Zeros(1, 2), Tensor.Zeros(2)));
        var gru = () => new GruCell(4, 2).Forward(Tensor.Zeros(4), Tensor.Zeros(1, 2));

        lstm.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hx");
        gru.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hx");
    }

    [Fact]
    public void Forward_NullInput_ThrowsArgumentNull()
    {
        var acts = new Action[]
        {
            () => Lstm().Forward((Tensor)null!), () => Gru().Forward((Tensor)null!),
            () => Lstm().Forward((PackedSequence)null!), () => Gru().Forward((PackedSequence)null!), () => new Rnn(4, 2).Forward((PackedSequence)null!),
            () => new LstmCell(4, 2).Forward(null!), () => new GruCell(4, 2).Forward(null!),
        };

        foreach (Action act in acts)
        {
            act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("input");
        }
    }

    [Fact]
    public void Forward_NullStateOrDestination_ThrowsArgumentNullNamingIt()
    {
        Tensor input = Tensor.Zeros(5, 3, 4), state = Tensor.Zeros(1, 3, 2), hx = Tensor.Zeros(3, 2);
        var acts = new (Action Act, string Name)[]
        {
            (() => Lstm().Forward(input, (null!, state)), "state.H0"),
            (() => Lstm().Forward(input, (state, null!)), "state.C0"),
            (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (null!, hx)), "state.H"),
            (() => new LstmCell(4, 2).Forward(Tensor.Zeros(3, 4), (hx, null!)), "state.C"),
            (() => Lstm().Forward(input, null, Tensor.Zeros(5, 3, 2), Tensor.Zeros(1, 3, 2), null!), "cN"),
            (() => Gru().Forward(input, null, null!, Tensor.Zeros(1, 3, 2)), "output"),
            (() => Gru().Forward(input, null, Tensor.Zeros(5, 3, 2), null!), "hN"),
        };

        foreach ((Action act, string name) in acts)
        {
            act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be(name);
        }
    }

    [Fact]
    public void LoadStateDict_ProjectionMissingOrUnexpected_FailsNamingTheKeyAndLeavesModuleUnchanged()
    {
        var withProj = new Lstm(4, 3, projSize: 2, generator: new Generator(1));
        var plain = new Lstm(4, 3, generator: new Generator(2));
        float[] before = plain.StateDict()["weight_ih_l0"].ToArray();

        var intoPlain = () => plain.LoadStateDict(withProj.StateDict());

        intoPlain.Should().Throw<ArgumentException>().WithMessage("*Unexpected key(s) in state_dict: \"weight_hr_l0\"*")
            .Which.ParamName.Should().Be("stateDict");
        plain.StateDict()["weight_ih_l0"].ToArray().Should().Equal(before, "a failed load changes nothing");
        var intoProj = () => withProj.LoadStateDict(plain.StateDict());
        intoProj.Should().Throw<ArgumentException>().WithMessage("*Missing key(s) in state_dict: \"weight_hr_l0\"*");
    }

    private static Lstm Lstm() => new(4, 2);

    private static Lstm LstmBi() => new(4, 2, numLayers: 2, bidirectional: true);

    private static Lstm LstmProj() => new(4, 3, projSize: 2);

    private static Gru Gru() => new(4, 2);

    private static Tensor Int64Zeros(params int[] shape) => Torch.Tensor(new long[shape.Aggregate(1, (a, b) => a * b)]).View(shape);
}
