using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>The lab's program (samples/HelloRnn) gives PyTorch's numbers and prints PyTorch's text.</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class SeedProgramTests
{
    [Fact]
    public void HelloRnnSample_Run_PrintsWhatPyTorchPrints()
    {
        // Unmodified, ", grad_fn=<StackBackward0>" included: the output is part of a graph, as in PyTorch.
        string expected = File.ReadAllText(Path.Combine(Fixture.Directory, "seed_program.out"));
        SampleRunner.Run("HelloRnn").Should().Be(expected);
    }

    [Fact]
    public void SeedProgram_Forward_MatchesPyTorchParametersAndOutputs()
    {
        JsonElement c = Fixture.Case("seed_program.json", "seed_program");
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());

        var rnn = new Rnn(4, 2);
        var (output, hN) = rnn.Forward(Fixture.ReadTensor(c.GetProperty("input")));

        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), "torch.manual_seed(0); torch.nn.RNN(4, 2)");
        TensorAssert.AllClose(output, Fixture.ReadTensor(c.GetProperty("output")));
        TensorAssert.AllClose(hN, Fixture.ReadTensor(c.GetProperty("h_n")));
        output.Size().ToString().Should().Be("torch.Size([3, 5, 2])");
        rnn.ToString().Should().Be(c.GetProperty("repr").GetString());
    }
}
