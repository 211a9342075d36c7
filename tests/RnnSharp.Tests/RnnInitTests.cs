using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Torch.ManualSeed(s) then construction gives PyTorch's parameters bit for bit (rnn_init.json).</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class RnnInitTests
{
    public static TheoryData<int> RnnCases() => Indices("rnn");

    public static TheoryData<int> CellCases() => Indices("cell");

    [Theory]
    [MemberData(nameof(RnnCases))]
    public void Constructor_AfterManualSeed_MatchesPyTorchParametersBitForBit(int index)
    {
        JsonElement c = Fixture.Cases("rnn_init.json").ElementAt(index);

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"));

        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), $"seed {c.GetProperty("seed")}, {c.GetProperty("config")}");
    }

    [Theory]
    [MemberData(nameof(RnnCases))]
    public void Constructor_WithGenerator_MatchesPyTorchParametersOfThatSeed(int index)
    {
        JsonElement c = Fixture.Cases("rnn_init.json").ElementAt(index);

        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(c.GetProperty("seed").GetInt64()));

        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), $"seed {c.GetProperty("seed")}");
    }

    [Theory]
    [MemberData(nameof(CellCases))]
    public void RnnCellConstructor_AfterManualSeed_MatchesPyTorchParametersBitForBit(int index)
    {
        JsonElement c = Fixture.Cases("rnn_init.json").ElementAt(index);

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        RnnCell cell = Configs.CreateCell(c.GetProperty("config"));

        Configs.AssertStateDictBitEqual(cell, c.GetProperty("state_dict"), $"seed {c.GetProperty("seed")}");
    }

    [Fact]
    public void Constructors_SeveralModulesAfterOneSeed_ContinueThePyTorchStream()
    {
        JsonElement c = Fixture.Cases("rnn_init.json").Single(c => c.GetProperty("kind").GetString() == "sequence");

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        var modules = c.GetProperty("modules").EnumerateArray()
            .Select(m => m.GetProperty("kind").GetString() == "rnn"
                ? (Module)Configs.CreateRnn(m.GetProperty("config"))
                : Configs.CreateCell(m.GetProperty("config")))
            .ToList();

        foreach (var (module, recorded) in modules.Zip(c.GetProperty("modules").EnumerateArray()))
        {
            Configs.AssertStateDictBitEqual(module, recorded.GetProperty("state_dict"), module.ToString());
        }
    }

    [Fact]
    public void ResetParameters_AfterReseeding_DrawsTheSameParametersAgain()
    {
        JsonElement c = Fixture.Cases("rnn_init.json").First(c => c.GetProperty("kind").GetString() == "rnn");
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"));

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        rnn.ResetParameters();

        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), "after ResetParameters");
    }

    private static TheoryData<int> Indices(string kind)
    {
        var data = new TheoryData<int>();
        int i = 0;
        foreach (JsonElement c in Fixture.Cases("rnn_init.json"))
        {
            if (c.GetProperty("kind").GetString() == kind)
            {
                data.Add(i);
            }

            i++;
        }

        return data;
    }
}
