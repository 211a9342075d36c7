using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> as ONNX's <c>RNN</c>, <c>LSTM</c> and <c>GRU</c>: one op
/// per layer, as PyTorch 1.13's <c>symbolic_opset9._generic_rnn</c> exports them.
/// </summary>
internal sealed partial class OnnxExporter
{
    /// <summary>
    /// Emits a recorded recurrent forward. Shapes (<c>L</c> steps, <c>N</c> batch, <c>D</c> directions, <c>H</c>
    /// hidden): the input goes seq-first <c>(L, N, H_in)</c> (Transpose when batch-first, Unsqueeze when unbatched);
    /// layer l runs one op on <c>W (D, G·H, H_in)</c>, <c>R (D, G·H, H)</c>, <c>B (D, 2·G·H)</c> = concat(b_ih, b_hh),
    /// its slice of h0 (and c0) <c>(D, N, H)</c>, and returns <c>Y (L, D, N, H)</c>, which becomes the next layer's
    /// input <c>(L, N, D·H)</c> (Squeeze for one direction, else Transpose then Reshape [0, 0, -1]); h_n (and c_n) is
    /// the Concat of every layer's <c>Y_h</c> (<c>Y_c</c>). Gates are reordered from PyTorch's (LSTM i, f, g, o → ONNX
    /// i, o, f, c; GRU r, z, n → z, r, h with <c>linear_before_reset = 1</c>).
    /// </summary>
    private void EmitRecurrent(RecurrentBackward node, string[] inputs)
    {
        RecurrentStack stack = node.Stack;
        if (node.IsVariableLength)
        {
            throw new NotSupportedException($"ONNX export does not support {node.Name} over a packed sequence: pass a padded tensor.");
        }

        if (stack.Projects)
        {
            throw new NotSupportedException("ONNX export does not support LSTM with proj_size > 0: ONNX's LSTM has no projection (nor does torch.onnx export one).");
        }

        if (node.Dropout)
        {
            throw new NotSupportedException("ONNX export does not support recurrent dropout: call module.Eval() first.");
        }

        (string op, int gates, int[] order) = stack.Cell switch
        {
            LstmCellKernel => ("LSTM", 4, new[] { 0, 3, 1, 2 }),
            GruCellKernel => ("GRU", 3, new[] { 1, 0, 2 }),
            _ => ("RNN", 1, new[] { 0 }),
        };
        int directions = stack.Directions, hidden = stack.HiddenSize;
        bool lstm = op == "LSTM";
        string x = inputs[0], h0 = inputs[1], c0 = inputs[2];

        // A cell's input (N, H_in) is one step: unsqueeze the sequence axis; an unbatched sequence (L, H_in) lacks the batch axis.
        bool cell = node.IsCell;
        bool unbatched = node.InputRank == (cell ? 1 : 2);
        long[] axes = cell ? (unbatched ? [0, 1] : [0]) : [1];
        if (cell || unbatched)
        {
            x = _graph.Add("Unsqueeze", [x, Axes(axes)]);
            h0 = h0.Length == 0 ? h0 : _graph.Add("Unsqueeze", [h0, Axes(axes)]);
            c0 = c0.Length == 0 ? c0 : _graph.Add("Unsqueeze", [c0, Axes(axes)]);
        }
        else if (node.Transposed)
        {
            x = _graph.Add("Transpose", [x], OnnxAttribute.Of("perm", new long[] { 1, 0, 2 }));
        }

        var attributes = new List<OnnxAttribute> { OnnxAttribute.Of("hidden_size", (long)hidden) };
        if (directions == 2)
        {
            attributes.Add(OnnxAttribute.Of("direction", "bidirectional"));
        }

        if (stack.Cell is ElmanCellKernel elman)
        {
            string activation = elman.Nonlinearity == Nonlinearity.Relu ? "Relu" : "Tanh";
            attributes.Add(OnnxAttribute.Of("activations", directions == 2 ? new[] { activation, activation } : new[] { activation }));
        }
        else if (op == "GRU")
        {
            attributes.Add(OnnxAttribute.Of("linear_before_reset", 1L));
        }

        string prefix = _parameterNames.TryGetValue(stack.Weights[0].WeightIh, out string? key) ? key[..^"weight_ih_l0".Length] : string.Empty;
        var hN = new string[stack.NumLayers];
        var cN = new string[stack.NumLayers];
        for (int layer = 0; layer < stack.NumLayers; layer++)
        {
            string w = Stacked($"{prefix}W_l{layer}", stack, layer, gates, hidden, order, d => d.WeightIh);
            string r = Stacked($"{prefix}R_l{layer}", stack, layer, gates, hidden, order, d => d.WeightHh);
            string b = stack.Weights[0].BiasIh is null ? string.Empty : Bias($"{prefix}B_l{layer}", stack, layer, gates, hidden, order);
            string initialH = LayerState(h0, layer, directions);
            string[] layerInputs = lstm ? [x, w, r, b, string.Empty, initialH, LayerState(c0, layer, directions)] : [x, w, r, b, string.Empty, initialH];
            string[] outputs = _graph.AddMulti(op, layerInputs, lstm ? 3 : 2, [.. attributes]);
            x = directions == 1
                ? _graph.Add("Squeeze", [outputs[0], Axes(1)])
                : _graph.Add("Reshape", [_graph.Add("Transpose", [outputs[0]], OnnxAttribute.Of("perm", new long[] { 0, 2, 1, 3 })), Axes(0, 0, -1)]);
            hN[layer] = outputs[1];
            cN[layer] = lstm ? outputs[2] : string.Empty;
        }

        string output = x, h = Concat(hN), c = lstm ? Concat(cN) : string.Empty;
        if (cell)
        {
            // h' is the single step's hidden state, (N, H) or (H).
            output = _graph.Add("Squeeze", [h, Axes(axes)]);
            Set(node, output, 0);
            Set(node, output, 1);
            if (lstm)
            {
                Set(node, _graph.Add("Squeeze", [c, Axes(axes)]), 2);
            }

            return;
        }

        if (unbatched)
        {
            output = _graph.Add("Squeeze", [output, Axes(1)]);
            h = _graph.Add("Squeeze", [h, Axes(1)]);
            c = lstm ? _graph.Add("Squeeze", [c, Axes(1)]) : c;
        }
        else if (node.Transposed)
        {
            output = _graph.Add("Transpose", [output], OnnxAttribute.Of("perm", new long[] { 1, 0, 2 }));
        }

        Set(node, output, 0);
        Set(node, h, 1);
        if (lstm)
        {
            Set(node, c, 2);
        }
    }

    private string Concat(string[] values) => values.Length == 1 ? values[0] : _graph.Add("Concat", values, OnnxAttribute.Of("axis", 0L));

    /// <summary>Layer <paramref name="layer"/>'s slice <c>[l·D, (l + 1)·D)</c> of h0 or c0 along dimension 0 (absent stays absent).</summary>
    private string LayerState(string state, int layer, int directions) =>
        state.Length == 0 ? state : _graph.Add("Slice", [state, Axes(layer * directions), Axes((layer + 1) * directions), Axes(0)]);

    /// <summary>A layer's weights of both directions as one <c>(D, G·H, cols)</c> initializer, gate blocks reordered.</summary>
    private string Stacked(string name, RecurrentStack stack, int layer, int gates, int hidden, int[] order, Func<DirectionWeights, Tensor> pick)
    {
        int directions = stack.Directions;
        Tensor first = pick(stack.Weights[layer * directions]);
        int cols = first.Shape[1];
        int block = hidden * cols;
        float[] data = new float[directions * gates * block];
        for (int d = 0; d < directions; d++)
        {
            ReadOnlySpan<float> source = pick(stack.Weights[(layer * directions) + d]).AsReadOnlySpan();
            for (int g = 0; g < gates; g++)
            {
                source.Slice(order[g] * block, block).CopyTo(data.AsSpan(((d * gates) + g) * block, block));
            }
        }

        return _graph.AddInitializer(name, [directions, gates * hidden, cols], data);
    }

    /// <summary>A layer's biases as one <c>(D, 2·G·H)</c> initializer: each direction's reordered b_ih then b_hh (ONNX's Wb, Rb).</summary>
    private string Bias(string name, RecurrentStack stack, int layer, int gates, int hidden, int[] order)
    {
        int directions = stack.Directions;
        int width = gates * hidden;
        float[] data = new float[directions * 2 * width];
        for (int d = 0; d < directions; d++)
        {
            DirectionWeights weights = stack.Weights[(layer * directions) + d];
            ReadOnlySpan<float> ih = weights.BiasIh!.AsReadOnlySpan(), hh = weights.BiasHh!.AsReadOnlySpan();
            for (int g = 0; g < gates; g++)
            {
                ih.Slice(order[g] * hidden, hidden).CopyTo(data.AsSpan((d * 2 * width) + (g * hidden), hidden));
                hh.Slice(order[g] * hidden, hidden).CopyTo(data.AsSpan((d * 2 * width) + width + (g * hidden), hidden));
            }
        }

        return _graph.AddInitializer(name, [directions, 2 * width], data);
    }
}
