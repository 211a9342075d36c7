using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// Bad input gets an exception whose message is PyTorch's own (recorded in errors.json), names the parameter,
/// and leaves nothing changed.
/// </summary>
public sealed class ErrorTests
{
    private static readonly Dictionary<string, (Action Act, string ParamName)> Calls = new()
    {
        ["rnn_input_size"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 3, 3)), "input"),
        ["rnn_input_size_unbatched"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 3)), "input"),
        ["rnn_h0_batch"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 2, 2)), "h0"),
        ["rnn_h0_layers"] = (() => new Rnn(4, 2, numLayers: 2, bidirectional: true).Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(2, 3, 2)), "h0"),
        ["rnn_h0_hidden"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 3, 3)), "h0"),
        ["rnn_batched_input_unbatched_h0"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 3, 4), Tensor.Zeros(1, 2)), "h0"),
        ["rnn_unbatched_input_batched_h0"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 4), Tensor.Zeros(1, 1, 2)), "h0"),
        ["rnn_unbatched_h0_shape"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(5, 4), Tensor.Zeros(2, 2)), "h0"),
        ["rnn_empty_sequence"] = (() => new Rnn(4, 2).Forward(Tensor.Zeros(0, 3, 4)), "input"),
        ["rnn_dropout_negative"] = (() => _ = new Rnn(4, 2, dropout: -0.1f), "dropout"),
        ["rnn_dropout_above_one"] = (() => _ = new Rnn(4, 2, dropout: 1.5f), "dropout"),
        ["cell_input_size"] = (() => new RnnCell(4, 2).Forward(Tensor.Zeros(3, 3)), "input"),
        ["cell_hx_hidden"] = (() => new RnnCell(4, 2).Forward(Tensor.Zeros(3, 4), Tensor.Zeros(3, 3)), "hx"),
        ["cell_hx_batch"] = (() => new RnnCell(4, 2).Forward(Tensor.Zeros(3, 4), Tensor.Zeros(2, 2)), "hx"),
        ["cell_input_rank"] = (() => new RnnCell(4, 2).Forward(Tensor.Zeros(1, 3, 4)), "input"),
        ["view_size"] = (() => Tensor.Zeros(5).View(2, 3), "shape"),
        ["load_missing"] = (() => LoadInto(new Rnn(4, 2), sd => sd.Remove("bias_hh_l0")), "stateDict"),
        ["load_unexpected"] = (() => LoadInto(new Rnn(4, 2), sd => sd["weight_ih_l1"] = Tensor.Zeros(2, 2)), "stateDict"),
        ["load_size_mismatch"] = (() => LoadInto(new Rnn(4, 2), sd => sd["weight_ih_l0"] = Tensor.Zeros(2, 3)), "stateDict"),
        ["load_all_three"] = (() => LoadInto(new Rnn(4, 2), sd =>
        {
            sd.Remove("bias_hh_l0");
            sd["weight_ih_l0"] = Tensor.Zeros(2, 3);
            sd["extra"] = Tensor.Zeros(1);
        }), "stateDict"),
    };

    public static TheoryData<string> Cases() => Fixture.Names("errors.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadCall_PyTorchRecordedCase_ThrowsArgumentExceptionWithPyTorchMessage(string name)
    {
        string pytorchMessage = Fixture.Case("errors.json", name).GetProperty("message").GetString()!;
        Calls.Should().ContainKey(name, "every recorded PyTorch error has a C# counterpart");
        var (act, paramName) = Calls[name];

        var thrown = act.Should().Throw<ArgumentException>().Which;

        thrown.ParamName.Should().Be(paramName);
        thrown.Message.Should().Contain(pytorchMessage);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Forward_InputNotTwoOrThreeDimensional_ThrowsWithPyTorchTwoMessage(int rank)
    {
        // PyTorch 1.13 reports this confusingly after unsqueezing; PyTorch 2.x words it as below.
        var rnn = new Rnn(4, 2);

        var act = () => rnn.Forward(Tensor.Zeros(Enumerable.Repeat(2, rank - 1).Append(4).ToArray()));

        act.Should().Throw<ArgumentException>()
            .WithMessage($"RNN: Expected input to be 2-D or 3-D but received {rank}-D tensor*")
            .Which.ParamName.Should().Be("input");
    }

    [Theory]
    [InlineData(0, 2, 1, "inputSize", "input_size must be greater than zero, got 0")]
    [InlineData(4, 0, 1, "hiddenSize", "hidden_size must be greater than zero, got 0")]
    [InlineData(4, -3, 1, "hiddenSize", "hidden_size must be greater than zero, got -3")]
    [InlineData(4, 2, 0, "numLayers", "num_layers must be greater than zero, got 0")]
    public void Constructor_NonPositiveSize_ThrowsArgumentOutOfRange(int inputSize, int hiddenSize, int numLayers, string param, string message)
    {
        var act = () => new Rnn(inputSize, hiddenSize, numLayers);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message + "*").Which.ParamName.Should().Be(param);
    }

    [Fact]
    public void Constructor_ParametersBeyondOneArray_ThrowsArgumentOutOfRangeBeforeAllocating()
    {
        var act = () => new Rnn(40_000, 40_000, numLayers: 2);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("The module's parameters would hold 6400160000 elements*")
            .Which.ParamName.Should().Be("hiddenSize");
    }

    [Fact]
    public void Constructor_DropoutNaN_ThrowsArgumentOutOfRange()
    {
        var act = () => new Rnn(4, 2, numLayers: 2, dropout: float.NaN);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("dropout");
    }

    [Fact]
    public void Constructor_UndefinedNonlinearity_ThrowsArgumentOutOfRange()
    {
        var act = () => new Rnn(4, 2, nonlinearity: (Nonlinearity)7);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("nonlinearity");
    }

    [Theory]
    [InlineData(0, 2, "inputSize")]
    [InlineData(4, 0, "hiddenSize")]
    public void RnnCellConstructor_NonPositiveSize_ThrowsArgumentOutOfRange(int inputSize, int hiddenSize, string param)
    {
        var act = () => new RnnCell(inputSize, hiddenSize);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(param);
    }

    [Fact]
    public void RnnCellForward_UnbatchedInputWithBatchedHx_ThrowsArgumentException()
    {
        var act = () => new RnnCell(4, 2).Forward(Tensor.Zeros(4), Tensor.Zeros(1, 2));

        act.Should().Throw<ArgumentException>()
            .WithMessage("For unbatched 1-D input, hx should also be 1-D but got 2-D tensor*")
            .Which.ParamName.Should().Be("hx");
    }

    [Fact]
    public void Forward_NullInput_ThrowsArgumentNull()
    {
        var act = () => new Rnn(4, 2).Forward((Tensor)null!);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("input");
    }

    [Fact]
    public void LoadStateDict_Failure_LeavesModuleUnchanged()
    {
        var rnn = new Rnn(4, 2, numLayers: 2, generator: new Generator(1));
        var before = rnn.StateDict().ToDictionary(p => p.Key, p => p.Value.ToArray());
        var source = new Rnn(4, 2, numLayers: 2, generator: new Generator(2)).StateDict().ToDictionary(p => p.Key, p => p.Value);
        source["weight_hh_l1"] = Tensor.Zeros(2, 3); // one bad key after several good ones

        var act = () => rnn.LoadStateDict(source);

        act.Should().Throw<ArgumentException>().WithMessage("*size mismatch for weight_hh_l1*");
        foreach (var (key, values) in rnn.StateDict())
        {
            values.ToArray().Should().Equal(before[key], $"{key} must be untouched after a failed load");
        }
    }

    private static void LoadInto(Rnn rnn, Action<Dictionary<string, Tensor>> edit)
    {
        var sd = rnn.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        edit(sd);
        rnn.LoadStateDict(sd);
    }
}
