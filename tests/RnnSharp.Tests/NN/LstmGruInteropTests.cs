using System.Text.Json;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.NN;

/// <summary>
/// State dicts of LSTM and GRU models trained in PyTorch (a bidirectional LSTM with proj_size, a two-layer GRU, an
/// LSTM inside a larger model), saved by torch.save and as safetensors (lstm_gru_interop.json and interop/*_trained.*),
/// load strictly into Lstm and Gru, which then reproduce PyTorch's outputs within the measured rule of
/// <see cref="LstmGruTolerance"/>.
/// </summary>
public sealed class LstmGruInteropTests(ITestOutputHelper output)
{
    private const string File = "lstm_gru_interop.json";

    public static TheoryData<string> Cases() => Fixture.Names(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_TrainedModelWrittenByPyTorch_ReproducesPyTorchOutputs(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        TensorDictionary loaded = LoadFile(c);
        loaded.Keys.Should().Equal(c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()), "the file's order is kept");
        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(1));

        LoadStateDictResult result = module.LoadStateDict(SubModule(c, loaded));
        module.Eval();
        List<(string Name, Tensor Value)> results = LstmGruConfigs.Forward(module, Fixture.ReadTensor(c.GetProperty("input")), null, null);

        result.MissingKeys.Should().BeEmpty();
        result.UnexpectedKeys.Should().BeEmpty();
        Configs.AssertStateDictBitEqual(module, c.GetProperty("state_dict"), "the trained values");
        LstmGruTolerance.AssertMatches(c, results.ToDictionary(r => r.Name, r => r.Value.ToArray()), output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_TrainedModelWrittenByPyTorch_ReproducesPyTorchOutputsUnderNoGrad(string name)
    {
        // Deployment: inference under NoGrad (no graph), the way a loaded model usually runs.
        JsonElement c = Fixture.Case(File, name);
        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"), new Generator(1));
        module.LoadStateDict(SubModule(c, LoadFile(c)));
        module.Eval();

        List<(string Name, Tensor Value)> results;
        using (Torch.NoGrad())
        {
            results = LstmGruConfigs.Forward(module, Fixture.ReadTensor(c.GetProperty("input")), null, null);
        }

        LstmGruTolerance.AssertMatches(c, results.ToDictionary(r => r.Name, r => r.Value.ToArray()), output);
    }

    [Fact]
    public void LoadStateDict_WholeModelWithoutPrefix_FailsNamingTheKeysAndLeavesModuleUnchanged()
    {
        TensorDictionary model = Torch.Load(Path.Combine(Fixture.Directory, "interop", "model_with_lstm_submodule_trained.pt"));
        var lstm = new Lstm(4, 5, batchFirst: true, generator: new Generator(1));
        float[] before = lstm.StateDict()["weight_ih_l0"].ToArray();

        var act = () => lstm.LoadStateDict(model);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*Missing key(s) in state_dict: \"weight_ih_l0\"*Unexpected key(s) in state_dict: \"encoder.lstm.weight_ih_l0\"*");
        lstm.StateDict()["weight_ih_l0"].ToArray().Should().Equal(before);
    }

    [Fact]
    public void LoadStateDict_SiblingLinearOfTheSameModel_LoadsWithItsPrefix()
    {
        // The rest of the PyTorch model loads too: encoder.fc is a Linear(5, 2).
        TensorDictionary model = Torch.Load(Path.Combine(Fixture.Directory, "interop", "model_with_lstm_submodule_trained.pt"));
        var fc = new Linear(5, 2, generator: new Generator(1));

        LoadStateDictResult result = fc.LoadStateDict(model.WithPrefix("encoder.fc."));

        result.MissingKeys.Should().BeEmpty();
        TensorAssert.BitEqual(fc.StateDict()["weight"], model["encoder.fc.weight"]);
    }

    [Fact]
    public void LoadStateDict_ProjectedCheckpointIntoUnprojectedLstm_FailsNamingWeightHr()
    {
        TensorDictionary loaded = Torch.Load(Path.Combine(Fixture.Directory, "interop", "lstm_bidir_proj_trained.pt"));
        var lstm = new Lstm(5, 8, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(1));

        var act = () => lstm.LoadStateDict(loaded);

        act.Should().Throw<ArgumentException>().WithMessage("*Unexpected key(s) in state_dict: \"weight_hr_l0\"*size mismatch for weight_hh_l0*");
    }

    /// <summary>The case's file, read by Torch.Load (.pt) or SafeTensors.LoadFile.</summary>
    private static TensorDictionary LoadFile(JsonElement c)
    {
        string path = Path.Combine(Fixture.Directory, c.GetProperty("file").GetString()!);
        return c.GetProperty("format").GetString() == "pt" ? Torch.Load(path) : SafeTensors.LoadFile(path);
    }

    /// <summary>The recorded module's entries: those under the case's prefix (stripped) when it has one.</summary>
    private static TensorDictionary SubModule(JsonElement c, TensorDictionary loaded) =>
        c.TryGetProperty("prefix", out JsonElement prefix) ? loaded.WithPrefix(prefix.GetString()!) : loaded;
}
