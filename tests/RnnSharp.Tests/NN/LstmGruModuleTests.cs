using System.Text.Json;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.NN;

/// <summary>
/// <see cref="Lstm"/>, <see cref="Gru"/>, <see cref="LstmCell"/> and <see cref="GruCell"/> against torch.nn.LSTM,
/// GRU, LSTMCell and GRUCell over the recorded configuration grid (lstm_gru.json, record_lstm_gru.py): the
/// parameters drawn after <c>torch.manual_seed(seed)</c> bit for bit, the repr, the results and their grad_fn
/// names, and every gradient (input, h0, c0, each parameter) after one backward, under the measured tolerance of
/// <see cref="LstmGruTolerance"/>.
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class LstmGruModuleTests(ITestOutputHelper output)
{
    private const string File = "lstm_gru.json";

    public static TheoryData<string> LayerCases => Fixture.Names(File, c => c.GetProperty("kind").GetString() is "lstm" or "gru");

    public static TheoryData<string> CellCases => Fixture.Names(File, c => c.GetProperty("kind").GetString()!.EndsWith("_cell", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void Layer_ForwardBackward_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        JsonElement cfg = c.GetProperty("config");
        bool lstm = c.GetProperty("kind").GetString() == "lstm";
        int proj = cfg.TryGetProperty("proj_size", out JsonElement pe) ? pe.GetInt32() : 0;
        Torch.ManualSeed(c.GetProperty("seed").GetInt32());
        RnnBase module = lstm
            ? new Lstm(
                cfg.GetProperty("input_size").GetInt32(), cfg.GetProperty("hidden_size").GetInt32(), cfg.GetProperty("num_layers").GetInt32(),
                cfg.GetProperty("bias").GetBoolean(), cfg.GetProperty("batch_first").GetBoolean(), Fixture.ReadFloat(cfg.GetProperty("dropout")),
                cfg.GetProperty("bidirectional").GetBoolean(), proj)
            : new Gru(
                cfg.GetProperty("input_size").GetInt32(), cfg.GetProperty("hidden_size").GetInt32(), cfg.GetProperty("num_layers").GetInt32(),
                cfg.GetProperty("bias").GetBoolean(), cfg.GetProperty("batch_first").GetBoolean(), Fixture.ReadFloat(cfg.GetProperty("dropout")),
                cfg.GetProperty("bidirectional").GetBoolean());
        module.Eval();
        AssertInitAndRepr(c, module);

        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0")?.RequiresGrad_();
        Tensor? c0 = Fixture.ReadOptionalTensor(c, "c0")?.RequiresGrad_();
        Tensor y, hN;
        Tensor? cN = null;
        if (module is Lstm l)
        {
            LstmOutput result = l.Forward(input, h0 is null ? null : (h0, c0!));
            (y, hN, cN) = (result.Output, result.HN, result.CN);
        }
        else
        {
            (y, hN) = ((Gru)module).Forward(input, h0);
        }

        Dictionary<string, float[]> actual = LstmGruTolerance.BackwardAndCollect(c, module, y, hN, cN, ("input", input), ("h0", h0), ("c0", c0));
        List<Tensor> outputs = cN is null ? [y, hN] : [y, hN, cN];
        AssertInferenceSameAsRecorded(module, input, h0, c0, outputs);
        LstmGruTolerance.AssertMatches(c, actual, output);
    }

    [Theory]
    [MemberData(nameof(CellCases))]
    public void Cell_ForwardBackward_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        JsonElement cfg = c.GetProperty("config");
        bool lstm = c.GetProperty("kind").GetString() == "lstm_cell";
        int inputSize = cfg.GetProperty("input_size").GetInt32(), hidden = cfg.GetProperty("hidden_size").GetInt32();
        bool bias = cfg.GetProperty("bias").GetBoolean();
        Torch.ManualSeed(c.GetProperty("seed").GetInt32());
        Module module = lstm ? new LstmCell(inputSize, hidden, bias) : new GruCell(inputSize, hidden, bias);
        AssertInitAndRepr(c, module);

        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? hx = Fixture.ReadOptionalTensor(c, "hx")?.RequiresGrad_();
        Tensor? cx = Fixture.ReadOptionalTensor(c, "cx")?.RequiresGrad_();
        var actual = new Dictionary<string, float[]>();
        if (module is LstmCell cell)
        {
            (Tensor h, Tensor cOut) = cell.Forward(input, hx is null ? null : (hx, cx!));
            h.GradFn!.Name.Should().Be(c.GetProperty("h_grad_fn").GetString());
            cOut.GradFn!.Name.Should().Be(c.GetProperty("c_grad_fn").GetString());
            actual["h"] = h.ToArray();
            actual["c"] = cOut.ToArray();
            Torch.Autograd.Backward([h, cOut], [Fixture.ReadTensor(c.GetProperty("grad_h")), Fixture.ReadTensor(c.GetProperty("grad_c"))]);
        }
        else
        {
            Tensor h = ((GruCell)module).Forward(input, hx);
            h.GradFn!.Name.Should().Be(c.GetProperty("h_grad_fn").GetString());
            actual["h"] = h.ToArray();
            h.Backward(Fixture.ReadTensor(c.GetProperty("grad_h")));
        }

        CollectGrads(actual, module, input, hx, cx, "hx", "cx");
        LstmGruTolerance.AssertMatches(c, actual, output);

        // Without a graph the step runs the inference path of the kernels: the same bits.
        using (Torch.NoGrad())
        {
            Tensor[] again = module is LstmCell l ? [l.Forward(input, hx is null ? null : (hx, cx!)).H, l.Forward(input, hx is null ? null : (hx, cx!)).C]
                : [((GruCell)module).Forward(input, hx)];
            again[0].GradFn.Should().BeNull();
            TensorAssert.BitEqual(again[0], new Tensor(actual["h"], again[0].Shape.ToArray()));
            if (again.Length > 1)
            {
                TensorAssert.BitEqual(again[1], new Tensor(actual["c"], again[1].Shape.ToArray()));
            }
        }
    }

    /// <summary>
    /// Under <see cref="Torch.NoGrad"/> nothing is recorded and the kernels run their inference path (no saved
    /// values; intermediate results kept in place): the results must be the recorded forward's, bit for bit.
    /// </summary>
    private static void AssertInferenceSameAsRecorded(RnnBase module, Tensor input, Tensor? h0, Tensor? c0, List<Tensor> recorded)
    {
        using (Torch.NoGrad())
        {
            Tensor[] results = module is Lstm l
                ? l.Forward(input, h0 is null ? null : (h0, c0!)) is var r ? [r.Output, r.HN, r.CN] : []
                : ((Gru)module).Forward(input, h0) is var g ? [g.Output, g.HN] : [];
            for (int i = 0; i < results.Length; i++)
            {
                results[i].GradFn.Should().BeNull();
                TensorAssert.BitEqual(results[i], recorded[i].Detach());
            }
        }
    }

    /// <summary>The parameters after <c>torch.manual_seed(seed)</c>, bit for bit and in PyTorch's order, and the repr.</summary>
    private static void AssertInitAndRepr(JsonElement c, Module module)
    {
        List<KeyValuePair<string, Tensor>> expected = Fixture.ReadStateDictEntries(c.GetProperty("state_dict"));
        var actual = module.StateDict().ToList();
        actual.Select(p => p.Key).Should().Equal(expected.Select(p => p.Key));
        for (int i = 0; i < expected.Count; i++)
        {
            TensorAssert.BitEqual(actual[i].Value, expected[i].Value);
        }

        module.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    private static void CollectGrads(
        Dictionary<string, float[]> actual, Module module, Tensor input, Tensor? h0, Tensor? c0, string h0Name, string c0Name)
    {
        actual["input"] = input.Grad!.ToArray();
        if (h0 is not null)
        {
            actual[h0Name] = h0.Grad!.ToArray();
        }

        if (c0 is not null)
        {
            actual[c0Name] = c0.Grad!.ToArray();
        }

        foreach ((string name, Parameter p) in module.NamedParameters())
        {
            actual[name] = p.Grad!.ToArray();
        }
    }
}
