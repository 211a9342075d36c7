using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>The nn.Module behaviour of Rnn and RnnCell: parameters, state dicts, training mode.</summary>
public sealed class ModuleTests
{
    [Fact]
    public void StateDict_TwoLayerBidirectional_UsesPyTorchKeysInRegistrationOrder()
    {
        var rnn = new Rnn(3, 5, numLayers: 2, bidirectional: true, generator: new Generator());

        rnn.StateDict().Keys.Should().Equal(
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse");
        rnn.StateDict()["weight_ih_l1"].Size().Should().Equal(5, 10);
        rnn.StateDict()["weight_hh_l0_reverse"].Size().Should().Equal(5, 5);
    }

    [Fact]
    public void StateDict_NoBias_HasOnlyWeights()
    {
        var cell = new RnnCell(3, 5, bias: false, generator: new Generator());

        cell.StateDict().Keys.Should().Equal("weight_ih", "weight_hh");
    }

    [Fact]
    public void StateDict_WriteToReturnedTensor_ChangesModuleAsInPyTorch()
    {
        var rnn = new Rnn(2, 2, generator: new Generator());

        rnn.StateDict()["bias_ih_l0"][0] = 123;

        rnn.GetParameter("bias_ih_l0").Data[0].Should().Be(123);
    }

    [Fact]
    public void LoadStateDict_FromAnotherModule_CopiesValuesAndKeepsParameterObjects()
    {
        var target = new Rnn(4, 3, numLayers: 2, generator: new Generator(1));
        var source = new Rnn(4, 3, numLayers: 2, generator: new Generator(2));
        Parameter before = target.GetParameter("weight_hh_l1");

        LoadStateDictResult result = target.LoadStateDict(source.StateDict());

        result.MissingKeys.Should().BeEmpty();
        result.UnexpectedKeys.Should().BeEmpty();
        target.GetParameter("weight_hh_l1").Should().BeSameAs(before);
        foreach (var (key, value) in source.StateDict())
        {
            target.StateDict()[key].ToArray().Should().Equal(value.ToArray());
        }
    }

    [Fact]
    public void LoadStateDict_NotStrict_ReportsMissingAndUnexpectedKeysAndLoadsTheRest()
    {
        var target = new Rnn(4, 3, generator: new Generator(1));
        var sd = new Rnn(4, 3, generator: new Generator(2)).StateDict().ToDictionary(p => p.Key, p => p.Value);
        sd.Remove("bias_hh_l0");
        sd["extra"] = Tensor.Zeros(1);
        float[] oldBias = target.StateDict()["bias_hh_l0"].ToArray();

        LoadStateDictResult result = target.LoadStateDict(sd, strict: false);

        result.MissingKeys.Should().Equal("bias_hh_l0");
        result.UnexpectedKeys.Should().Equal("extra");
        target.StateDict()["weight_ih_l0"].ToArray().Should().Equal(sd["weight_ih_l0"].ToArray());
        target.StateDict()["bias_hh_l0"].ToArray().Should().Equal(oldBias);
    }

    [Fact]
    public void LoadStateDict_NotStrictWithSizeMismatch_StillThrows()
    {
        var target = new Rnn(4, 3, generator: new Generator(1));
        var sd = target.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        sd["weight_ih_l0"] = Tensor.Zeros(3, 5);

        var act = () => target.LoadStateDict(sd, strict: false);

        act.Should().Throw<ArgumentException>().WithMessage("*size mismatch for weight_ih_l0*");
    }

    [Fact]
    public void LoadStateDict_Null_ThrowsArgumentNull()
    {
        var act = () => new Rnn(4, 3).LoadStateDict(null!);

        act.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("stateDict");
    }

    [Fact]
    public void TrainAndEval_ToggleTrainingWhichStartsTrue()
    {
        var rnn = new Rnn(2, 2, generator: new Generator());

        rnn.Training.Should().BeTrue("modules start in training mode, as in PyTorch");
        rnn.Eval();
        rnn.Training.Should().BeFalse();
        rnn.Train();
        rnn.Training.Should().BeTrue();
        rnn.Train(false);
        rnn.Training.Should().BeFalse();
    }

    [Fact]
    public void GetParameter_UnknownName_ThrowsArgumentException()
    {
        var act = () => new Rnn(2, 2).GetParameter("weight_ih_l1");

        act.Should().Throw<ArgumentException>().WithMessage("RNN has no parameter `weight_ih_l1`*");
    }

    [Fact]
    public void Parameters_LargestRecordedConfig_ComeInPyTorchsRegistrationOrder()
    {
        JsonElement c = Fixture.Cases("rnn_init.json").Where(c => c.GetProperty("kind").GetString() == "rnn")
            .MaxBy(c => c.GetProperty("state_dict").GetArrayLength());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator());
        string[] pytorchOrder = c.GetProperty("state_dict").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();

        rnn.NamedParameters().Select(p => p.Key).Should().Equal(pytorchOrder);
        rnn.Parameters().Should().Equal(pytorchOrder.Select(rnn.GetParameter));
        rnn.NamedParameters().Should().OnlyContain(p => p.Value.RequiresGrad);
    }

    [Fact]
    public void ToString_SubModules_PrintsLikePyTorch()
    {
        var model = new TwoLayers();

        model.ToString().Should().Be("TwoLayers(\n  (rnn): RNN(4, 8, batch_first=True)\n  (cell): RNNCell(8, 2)\n)");
        model.StateDict().Keys.Should().StartWith("rnn.weight_ih_l0").And.Contain("cell.bias_hh");
    }

    [Theory]
    [InlineData("rnn", "module 'rnn' already exists")]
    [InlineData("a.b", "module name can't be empty or contain \".\", got \"a.b\"")]
    [InlineData("", "module name can't be empty or contain \".\", got \"\"")]
    public void RegisterModule_BadName_ThrowsArgumentException(string name, string message)
    {
        var act = () => new TwoLayers(extraName: name);

        act.Should().Throw<ArgumentException>().WithMessage(message + "*").Which.ParamName.Should().Be("name");
    }

    private sealed class TwoLayers : Module
    {
        public TwoLayers(string? extraName = null)
        {
            RegisterModule("rnn", new Rnn(4, 8, batchFirst: true, generator: new Generator()));
            RegisterModule("cell", new RnnCell(8, 2, generator: new Generator()));
            if (extraName is not null)
            {
                RegisterModule(extraName, new RnnCell(2, 2, generator: new Generator()));
            }
        }
    }
}
