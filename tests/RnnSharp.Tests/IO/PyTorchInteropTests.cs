using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>
/// Weights files written by real PyTorch (torch.save) and by an independent safetensors writer load into an Rnn
/// that reproduces PyTorch's recorded outputs; hostile files are refused (interop.json).
/// </summary>
[Collection(nameof(GlobalGenerator))] // the sample test redirects Console.Out, as SeedProgramTests does
public sealed class PyTorchInteropTests
{
    public static TheoryData<string> LoadableCases() => Fixture.Names("interop.json", c => c.TryGetProperty("output", out _));

    public static TheoryData<string> HostileCases() => Fixture.Names("interop.json", c => c.TryGetProperty("refused_global", out _));

    [Theory]
    [MemberData(nameof(LoadableCases))]
    public void Load_FileWrittenByPyTorch_ReproducesPyTorchOutputs(string name)
    {
        JsonElement c = Fixture.Case("interop.json", name);
        string path = Path.Combine(Fixture.Directory, c.GetProperty("file").GetString()!);

        TensorDictionary loaded = c.GetProperty("format").GetString() == "pt" ? Torch.Load(path) : SafeTensors.LoadFile(path);

        loaded.Keys.Should().Equal(c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()), "the file's order is kept");
        TensorDictionary stateDict = c.TryGetProperty("prefix", out JsonElement prefix) ? loaded.WithPrefix(prefix.GetString()!) : loaded;
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(1));
        rnn.LoadStateDict(stateDict);
        rnn.Eval();
        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), "values as PyTorch converted them to float32");

        var (output, hN) = rnn.Forward(Fixture.ReadTensor(c.GetProperty("input")));

        TensorAssert.AllClose(output, Fixture.ReadTensor(c.GetProperty("output")), rtol: 1e-5, atol: 1e-6);
        TensorAssert.AllClose(hN, Fixture.ReadTensor(c.GetProperty("h_n")), rtol: 1e-5, atol: 1e-6);
        if (c.TryGetProperty("metadata", out JsonElement metadata))
        {
            loaded.Metadata.Should().BeEquivalentTo(metadata.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()));
        }
    }

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Load_PickleCallingAPythonFunction_IsRefusedNamingTheGlobal(string name)
    {
        JsonElement c = Fixture.Case("interop.json", name);
        string path = Path.Combine(Fixture.Directory, c.GetProperty("file").GetString()!);

        var act = () => Torch.Load(path);

        act.Should().Throw<ModelFileException>()
            .WithMessage($"*the global '{c.GetProperty("refused_global").GetString()}', which is not allowed*nothing was executed*");
    }

    [Fact]
    public void Load_PickleProtocolZeroTextOpcodes_IsRefusedNamingTheOpcode()
    {
        var act = () => Torch.Load(Path.Combine(Fixture.Directory, "interop", "protocol0.pt"));

        act.Should().Throw<ModelFileException>().WithMessage("*pickle opcode 0x*is not allowed*");
    }

    [Fact]
    public void Load_LegacyTorchSaveFormatOfEmptyDict_LoadsEmpty()
    {
        // The legacy format loads since issue 11 (LegacyCheckpointTests has the rest); this file is an empty dict.
        TensorDictionary loaded = Torch.Load(Path.Combine(Fixture.Directory, "interop", "legacy_format.pt"));

        loaded.Count.Should().Be(0);
    }

    [Fact]
    public void Load_TorchScriptArchive_IsRefusedWithAdvice()
    {
        var act = () => Torch.Load(Path.Combine(Fixture.Directory, "interop", "torchscript.pt"));

        act.Should().Throw<ModelFileException>().WithMessage("*TorchScript archive*save model.state_dict()*");
    }

    [Fact]
    public void LoadFile_IntegerSafetensors_IsRefusedNamingTheDtype()
    {
        var act = () => SafeTensors.LoadFile(Path.Combine(Fixture.Directory, "interop", "int64.safetensors"));

        act.Should().Throw<ModelFileException>().WithMessage("*\"steps\" has dtype I64*");
    }

    [Fact]
    public void LoadStateDict_WholeModelWithoutPrefix_FailsNamingTheKeysAndLeavesModuleUnchanged()
    {
        TensorDictionary model = Torch.Load(Path.Combine(Fixture.Directory, "interop", "model_with_rnn_submodule.pt"));
        var rnn = new Rnn(4, 3, generator: new Generator(1));
        float[] before = rnn.StateDict()["weight_ih_l0"].ToArray();

        var act = () => rnn.LoadStateDict(model);

        act.Should().Throw<ArgumentException>().WithMessage("*Missing key(s) in state_dict: \"weight_ih_l0\"*Unexpected key(s) in state_dict: \"rnn.weight_ih_l0\"*");
        rnn.StateDict()["weight_ih_l0"].ToArray().Should().Equal(before);
    }

    [Fact]
    public void PyTorchInteropSample_Run_PrintsWhatPyTorchPrinted()
    {
        string expected = File.ReadAllText(Path.Combine(Fixture.Directory, "interop_sample_output.txt"));
        SampleRunner.Run("PyTorchInterop").Should().Be(expected);
    }
}
