using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>RnnCell reproduces torch.nn.RNNCell (rnn_cell.json).</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class RnnCellTests
{
    public static TheoryData<string> Cases() => Fixture.Names("rnn_cell.json");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PyTorchRecordedCase_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case("rnn_cell.json", name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        RnnCell cell = Configs.CreateCell(c.GetProperty("config"));
        Configs.AssertStateDictBitEqual(cell, c.GetProperty("state_dict"), "initialisation");

        Tensor h = cell.Forward(Fixture.ReadTensor(c.GetProperty("input")), Fixture.ReadOptionalTensor(c, "hx"));

        TensorAssert.AllClose(h, Fixture.ReadTensor(c.GetProperty("output")), rtol: 1e-5, atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToString_PyTorchRecordedCase_MatchesPyTorchRepr(string name)
    {
        JsonElement c = Fixture.Case("rnn_cell.json", name);

        RnnCell cell = Configs.CreateCell(c.GetProperty("config"), new Generator());

        cell.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    [Theory]
    [InlineData(3, 4, Nonlinearity.Tanh)]
    [InlineData(5, 40, Nonlinearity.Tanh)]
    [InlineData(33, 70, Nonlinearity.Relu)]
    public void Forward_StepByStep_MatchesRnnOverTheSequenceBitForBit(int inputSize, int hiddenSize, Nonlinearity nonlinearity)
    {
        var rnn = new Rnn(inputSize, hiddenSize, nonlinearity: nonlinearity, generator: new Generator(3));
        var cell = new RnnCell(inputSize, hiddenSize, nonlinearity: nonlinearity, generator: new Generator(3));
        Tensor input = Torch.Rand([6, 4, inputSize], new Generator(4));
        Tensor h0 = Torch.Rand([1, 4, hiddenSize], new Generator(5));

        var (output, _) = rnn.Forward(input, h0);
        Tensor h = h0.Select(0);
        for (int t = 0; t < input.Size(0); t++)
        {
            h = cell.Forward(input.Select(t), h);
            TensorAssert.BitEqual(h, output.Select(t), $"step {t}");
        }
    }
}
