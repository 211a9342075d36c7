using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>
/// Construction of Lstm, Gru, LstmCell and GruCell: Torch.ManualSeed(s) then construction gives PyTorch's parameters
/// bit for bit and leaves the generator where PyTorch leaves it (lstm_gru_init.json); properties are the
/// constructor's arguments; ToString is PyTorch's repr (lstm_gru_repr.json).
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class LstmGruInitTests
{
    private const string InitFile = "lstm_gru_init.json";
    private const string ReprFile = "lstm_gru_repr.json";

    public static TheoryData<string> ModuleCases() => Fixture.Names(InitFile, c => c.GetProperty("kind").GetString() != "sequence");

    public static TheoryData<string> ReprCases() => Fixture.Names(ReprFile);

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void Constructor_AfterManualSeed_MatchesPyTorchParametersBitForBitAndGeneratorPosition(string name)
    {
        JsonElement c = Fixture.Case(InitFile, name);

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"));
        Tensor drawnAfter = Torch.Rand([5]);

        Configs.AssertStateDictBitEqual(module, c.GetProperty("state_dict"), $"{name}: {c.GetProperty("config")}");
        TensorAssert.BitEqual(drawnAfter, Fixture.ReadTensor(c.GetProperty("rand_after")), "torch.rand(5) right after construction");
    }

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void Constructor_WithGenerator_MatchesPyTorchParametersOfThatSeedAndLeavesTheGlobalOneAlone(string name)
    {
        JsonElement c = Fixture.Case(InitFile, name);
        var generator = new Generator(c.GetProperty("seed").GetInt64());
        Torch.ManualSeed(123);
        Tensor globalExpected = Torch.Rand([3]);
        Torch.ManualSeed(123);

        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), generator);

        Configs.AssertStateDictBitEqual(module, c.GetProperty("state_dict"), name);
        TensorAssert.BitEqual(Torch.Rand([5], generator), Fixture.ReadTensor(c.GetProperty("rand_after")), "the generator's next draw");
        TensorAssert.BitEqual(Torch.Rand([3]), globalExpected, "the global generator was not touched");
    }

    [Fact]
    public void Constructors_SeveralModulesAfterOneSeed_ContinueThePyTorchStream()
    {
        JsonElement c = Fixture.Cases(InitFile).Single(c => c.GetProperty("kind").GetString() == "sequence");

        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        var modules = c.GetProperty("modules").EnumerateArray()
            .Select(m => LstmGruConfigs.Create(m.GetProperty("kind").GetString()!, m.GetProperty("config")))
            .ToList();
        Tensor drawnAfter = Torch.Rand([5]);

        foreach (var (module, recorded) in modules.Zip(c.GetProperty("modules").EnumerateArray()))
        {
            Configs.AssertStateDictBitEqual(module, recorded.GetProperty("state_dict"), module.ToString() ?? string.Empty);
        }

        TensorAssert.BitEqual(drawnAfter, Fixture.ReadTensor(c.GetProperty("rand_after")), "torch.rand(5) after all five");
    }

    [Theory]
    [MemberData(nameof(ReprCases))]
    public void ToString_PyTorchRecordedConfig_MatchesPyTorchRepr(string name)
    {
        JsonElement c = Fixture.Case(ReprFile, name);

        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(1));

        module.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    [Theory]
    [MemberData(nameof(ReprCases))]
    public void Properties_PyTorchRecordedConfig_AreTheConstructorsArguments(string name)
    {
        JsonElement cfg = Fixture.Case(ReprFile, name).GetProperty("config");
        string kind = Fixture.Case(ReprFile, name).GetProperty("kind").GetString()!;
        if (kind.EndsWith("_cell", StringComparison.Ordinal))
        {
            return; // the brief's cell API has no properties beyond the module's
        }

        Module module = LstmGruConfigs.Create(kind, cfg, new Generator(1));

        (int InputSize, int HiddenSize, int NumLayers, bool Bias, bool BatchFirst, float Dropout, bool Bidirectional) actual = module switch
        {
            Lstm l => (l.InputSize, l.HiddenSize, l.NumLayers, l.Bias, l.BatchFirst, l.Dropout, l.Bidirectional),
            Gru g => (g.InputSize, g.HiddenSize, g.NumLayers, g.Bias, g.BatchFirst, g.Dropout, g.Bidirectional),
            _ => throw new InvalidOperationException(kind),
        };
        actual.Should().Be((cfg.GetProperty("input_size").GetInt32(), cfg.GetProperty("hidden_size").GetInt32(),
            cfg.GetProperty("num_layers").GetInt32(), cfg.GetProperty("bias").GetBoolean(), cfg.GetProperty("batch_first").GetBoolean(),
            Fixture.ReadFloat(cfg.GetProperty("dropout")), cfg.GetProperty("bidirectional").GetBoolean()));
        if (module is Lstm lstm)
        {
            lstm.ProjSize.Should().Be(LstmGruConfigs.ProjSize(cfg));
        }
    }

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void NamedParameters_PyTorchRecordedConfig_ComeInTheStateDictsOrderAndRequireGrad(string name)
    {
        // PyTorch's named_parameters() and state_dict() agree for these modules (no buffers): the recorded keys.
        JsonElement c = Fixture.Case(InitFile, name);

        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(1));

        module.NamedParameters().Select(p => p.Key).Should().Equal(
            c.GetProperty("state_dict").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        module.Parameters().Should().OnlyContain(p => p.RequiresGrad);
    }
}
