using System.Buffers;
using System.Numerics.Tensors;
using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of <see cref="Rnn.Forward(Tensor, Tensor?)"/>: one node for the whole sequence, every layer and
/// both directions, with output as output 0 and h_n as output 1 — back-propagation through time fused by hand, as
/// llm.c does, instead of a graph of thousands of small nodes.
/// </summary>
/// <remarks>
/// <para>
/// Shapes, seq-first inside (<c>L</c> steps, <c>N</c> batch, <c>I</c> input size, <c>H</c> hidden size, <c>D</c>
/// directions, <c>W = D·H</c>): the forward keeps every layer's outputs <c>(L, N, W)</c> (the states <c>h_t</c>
/// the activation's derivative and <c>dW_hh</c> need) and, in training mode with dropout, each mask
/// <c>(L, N, W)</c> between layers, in one buffer rented from the pool and returned when the graph is freed.
/// </para>
/// <para>
/// Backward walks the layers from the top: the gradient of a layer's output (the caller's output gradient for the
/// top layer; <c>dx ⊙ mask</c> of the layer above otherwise) and of its slice of h_n feed
/// <see cref="PackedRecurrentLayer.Backward"/> (or the reference kernel for small hidden sizes, as the forward
/// chose) for each direction, which writes the parameter gradients, the slice of <c>dh0</c> and adds into the
/// gradient of the layer's input. Like PyTorch, it saves (and checks the version of) <c>W_hh</c> when a state
/// gradient flows through it, <c>W_ih</c> when the layer's input needs a gradient, the input when
/// <c>dW_ih</c> of the first layer is needed, and h0 when a <c>dW_hh</c> is. RnnSharp's parameters share one
/// storage, so an in-place write to any of them invalidates the graph where PyTorch might only complain about some.
/// </para>
/// </remarks>
internal sealed class RnnBackward : Node
{
    private readonly string _name;
    private readonly Rnn _rnn;
    private readonly int _seqLen;
    private readonly int _batch;
    private readonly int[] _inputShape;
    private readonly int[]? _h0Shape;
    private readonly SavedTensor _input;
    private readonly SavedTensor _h0;
    private readonly SavedTensor[] _weightIh;
    private readonly SavedTensor[] _weightHh;
    private readonly Tensor[] _parameters;
    private float[]? _buffer;

    public RnnBackward(string name, Rnn rnn, Tensor input, Tensor? h0, int seqLen, int batch, bool dropout, bool packed)
    {
        _name = name;
        _rnn = rnn;
        _seqLen = seqLen;
        _batch = batch;
        Dropout = dropout;
        Packed = packed;
        _inputShape = input.Shape.ToArray();
        _h0Shape = h0?.Shape.ToArray();

        int directions = rnn.NumDirections * rnn.NumLayers;
        var parameters = new List<Tensor>(4 * directions);
        _weightIh = new SavedTensor[directions];
        _weightHh = new SavedTensor[directions];
        bool anyFirstWeightIh = false, anyWeightHh = false;
        for (int index = 0; index < directions; index++)
        {
            Rnn.DirectionWeights w = rnn.WeightsOf(index);
            parameters.Add(w.WeightIh);
            parameters.Add(w.WeightHh);
            if (w.BiasIh is not null && w.BiasHh is not null)
            {
                parameters.Add(w.BiasIh);
                parameters.Add(w.BiasHh);
            }

            bool firstLayer = index < rnn.NumDirections;
            if (!firstLayer || input.RequiresGrad)
            {
                _weightIh[index] = new SavedTensor(w.WeightIh);
            }

            if (seqLen > 1 || (h0?.RequiresGrad ?? false))
            {
                _weightHh[index] = new SavedTensor(w.WeightHh);
            }

            anyFirstWeightIh |= firstLayer && w.WeightIh.RequiresGrad;
            anyWeightHh |= w.WeightHh.RequiresGrad;
        }

        _parameters = [.. parameters];
        if (anyFirstWeightIh)
        {
            _input = new SavedTensor(input);
        }

        if (h0 is not null && anyWeightHh)
        {
            _h0 = new SavedTensor(h0);
        }

        Tensor?[] edges = new Tensor?[2 + _parameters.Length];
        edges[0] = input;
        edges[1] = h0;
        _parameters.CopyTo(edges, 2);
        SetInputs(edges);

        int layerSize = seqLen * batch * rnn.NumDirections * rnn.HiddenSize;
        _buffer = ArrayPool<float>.Shared.Rent(Math.Max(1, layerSize * (rnn.NumLayers + (dropout ? rnn.NumLayers - 1 : 0))));
    }

    public override string Name => _name;

    /// <summary>Whether the forward applied dropout between layers (and kept the masks).</summary>
    public bool Dropout { get; }

    /// <summary>Whether the forward ran the packed kernels (the backward then does too).</summary>
    public bool Packed { get; }

    internal override int OutputCount => 2;

    internal override bool HasSavedTensors => true;

    private int LayerSize => _seqLen * _batch * _rnn.NumDirections * _rnn.HiddenSize;

    /// <summary>Layer <paramref name="layer"/>'s outputs <c>(L, N, W)</c>, seq-first, before dropout.</summary>
    public Memory<float> Hidden(int layer) => _buffer.AsMemory(layer * LayerSize, LayerSize);

    /// <summary>The dropout mask applied to layer <paramref name="layer"/>'s outputs <c>(L, N, W)</c> (scaled by <c>1/(1 − p)</c>).</summary>
    public Memory<float> Mask(int layer) => _buffer.AsMemory((_rnn.NumLayers + layer) * LayerSize, LayerSize);

    /// <summary>Gives the saved states back to the pool (after a backward that frees the graph, or a failed forward).</summary>
    public void ReturnBuffers()
    {
        float[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    private protected override void ReleaseSaved() => ReturnBuffers();

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Rnn rnn = _rnn;
        int directions = rnn.NumDirections, hidden = rnn.HiddenSize, inputSize = rnn.InputSize, layers = rnn.NumLayers;
        int width = directions * hidden, rows = _seqLen * _batch;

        var grads = new Tensor?[2 + _parameters.Length];
        if (NeedsInputGrad(0))
        {
            grads[0] = Tensor.Zeros(_inputShape);
        }

        if (NeedsInputGrad(1))
        {
            grads[1] = Tensor.Zeros(_h0Shape!);
        }

        // The lowest layer whose backward is needed: below it nothing needs a gradient.
        int perDirection = _parameters.Length / (layers * directions);
        int lowest = grads[0] is not null || grads[1] is not null ? 0 : layers;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (NeedsInputGrad(2 + i))
            {
                grads[2 + i] = Tensor.Zeros(_parameters[i].Shape.ToArray());
                lowest = Math.Min(lowest, i / (perDirection * directions));
            }
        }

        if (rows == 0 || lowest >= layers)
        {
            return grads;
        }

        // Check every saved tensor before computing anything (PyTorch's in-place error).
        Tensor? input = _input.HasValue ? _input.Unpack() : null;
        Tensor? h0 = _h0.HasValue ? _h0.Unpack() : null;
        for (int index = lowest * directions; index < layers * directions; index++)
        {
            if (_weightIh[index].HasValue)
            {
                _weightIh[index].Unpack();
            }

            if (_weightHh[index].HasValue)
            {
                _weightHh[index].Unpack();
            }
        }

        bool transpose = rnn.BatchFirst && _inputShape.Length == 3 && _batch > 1 && _seqLen > 1;
        int columns = Math.Max(inputSize, width);
        int workspaceLength = Packed
            ? PackedRecurrentLayer.BackwardWorkspaceLength(_seqLen, _batch, columns, hidden)
            : ReferenceRecurrentLayer.BackwardWorkspaceLength(_seqLen, _batch, hidden);
        float[] scratch = ArrayPool<float>.Shared.Rent((3 * rows * columns) + workspaceLength);
        HelperTeam? team = Packed ? rnn.AcquireTeam(_seqLen, _batch) : null;
        try
        {
            Memory<float> gradA = scratch.AsMemory(0, rows * columns);
            Memory<float> spare = scratch.AsMemory(rows * columns, rows * columns);
            Span<float> x = scratch.AsSpan(2 * rows * columns, rows * columns);
            Memory<float> workspace = scratch.AsMemory(3 * rows * columns, workspaceLength);

            // The top layer's output gradient, seq-first; zeros when only h_n received one.
            Memory<float> gradOutput = gradA[..(rows * width)];
            if (gradOutputs[0] is { } g)
            {
                if (transpose)
                {
                    Rnn.SwapFirstTwoDims(g.AsReadOnlySpan(), gradOutput.Span, _batch, _seqLen, width);
                }
                else
                {
                    g.AsReadOnlySpan().CopyTo(gradOutput.Span);
                }
            }
            else
            {
                gradOutput.Span.Clear();
            }

            ReadOnlySpan<float> gradHN = gradOutputs[1] is { } gh ? gh.AsReadOnlySpan() : default;
            int stepState = _batch * hidden;
            for (int layer = layers - 1; layer >= lowest; layer--)
            {
                int layerInputSize = layer == 0 ? inputSize : width;
                ReadOnlySpan<float> states = Hidden(layer).Span;

                // Gradient of this layer's input: the next layer down's output gradient, or the caller's input gradient.
                Memory<float> dx = layer > lowest ? spare[..(rows * width)]
                    : layer == 0 && grads[0] is { } gi ? (transpose ? spare[..(rows * inputSize)] : gi.AsMemory())
                    : default;

                // This layer's input, seq-first, when a dW_ih needs it.
                ReadOnlySpan<float> layerInput = default;
                if (NeedsAnyWeightIh(layer, directions, perDirection))
                {
                    layerInput = LayerInput(layer, input, transpose, x[..(rows * layerInputSize)]);
                }

                for (int direction = 0; direction < directions; direction++)
                {
                    int index = (layer * directions) + direction;
                    Rnn.DirectionWeights w = rnn.WeightsOf(index);
                    int p = 2 + (index * perDirection);
                    var saved = new RecurrentLayerSaved
                    {
                        Input = layerInput,
                        Hidden = states,
                        H0 = h0 is null ? default : h0.AsReadOnlySpan().Slice(index * stepState, stepState),
                        WeightIh = w.WeightIh.AsReadOnlySpan(),
                        WeightHh = w.WeightHh.AsReadOnlySpan(),
                        GradOutput = gradOutput,
                        GradHN = gradHN.IsEmpty ? default : gradHN.Slice(index * stepState, stepState),
                        SeqLen = _seqLen,
                        Batch = _batch,
                        InputSize = layerInputSize,
                        HiddenSize = hidden,
                        Width = width,
                        ColumnOffset = direction * hidden,
                        Reverse = direction == 1,
                        Nonlinearity = rnn.Nonlinearity,
                    };
                    Tensor? biasGrad = perDirection == 4 ? grads[p + 2] ?? grads[p + 3] : null;
                    var gradients = new RecurrentLayerGradients
                    {
                        Input = dx,
                        AccumulateInput = direction == 1,
                        WeightIh = grads[p] is { } gw ? gw.AsMemory() : default,
                        WeightHh = grads[p + 1] is { } gu ? gu.AsMemory() : default,
                        Bias = biasGrad is null ? default : biasGrad.AsMemory(),
                        H0 = grads[1] is { } g0 ? g0.AsMemory().Slice(index * stepState, stepState) : default,
                    };
                    if (Packed)
                    {
                        PackedRecurrentLayer.Backward(saved, gradients, workspace, team);
                    }
                    else
                    {
                        ReferenceRecurrentLayer.Backward(saved, gradients, workspace.Span);
                    }

                    // db_ih and db_hh are the same sum.
                    if (biasGrad is not null && grads[p + 3] is { } other && !ReferenceEquals(other, biasGrad))
                    {
                        biasGrad.AsReadOnlySpan().CopyTo(other.AsSpan());
                    }
                }

                if (layer > lowest)
                {
                    if (Dropout)
                    {
                        TensorPrimitives.Multiply(dx.Span, Mask(layer - 1).Span, dx.Span);
                    }

                    // dx is the layer below's output gradient; the buffer that held this layer's becomes the spare.
                    spare = gradA;
                    gradA = dx;
                    gradOutput = dx;
                }
                else if (transpose && layer == 0 && grads[0] is { } inputGrad)
                {
                    Rnn.SwapFirstTwoDims(dx.Span, inputGrad.AsSpan(), _seqLen, _batch, inputSize);
                }
            }
        }
        finally
        {
            team?.Release();
            ArrayPool<float>.Shared.Return(scratch);
        }

        return grads;
    }

    private bool NeedsAnyWeightIh(int layer, int directions, int perDirection)
    {
        for (int direction = 0; direction < directions; direction++)
        {
            if (NeedsInputGrad(2 + (((layer * directions) + direction) * perDirection)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The input the forward fed layer <paramref name="layer"/>, seq-first: the caller's input, or the layer below's outputs after dropout.</summary>
    private ReadOnlySpan<float> LayerInput(int layer, Tensor? input, bool transpose, Span<float> scratch)
    {
        if (layer > 0)
        {
            ReadOnlySpan<float> below = Hidden(layer - 1).Span;
            if (!Dropout)
            {
                return below;
            }

            TensorPrimitives.Multiply(below, Mask(layer - 1).Span, scratch);
            return scratch;
        }

        ReadOnlySpan<float> x = input!.AsReadOnlySpan();
        if (!transpose)
        {
            return x;
        }

        Rnn.SwapFirstTwoDims(x, scratch, _batch, _seqLen, _rnn.InputSize);
        return scratch;
    }
}

/// <summary>
/// A node that hands its gradient on unchanged under the name PyTorch gives the tensor: h_n of an RNN whose
/// output and h_n PyTorch names differently (e.g. <c>TransposeBackward1</c> and <c>StackBackward0</c>).
/// </summary>
internal sealed class PassThroughBackward : Node
{
    private readonly string _name;

    public PassThroughBackward(string name, Tensor input)
    {
        _name = name;
        SetInputs(input);
    }

    public override string Name => _name;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [gradOutputs[0]];
}
