using System.Text.Json;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.NN;

/// <summary>
/// Lstm and Gru in training mode with dropout between layers (lstm_gru_dropout.json): the masks come from the global
/// generator right after construction, exactly as PyTorch draws them, so outputs, grad_fn names, every gradient and
/// the generator's position afterwards match. Also one layer with dropout (PyTorch only warns: no mask, no draw)
/// and eval mode. Tolerances: the measured rule of <see cref="LstmGruTolerance"/>, from each case's torch_error.
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class LstmGruDropoutTests(ITestOutputHelper output)
{
    private const string File = "lstm_gru_dropout.json";

    public static TheoryData<string> Cases() => Fixture.Names(File);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardBackward_PyTorchRecordedCase_MatchesPyTorchMasksOutputsAndGradients(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        string kind = c.GetProperty("kind").GetString()!;
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Module module = LstmGruConfigs.Create(kind, c.GetProperty("config"));
        Configs.AssertStateDictBitEqual(module, c.GetProperty("state_dict"), "initialisation");
        module.Train(c.GetProperty("training").GetBoolean());
        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0")?.RequiresGrad_();
        Tensor? c0 = Fixture.ReadOptionalTensor(c, "c0")?.RequiresGrad_();

        List<(string Name, Tensor Value)> results = LstmGruConfigs.Forward(module, input, h0, c0);
        Tensor drawnAfter = Torch.Rand([4]);
        Torch.Autograd.Backward(results.Select(r => r.Value).ToList(),
            results.Select(r => (Tensor?)Fixture.ReadTensor(c.GetProperty("grad_" + r.Name))).ToList());

        TensorAssert.BitEqual(drawnAfter, Fixture.ReadTensor(c.GetProperty("rand_after")), "the generator after the forward: the same draws");
        foreach ((string result, Tensor value) in results)
        {
            value.GradFn!.Name.Should().Be(c.GetProperty(result + "_grad_fn").GetString(), result);
        }

        var actual = results.ToDictionary(r => r.Name, r => r.Value.ToArray());
        foreach (JsonElement g in c.GetProperty("grads").EnumerateArray())
        {
            string leaf = g.GetProperty("name").GetString()!;
            Tensor? grad = (leaf switch { "input" => input, "h0" => h0!, "c0" => c0!, _ => module.GetParameter(leaf) }).Grad;
            grad.Should().NotBeNull($"{leaf} requires grad");
            actual[leaf] = grad!.ToArray();
        }

        LstmGruTolerance.AssertMatches(c, actual, output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_NoGrad_DrawsTheSameMasksAndComputesTheSameNumbers(string name)
    {
        // Inference in training mode (NoGrad) records no graph but must draw the same masks and give the same results.
        JsonElement c = Fixture.Case(File, name);
        Tensor input = Fixture.ReadTensor(c.GetProperty("input"));
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0"), c0 = Fixture.ReadOptionalTensor(c, "c0");
        List<(string Name, Tensor Value)> recording = Run(c, input, h0, c0);

        List<(string Name, Tensor Value)> results;
        using (Torch.NoGrad())
        {
            results = Run(c, input, h0, c0);
        }

        TensorAssert.BitEqual(Torch.Rand([4]), Fixture.ReadTensor(c.GetProperty("rand_after")), "the generator after the forward");
        for (int i = 0; i < results.Count; i++)
        {
            results[i].Value.GradFn.Should().BeNull();
            TensorAssert.BitEqual(results[i].Value, recording[i].Value, results[i].Name);
        }
    }

    private static List<(string Name, Tensor Value)> Run(JsonElement c, Tensor input, Tensor? h0, Tensor? c0)
    {
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Module module = LstmGruConfigs.Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"));
        module.Train(c.GetProperty("training").GetBoolean());
        return LstmGruConfigs.Forward(module, input, h0, c0);
    }

    [Fact]
    public void Forward_DropoutOneInTraining_LayersAboveTheFirstSeeOnlyZeros()
    {
        // p = 1 zeroes the whole input of every layer above the first: the output then depends on the input only
        // through nothing, so two different inputs give the same output (PyTorch: the l2_p1 cases).
        var lstm = new Lstm(3, 4, numLayers: 2, dropout: 1f, generator: new Generator(1));
        var gru = new Gru(3, 4, numLayers: 2, dropout: 1f, generator: new Generator(1));

        Tensor a = Torch.Rand([5, 2, 3], new Generator(2)), b = Torch.Rand([5, 2, 3], new Generator(3));

        TensorAssert.BitEqual(lstm.Forward(a).Output, lstm.Forward(b).Output, "LSTM");
        TensorAssert.BitEqual(gru.Forward(a).Output, gru.Forward(b).Output, "GRU");
    }
}
