using System.Globalization;
using System.Text.Json;
using RnnSharp.Optim;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Optim;

/// <summary>
/// <see cref="SGD"/>, <see cref="Adam"/> and <see cref="AdamW"/> against <c>torch.optim</c>: the kernel fixtures
/// (optim.json) replayed through the classes, and a <c>Linear(5, 3)</c> trained by torch (optim_steps.json, written by
/// Fixtures/record_training.py) replayed from its recorded gradients, bit for bit; state dicts, reprs, errors, and a
/// save/resume round trip through a file.
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class OptimizerTests
{
    private const string Steps = "optim_steps.json";

    public static TheoryData<string> KernelCases() => Fixture.Names(OptimFixture.File);

    public static TheoryData<string> ModelCases() => Fixture.Names(Steps, c => c.GetProperty("kind").GetString() == "steps");

    public static TheoryData<string> ErrorCases() => Fixture.Names(Steps, c => c.GetProperty("kind").GetString() == "error");

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void Step_RecordedGradients_MatchesTorchOptimBitForBit(string name)
    {
        JsonElement c = Fixture.Case(OptimFixture.File, name);
        IReadOnlyList<OptimFixture.Group> recorded = OptimFixture.Groups(name);
        var parameters = recorded.Select(g => new Parameter(new Tensor((float[])g.Param.Clone(), g.Param.Length))).ToList();
        var groups = recorded.Select((g, i) => KernelGroup(g, parameters[i])).ToList();
        Optimizer optimizer = c.GetProperty("optimizer").GetString() switch
        {
            "SGD" => new SGD(groups, lr: 0.5),
            "Adam" => new Adam(groups),
            _ => new AdamW(groups),
        };

        for (int step = 0; step < recorded[0].Grads.Count; step++)
        {
            for (int i = 0; i < parameters.Count; i++)
            {
                parameters[i].Grad = new Tensor(recorded[i].Grads[step], recorded[i].Grads[step].Length);
            }

            optimizer.Step();
            OptimizerStateDict state = optimizer.StateDict();
            for (int i = 0; i < parameters.Count; i++)
            {
                OptimFixture.BitEqual(parameters[i].AsReadOnlySpan(), recorded[i].After(step, "param"), $"{name} step {step} param {i}");
                foreach (JsonProperty item in recorded[i].Steps[step].EnumerateObject().Where(p => p.Name != "param"))
                {
                    Tensor? actual = state.State[i][item.Name];
                    actual.Should().NotBeNull("{0} is in PyTorch's state", item.Name);
                    float[] expected = item.Value.ValueKind == JsonValueKind.Object
                        ? Fixture.ReadTensor(item.Value).ToArray()
                        : [Fixture.ReadFloat(item.Value)];
                    OptimFixture.BitEqual(actual!.AsReadOnlySpan(), expected, $"{name} step {step} {item.Name} {i}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void Step_LinearModelWithTorchsGradients_MatchesTorchBitForBit(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);
        (Linear model, Optimizer optimizer) = Build(c);
        Configs.AssertStateDictBitEqual(model, c.GetProperty("initial"), "the model starts from PyTorch's init");

        int step = 0;
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            SetGrads(model, s);
            optimizer.Step();
            Configs.AssertStateDictBitEqual(model, s.GetProperty("params"), $"{name} after step {step++}");
        }
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void Training_LinearModelThroughOwnAutograd_StaysWithinTorchsOwnFloat32Error(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);
        (Linear model, Optimizer optimizer) = Build(c);
        Tensor x = Fixture.ReadTensor(c.GetProperty("input"));
        bool crossEntropy = c.GetProperty("loss").GetString() == "ce";
        Tensor target = crossEntropy
            ? Tensor.FromInt64(c.GetProperty("target").EnumerateArray().Select(t => t.GetInt64()).ToArray(), [4])
            : Fixture.ReadTensor(c.GetProperty("target"));
        Func<Tensor, Tensor, Tensor> loss = crossEntropy ? new CrossEntropyLoss().Forward : new MSELoss().Forward;
        JsonElement drop = c.GetProperty("drop_bias_grad_at");

        int step = 0;
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            optimizer.ZeroGrad();
            loss(model.Forward(x), target).Backward();
            if (drop.ValueKind == JsonValueKind.Number && drop.GetInt32() == step)
            {
                model.Bias!.Grad = null;
            }

            optimizer.Step();
            // Our forward and backward sum in another order than torch's BLAS, so parameters differ by rounding; the
            // recorder ran the same training in float64: |torch32 − torch64| measures how far float32 rounding alone
            // moves this run, and LossFixture's rule (2·that + 4 ulps of the scale) bounds ours against torch32.
            var parameters = model.Parameters().ToList();
            var recorded = s.GetProperty("params").EnumerateArray().ToList();
            var errors = s.GetProperty("params_err").EnumerateArray().ToList();
            for (int i = 0; i < parameters.Count; i++)
            {
                using JsonDocument pair = JsonDocument.Parse(
                    $"{{\"name\":\"{name} step {step} {recorded[i].GetProperty("name").GetString()}\",\"p\":{recorded[i].GetProperty("tensor").GetRawText()},\"p_err\":{errors[i].GetRawText()}}}");
                LossFixture.AssertMatchesTorch(parameters[i].AsReadOnlySpan(), pair.RootElement, "p");
            }

            step++;
        }
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void StateDict_AfterSteps_HasPyTorchsStructureAndValues(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);
        (Linear model, Optimizer optimizer) = Build(c);
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            SetGrads(model, s);
            optimizer.Step();
        }

        OptimizerStateDict dict = optimizer.StateDict();

        var expectedState = c.GetProperty("state").EnumerateObject().ToList();
        dict.State.Keys.Should().Equal(expectedState.Select(p => int.Parse(p.Name, CultureInfo.InvariantCulture)));
        foreach (JsonProperty entry in expectedState)
        {
            IReadOnlyDictionary<string, Tensor?> actual = dict.State[int.Parse(entry.Name, CultureInfo.InvariantCulture)];
            actual.Keys.Should().Equal(entry.Value.EnumerateObject().Select(p => p.Name), "state keys in PyTorch's order");
            foreach (JsonProperty item in entry.Value.EnumerateObject())
            {
                if (item.Value.ValueKind == JsonValueKind.Null)
                {
                    actual[item.Name].Should().BeNull("PyTorch keeps {0} = None", item.Name);
                }
                else
                {
                    TensorAssert.BitEqual(actual[item.Name]!, Fixture.ReadTensor(item.Value), $"{name} state {entry.Name}.{item.Name}");
                }
            }
        }

        var expectedGroups = c.GetProperty("param_groups").EnumerateArray().ToList();
        dict.ParamGroups.Should().HaveCount(expectedGroups.Count);
        for (int g = 0; g < expectedGroups.Count; g++)
        {
            var pairs = expectedGroups[g].EnumerateArray().ToList();
            dict.ParamGroups[g].Keys.Should().Equal(pairs.Select(p => p[0].GetString()), "param_groups keys in PyTorch's order");
            foreach (JsonElement pair in pairs)
            {
                AssertOption(dict.ParamGroups[g][pair[0].GetString()!], pair[1], $"{name} group {g} {pair[0].GetString()}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void ToString_MatchesPyTorchRepr(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);

        (_, Optimizer optimizer) = Build(c);

        optimizer.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void LoadStateDict_SavedAtStepTwoAndResumedInNewObjects_MatchesUninterruptedRunBitForBit(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);
        var steps = c.GetProperty("steps").EnumerateArray().ToList();
        (Linear model, Optimizer optimizer) = Build(c);
        string optimizerFile = Path.Combine(Path.GetTempPath(), $"rnnsharp-optim-{Guid.NewGuid():N}.safetensors");
        string modelFile = optimizerFile + ".model";
        try
        {
            for (int i = 0; i < 2; i++)
            {
                SetGrads(model, steps[i]);
                optimizer.Step();
            }

            optimizer.StateDict().Save(optimizerFile);
            SafeTensors.SaveFile(model.StateDict(), modelFile);

            (Linear resumedModel, Optimizer resumed) = Build(c, new Generator(12345)); // different initial values
            resumedModel.LoadStateDict(SafeTensors.LoadFile(modelFile));
            resumed.LoadStateDict(OptimizerStateDict.Load(optimizerFile));
            for (int i = 2; i < steps.Count; i++)
            {
                SetGrads(model, steps[i]);
                optimizer.Step();
                SetGrads(resumedModel, steps[i]);
                resumed.Step();
            }

            Configs.AssertStateDictBitEqual(resumedModel, steps[^1].GetProperty("params"), "resumed run at the last step");
            Configs.AssertStateDictBitEqual(model, steps[^1].GetProperty("params"), "uninterrupted run at the last step");
            resumed.ToString().Should().Be(optimizer.ToString());
        }
        finally
        {
            File.Delete(optimizerFile);
            File.Delete(modelFile);
        }
    }

    [Fact]
    public void Step_ParameterWithoutGrad_IsSkippedAndKeepsNoState()
    {
        var a = new Parameter(Tensor.Ones(3));
        var b = new Parameter(Tensor.Ones(2));
        var adam = new Adam([a, b], lr: 0.1);
        a.Grad = Tensor.Ones(3);

        adam.Step();

        b.ToArray().Should().Equal(1f, 1f);
        adam.StateDict().State.Keys.Should().Equal(0);
    }

    [Fact]
    public void ZeroGrad_SetToNoneOrZeros_AsPyTorch()
    {
        var a = new Parameter(Tensor.Ones(3)) { Grad = Tensor.Ones(3) };
        var sgd = new SGD([a], lr: 0.1);

        sgd.ZeroGrad(setToNone: false);
        a.Grad!.ToArray().Should().Equal(0f, 0f, 0f);
        sgd.ZeroGrad();
        a.Grad.Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Constructor_InvalidArguments_ThrowPyTorchError(string name)
    {
        JsonElement c = Fixture.Case(Steps, name);
        var p = new[] { new Parameter(Tensor.Zeros(3)), new Parameter(Tensor.Zeros(2)) };
        (Action act, Type type, string param) = name["error_".Length..] switch
        {
            "adam_lr" => ((Action)(() => _ = new Adam(p, lr: -1.0)), typeof(ArgumentOutOfRangeException), "lr"),
            "adam_eps" => (() => _ = new Adam(p, eps: -1.0), typeof(ArgumentOutOfRangeException), "eps"),
            "adam_beta0" => (() => _ = new Adam(p, betas: (1.0, 0.9)), typeof(ArgumentOutOfRangeException), "betas"),
            "adam_beta1" => (() => _ = new Adam(p, betas: (0.9, -0.1)), typeof(ArgumentOutOfRangeException), "betas"),
            "adam_weight_decay" => (() => _ = new Adam(p, weightDecay: -1.0), typeof(ArgumentOutOfRangeException), "weightDecay"),
            "adamw_lr" => (() => _ = new AdamW(p, lr: -1.0), typeof(ArgumentOutOfRangeException), "lr"),
            "adamw_weight_decay" => (() => _ = new AdamW(p, weightDecay: -1.0), typeof(ArgumentOutOfRangeException), "weightDecay"),
            "sgd_lr" => (() => _ = new SGD(p, lr: -1.0), typeof(ArgumentOutOfRangeException), "lr"),
            "sgd_momentum" => (() => _ = new SGD(p, lr: 0.1, momentum: -1.0), typeof(ArgumentOutOfRangeException), "momentum"),
            "sgd_weight_decay" => (() => _ = new SGD(p, lr: 0.1, weightDecay: -1.0), typeof(ArgumentOutOfRangeException), "weightDecay"),
            "sgd_nesterov" => (() => _ = new SGD(p, lr: 0.1, nesterov: true), typeof(ArgumentException), "nesterov"),
            "sgd_nesterov_dampening" => (() => _ = new SGD(p, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true), typeof(ArgumentException), "nesterov"),
            "empty" => (() => _ = new Adam(Array.Empty<Tensor>()), typeof(ArgumentException), "paramGroups"),
            "duplicate_across_groups" => (() => _ = new Adam([new ParamGroup([p[0]]), new ParamGroup([p[0]])]), typeof(ArgumentException), "paramGroups"),
            "non_leaf" => (() => _ = new Adam([NonLeaf()]), typeof(ArgumentException), "paramGroups"),
            "load_group_count" => (() => new Adam(p).LoadStateDict(new OptimizerStateDict(new Dictionary<int, IReadOnlyDictionary<string, Tensor?>>(), [])), typeof(ArgumentException), "stateDict"),
            "load_group_size" => (() => new Adam(p).LoadStateDict(new Adam([p[0]]).StateDict()), typeof(ArgumentException), "stateDict"),
            var other => throw new InvalidOperationException($"no C# call for {other}"),
        };

        act.Should().Throw<ArgumentException>().Where(e => e.GetType() == type)
            .WithParameterName(param).Which.Message.Should().StartWith(c.GetProperty("message").GetString());
    }

    private static Tensor NonLeaf()
    {
        var leaf = new Parameter(Tensor.Ones(2));
        return leaf.View(2);
    }

    /// <summary>A param group carrying every option of a recorded kernel case.</summary>
    private static ParamGroup KernelGroup(OptimFixture.Group g, Tensor p)
    {
        var group = new ParamGroup([p]) { Lr = g.Number("lr"), WeightDecay = g.Number("weight_decay"), Maximize = g.Flag("maximize") };
        if (g.Has("momentum"))
        {
            group.Momentum = g.Number("momentum");
            group.Dampening = g.Number("dampening");
            group.Nesterov = g.Flag("nesterov");
        }
        else
        {
            group.Betas = (g.Number("beta1"), g.Number("beta2"));
            group.Eps = g.Number("eps");
            group.Amsgrad = g.Flag("amsgrad");
        }

        return group;
    }

    /// <summary>The case's Linear(5, 3) (PyTorch's init from its seed, or from <paramref name="generator"/>) and optimizer.</summary>
    private static (Linear Model, Optimizer Optimizer) Build(JsonElement c, Generator? generator = null)
    {
        Linear model;
        if (generator is null)
        {
            Torch.ManualSeed(c.GetProperty("init_seed").GetInt64());
            model = new Linear(5, 3);
        }
        else
        {
            model = new Linear(5, 3, generator: generator);
        }

        var o = c.GetProperty("options").EnumerateArray().ToDictionary(p => p[0].GetString()!, p => p[1]);
        double Num(string key, double fallback) => o.TryGetValue(key, out JsonElement v) ? Py(v) : fallback;
        bool Bool(string key) => o.TryGetValue(key, out JsonElement v) && v.GetBoolean();
        (double, double)? betas = o.TryGetValue("betas", out JsonElement b) ? (Py(b[0]), Py(b[1])) : null;
        IEnumerable<ParamGroup> groups = c.GetProperty("bias_lr").ValueKind == JsonValueKind.Null
            ? [new ParamGroup(model.Parameters())]
            : [new ParamGroup([model.Weight]), new ParamGroup([model.Bias!]) { Lr = Fixture.ReadFloat(c.GetProperty("bias_lr")) is var lr && lr == 0.01f ? 0.01 : lr }];
        Optimizer optimizer = c.GetProperty("optimizer").GetString() switch
        {
            "SGD" => new SGD(groups, Num("lr", double.NaN), Num("momentum", 0), Num("dampening", 0), Num("weight_decay", 0), Bool("nesterov"), Bool("maximize")),
            "Adam" => new Adam(groups, Num("lr", 1e-3), betas, Num("eps", 1e-8), Num("weight_decay", 0), Bool("amsgrad"), Bool("maximize")),
            _ => new AdamW(groups, Num("lr", 1e-3), betas, Num("eps", 1e-8), Num("weight_decay", 1e-2), Bool("amsgrad"), Bool("maximize")),
        };
        return (model, optimizer);
    }

    /// <summary>Sets each parameter's gradient to torch's at that step (null where the recorder dropped it).</summary>
    private static void SetGrads(Linear model, JsonElement step)
    {
        var grads = step.GetProperty("grads").EnumerateArray().ToList();
        var parameters = model.Parameters().ToList();
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].Grad = grads[i].ValueKind == JsonValueKind.Null ? null : Fixture.ReadTensor(grads[i]);
        }
    }

    /// <summary>A Python number recorded as its repr.</summary>
    private static double Py(JsonElement e) => double.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    private static void AssertOption(object? actual, JsonElement expected, string because)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                actual.Should().BeNull(because);
                break;
            case JsonValueKind.True or JsonValueKind.False:
                actual.Should().Be(expected.GetBoolean(), because);
                break;
            case JsonValueKind.String:
                actual.Should().Be(Py(expected), because);
                break;
            default:
                var items = expected.EnumerateArray().ToList();
                if (items.Count > 0 && items[0].ValueKind == JsonValueKind.String)
                {
                    actual.Should().Be((Py(items[0]), Py(items[1])), because);
                }
                else
                {
                    ((int[])actual!).Should().Equal(items.Select(i => i.GetInt32()), because);
                }

                break;
        }
    }
}
