using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The naive LSTM and GRU oracles (<see cref="ReferenceLstmLayer"/>, <see cref="ReferenceGruLayer"/>) against
/// torch.nn.LSTM, torch.nn.GRU, LSTMCell and GRUCell, recorded in lstm_gru.json by record_lstm_gru.py: forward
/// results and every gradient, over the configuration grid. Layers and directions are stacked here as
/// <c>Rnn</c> stacks them: layer l's input is layer l − 1's output; a bidirectional output holds the forward
/// direction's features, then the reverse direction's; h_n / c_n rows are <c>layer · D + direction</c>.
/// </summary>
public sealed class ReferenceLstmGruTests(ITestOutputHelper output)
{
    private const string File = "lstm_gru.json";

    public static TheoryData<string> LayerCases => Fixture.Names(File, c => c.GetProperty("kind").GetString() is "lstm" or "gru");

    public static TheoryData<string> CellCases => Fixture.Names(File, c => c.GetProperty("kind").GetString()!.EndsWith("_cell", StringComparison.Ordinal));

    public static TheoryData<string> AllCases => Fixture.Names(File);

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void ForwardBackward_Layer_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        JsonElement cfg = c.GetProperty("config");
        bool lstm = c.GetProperty("kind").GetString() == "lstm";
        int layers = cfg.GetProperty("num_layers").GetInt32();
        int directions = cfg.GetProperty("bidirectional").GetBoolean() ? 2 : 1;
        int hidden = cfg.GetProperty("hidden_size").GetInt32();
        int proj = cfg.TryGetProperty("proj_size", out JsonElement pe) ? pe.GetInt32() : 0;
        bool batchFirst = cfg.GetProperty("batch_first").GetBoolean() && !c.GetProperty("unbatched").GetBoolean();
        int[] inputShape = Shape(c.GetProperty("input"));
        bool unbatched = c.GetProperty("unbatched").GetBoolean();
        int seqLen = unbatched ? inputShape[0] : batchFirst ? inputShape[1] : inputShape[0];
        int batch = unbatched ? 1 : batchFirst ? inputShape[0] : inputShape[1];
        var stack = new Stack(lstm, layers, directions, seqLen, batch, inputShape[^1], hidden, proj, Parameters(c));

        float[] x = SeqFirst(Data(c.GetProperty("input")), seqLen, batch, inputShape[^1], batchFirst);
        float[]? h0 = OptionalData(c, "h0"), c0 = OptionalData(c, "c0");
        (float[] y, float[] hN, float[] cN) = stack.Forward(x, h0, c0);

        float[] gradOutput = SeqFirst(Data(c.GetProperty("grad_output")), seqLen, batch, directions * stack.StateSize, batchFirst);
        Dictionary<string, float[]> grads = stack.Backward(
            gradOutput, Data(c.GetProperty("grad_h_n")), lstm ? Data(c.GetProperty("grad_c_n")) : null);
        grads["input"] = BatchFirst(grads["input"], seqLen, batch, inputShape[^1], batchFirst);

        var actual = new Dictionary<string, float[]>
        {
            ["output"] = BatchFirst(y, seqLen, batch, directions * stack.StateSize, batchFirst), ["h_n"] = hN,
        };
        if (lstm)
        {
            actual["c_n"] = cN;
        }

        foreach ((string key, float[] value) in grads)
        {
            actual[key] = value;
        }

        AssertMatches(c, actual);
    }

    [Theory]
    [MemberData(nameof(CellCases))]
    public void ForwardBackward_Cell_MatchesPyTorch(string name)
    {
        // A cell is one step of a one-layer, one-direction layer: h = output = h_n, c = c_n.
        JsonElement c = Fixture.Case(File, name);
        JsonElement cfg = c.GetProperty("config");
        bool lstm = c.GetProperty("kind").GetString() == "lstm_cell";
        int inputSize = cfg.GetProperty("input_size").GetInt32(), hidden = cfg.GetProperty("hidden_size").GetInt32();
        int batch = c.GetProperty("unbatched").GetBoolean() ? 1 : Shape(c.GetProperty("input"))[0];
        var parameters = Parameters(c).ToDictionary(p => p.Key.Replace("weight_ih", "weight_ih_l0", StringComparison.Ordinal)
            .Replace("weight_hh", "weight_hh_l0", StringComparison.Ordinal).Replace("bias_ih", "bias_ih_l0", StringComparison.Ordinal)
            .Replace("bias_hh", "bias_hh_l0", StringComparison.Ordinal), p => p.Value);
        var stack = new Stack(lstm, 1, 1, 1, batch, inputSize, hidden, 0, parameters);
        (float[] h, _, float[] cOut) = stack.Forward(Data(c.GetProperty("input")), OptionalData(c, "hx"), OptionalData(c, "cx"));
        Dictionary<string, float[]> grads = stack.Backward(
            Data(c.GetProperty("grad_h")), new float[batch * hidden], lstm ? Data(c.GetProperty("grad_c")) : null);
        var actual = new Dictionary<string, float[]> { ["h"] = h };
        if (lstm)
        {
            actual["c"] = cOut;
        }

        foreach ((string key, float[] value) in grads)
        {
            actual[key.Replace("_l0", string.Empty, StringComparison.Ordinal).Replace("h0", "hx", StringComparison.Ordinal)
                .Replace("c0", "cx", StringComparison.Ordinal)] = value;
        }

        AssertMatches(c, actual);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void StateDict_Recorded_IsTheLayoutTheKernelsConsume(string name)
    {
        // PyTorch's registration order and shapes: per layer, per direction (suffix "_reverse"): weight_ih (G·H, I_l),
        // weight_hh (G·H, P), bias_ih (G·H), bias_hh (G·H) when bias, weight_hr (P, H) when proj_size > 0; G = 4 for
        // LSTM (i, f, g, o), 3 for GRU (r, z, n); I_l = input_size for layer 0, D·P above it. Cells: no suffixes.
        JsonElement c = Fixture.Case(File, name);
        JsonElement cfg = c.GetProperty("config");
        string kind = c.GetProperty("kind").GetString()!;
        int gates = kind.StartsWith("lstm", StringComparison.Ordinal) ? 4 : 3;
        bool cell = kind.EndsWith("_cell", StringComparison.Ordinal);
        int inputSize = cfg.GetProperty("input_size").GetInt32(), hidden = cfg.GetProperty("hidden_size").GetInt32();
        bool bias = cfg.GetProperty("bias").GetBoolean();
        int layers = cell ? 1 : cfg.GetProperty("num_layers").GetInt32();
        int directions = !cell && cfg.GetProperty("bidirectional").GetBoolean() ? 2 : 1;
        int proj = cfg.TryGetProperty("proj_size", out JsonElement pe) ? pe.GetInt32() : 0;
        int p = ReferenceLstmLayer.StateSize(hidden, proj);
        var expected = new List<(string Name, int[] Shape)>();
        for (int l = 0; l < layers; l++)
        {
            for (int d = 0; d < directions; d++)
            {
                string suffix = cell ? string.Empty : $"_l{l}{(d == 1 ? "_reverse" : string.Empty)}";
                int layerInput = l == 0 ? inputSize : directions * p;
                expected.Add(($"weight_ih{suffix}", [gates * hidden, layerInput]));
                expected.Add(($"weight_hh{suffix}", [gates * hidden, p]));
                if (bias)
                {
                    expected.Add(($"bias_ih{suffix}", [gates * hidden]));
                    expected.Add(($"bias_hh{suffix}", [gates * hidden]));
                }

                if (proj > 0)
                {
                    expected.Add(($"weight_hr{suffix}", [p, hidden]));
                }
            }
        }

        var recorded = c.GetProperty("state_dict").EnumerateArray()
            .Select(e => (e.GetProperty("name").GetString()!, Shape(e.GetProperty("tensor")))).ToList();
        recorded.Select(r => r.Item1).Should().Equal(expected.Select(e => e.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            recorded[i].Item2.Should().Equal(expected[i].Shape, expected[i].Name);
        }

        // The gradients are recorded in named_parameters() order, which is the state dict's.
        var gradNames = c.GetProperty("grads").EnumerateArray().Select(g => g.GetProperty("name").GetString()!)
            .Where(n => n.StartsWith("weight", StringComparison.Ordinal) || n.StartsWith("bias", StringComparison.Ordinal));
        gradNames.Should().Equal(expected.Select(e => e.Name));
    }

    private void AssertMatches(JsonElement c, Dictionary<string, float[]> actual) => LstmGruTolerance.AssertMatches(c, actual, output);

    private static int[] Shape(JsonElement t) => t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();

    private static float[] Data(JsonElement t) => t.GetProperty("data").EnumerateArray().Select(Fixture.ReadFloat).ToArray();

    private static float[]? OptionalData(JsonElement c, string key) =>
        c.TryGetProperty(key, out JsonElement e) && e.ValueKind != JsonValueKind.Null ? Data(e) : null;

    private static Dictionary<string, float[]> Parameters(JsonElement c) =>
        c.GetProperty("state_dict").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => Data(e.GetProperty("tensor")));

    /// <summary>(N, L, F) → (L, N, F) when batch_first, else a copy.</summary>
    private static float[] SeqFirst(float[] data, int seqLen, int batch, int features, bool batchFirst) =>
        batchFirst ? Transpose(data, batch, seqLen, features) : (float[])data.Clone();

    /// <summary>(L, N, F) → (N, L, F) when batch_first, else the same array.</summary>
    private static float[] BatchFirst(float[] data, int seqLen, int batch, int features, bool batchFirst) =>
        batchFirst ? Transpose(data, seqLen, batch, features) : data;

    private static float[] Transpose(float[] data, int a, int b, int features)
    {
        var result = new float[data.Length];
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                Array.Copy(data, ((i * b) + j) * features, result, ((j * a) + i) * features, features);
            }
        }

        return result;
    }

    /// <summary>Layers × directions of one kernel, seq-first, with what each direction's forward saved.</summary>
    private sealed class Stack(bool lstm, int layers, int directions, int seqLen, int batch, int inputSize, int hidden, int proj,
        Dictionary<string, float[]> parameters)
    {
        private readonly List<float[]> _layerInputs = [];
        private bool _hasState;
        private readonly Dictionary<(int L, int D), (float[] H0, float[] C0, float[] Output, float[] Gates, float[] Cells)> _saved = [];

        public int StateSize { get; } = ReferenceLstmLayer.StateSize(hidden, proj);

        private int Gates => lstm ? 4 : 3;

        public (float[] Output, float[] HN, float[] CN) Forward(float[] x, float[]? h0, float[]? c0)
        {
            int p = StateSize, rows = seqLen * batch;
            _hasState = h0 is not null;
            var hN = new float[layers * directions * batch * p];
            var cN = new float[layers * directions * batch * hidden];
            float[] layerInput = x;
            for (int l = 0; l < layers; l++)
            {
                _layerInputs.Add(layerInput);
                int width = l == 0 ? inputSize : directions * p;
                var layerOutput = new float[rows * directions * p];
                for (int d = 0; d < directions; d++)
                {
                    int k = (l * directions) + d;
                    float[] h = h0 is null ? new float[batch * p] : h0.AsSpan(k * batch * p, batch * p).ToArray();
                    float[] cell = c0 is null ? new float[batch * hidden] : c0.AsSpan(k * batch * hidden, batch * hidden).ToArray();
                    var y = new float[rows * p];
                    var gates = new float[rows * 4 * hidden];
                    var cells = new float[rows * hidden];
                    Span<float> hNk = hN.AsSpan(k * batch * p, batch * p);
                    if (lstm)
                    {
                        ReferenceLstmLayer.Forward(layerInput, seqLen, batch, width, hidden, proj, Weight("weight_ih", l, d),
                            Weight("weight_hh", l, d), Weight("bias_ih", l, d), Weight("bias_hh", l, d), Weight("weight_hr", l, d),
                            h, cell, d == 1, y, hNk, cN.AsSpan(k * batch * hidden, batch * hidden), gates, cells);
                    }
                    else
                    {
                        ReferenceGruLayer.Forward(layerInput, seqLen, batch, width, hidden, Weight("weight_ih", l, d),
                            Weight("weight_hh", l, d), Weight("bias_ih", l, d), Weight("bias_hh", l, d), h, d == 1, y, hNk, gates);
                    }

                    _saved[(l, d)] = (h, cell, y, gates, cells);
                    for (int r = 0; r < rows; r++)
                    {
                        Array.Copy(y, r * p, layerOutput, (((r * directions) + d) * p), p);
                    }
                }

                layerInput = layerOutput;
            }

            return (layerInput, hN, cN);
        }

        public Dictionary<string, float[]> Backward(float[] gradOutput, float[] gradHN, float[]? gradCN)
        {
            int p = StateSize, rows = seqLen * batch;
            var grads = new Dictionary<string, float[]>();
            var gradH0 = new float[layers * directions * batch * p];
            var gradC0 = new float[layers * directions * batch * hidden];
            float[] gradLayerOutput = gradOutput;
            for (int l = layers - 1; l >= 0; l--)
            {
                int width = l == 0 ? inputSize : directions * p;
                var gradLayerInput = new float[rows * width];
                for (int d = 0; d < directions; d++)
                {
                    int k = (l * directions) + d;
                    (float[] h0, float[] c0, float[] y, float[] gates, float[] cells) = _saved[(l, d)];
                    var gradY = new float[rows * p];
                    for (int r = 0; r < rows; r++)
                    {
                        Array.Copy(gradLayerOutput, ((r * directions) + d) * p, gradY, r * p, p);
                    }

                    var dx = new float[rows * width];
                    var dWih = new float[Gates * hidden * width];
                    var dWhh = new float[Gates * hidden * p];
                    bool bias = parameters.ContainsKey(Name("bias_ih", l, d));
                    var dBih = new float[bias ? Gates * hidden : 0];
                    string suffix = Name(string.Empty, l, d);
                    if (lstm)
                    {
                        var dWhr = new float[proj > 0 ? p * hidden : 0];
                        ReferenceLstmLayer.Backward(_layerInputs[l], seqLen, batch, width, hidden, proj, Weight("weight_ih", l, d),
                            Weight("weight_hh", l, d), Weight("weight_hr", l, d), h0, c0, d == 1, y, gates, cells, gradY,
                            gradHN.AsSpan(k * batch * p, batch * p), gradCN.AsSpan(k * batch * hidden, batch * hidden),
                            dx, gradH0.AsSpan(k * batch * p, batch * p), gradC0.AsSpan(k * batch * hidden, batch * hidden),
                            dWih, dWhh, dBih, dWhr);
                        grads["weight_hr" + suffix] = dWhr;
                        grads["bias_hh" + suffix] = dBih;
                    }
                    else
                    {
                        var dBhh = new float[dBih.Length];
                        ReferenceGruLayer.Backward(_layerInputs[l], seqLen, batch, width, hidden, Weight("weight_ih", l, d),
                            Weight("weight_hh", l, d), h0, d == 1, y, gates, gradY, gradHN.AsSpan(k * batch * p, batch * p),
                            dx, gradH0.AsSpan(k * batch * p, batch * p), dWih, dWhh, dBih, dBhh);
                        grads["bias_hh" + suffix] = dBhh;
                    }

                    grads["weight_ih" + suffix] = dWih;
                    grads["weight_hh" + suffix] = dWhh;
                    grads["bias_ih" + suffix] = dBih;
                    for (int i = 0; i < dx.Length; i++)
                    {
                        gradLayerInput[i] += dx[i];
                    }
                }

                gradLayerOutput = gradLayerInput;
            }

            grads["input"] = gradLayerOutput;
            grads["h0"] = gradH0;
            if (lstm)
            {
                grads["c0"] = gradC0;
            }

            // Keep only what the module has (no bias, no projection) and what the case gave (h0, c0).
            return grads.Where(g => g.Key is "input" || parameters.ContainsKey(g.Key) || (g.Key is "h0" or "c0" && _hasState))
                .ToDictionary(g => g.Key, g => g.Value);
        }

        private static string Name(string prefix, int l, int d) => $"{prefix}_l{l}{(d == 1 ? "_reverse" : string.Empty)}";

        private float[] Weight(string prefix, int l, int d) => parameters.GetValueOrDefault(Name(prefix, l, d)) ?? [];
    }
}
