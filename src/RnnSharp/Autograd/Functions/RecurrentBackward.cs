using System.Buffers;
using System.Numerics.Tensors;
using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of a recurrent module's forward (<see cref="Rnn"/>, <see cref="Lstm"/>, <see cref="Gru"/>, the LSTM
/// and GRU cells): one node for the whole sequence, every layer and both directions, with output as output 0, h_n
/// as output 1 and c_n (LSTM) as output 2 — back-propagation through time fused by hand, as llm.c does, instead of a
/// graph of thousands of small nodes.
/// </summary>
/// <remarks>
/// <para>
/// Shapes, seq-first inside (<c>L</c> steps, <c>N</c> batch, <c>I</c> input size, <c>H</c> hidden size, <c>P</c>
/// state size, <c>D</c> directions, <c>W = D·P</c>): the forward keeps every layer's outputs <c>(L, N, W)</c>, in
/// training mode with dropout each mask <c>(L, N, W)</c> between layers, and per direction what the cell keeps
/// (<see cref="RecurrentCellKernel.SavedWidth"/>; an LSTM's <c>c_t</c> and, with projection, <c>m_t</c>), in one
/// buffer rented from the pool and returned when the graph is freed.
/// </para>
/// <para>
/// Backward walks the layers from the top: the gradient of a layer's output (the caller's output gradient for the
/// top layer; <c>dx ⊙ mask</c> of the layer above otherwise) and of its slices of h_n (and c_n) feed
/// <see cref="PackedRecurrentLayer.Backward"/> (or the reference kernel for small Elman layers, as the forward
/// chose) for each direction, which writes the parameter gradients, the slices of <c>dh0</c> (and <c>dc0</c>) and
/// adds into the gradient of the layer's input. Like PyTorch, it saves (and checks the version of) <c>W_hh</c> when a
/// state gradient flows through it, <c>W_ih</c> when the layer's input needs a gradient, the input when
/// <c>dW_ih</c> of the first layer is needed, and h0 when a <c>dW_hh</c> is. A module's parameters share one
/// storage, so an in-place write to any of them invalidates the graph where PyTorch might only complain about some.
/// </para>
/// </remarks>
internal sealed class RecurrentBackward : Node
{
    private readonly string _name;
    private readonly RecurrentStack _stack;
    private readonly int _seqLen;
    private readonly int _batch;
    private readonly StepLayout _layout;
    private readonly int[] _inputShape;
    private readonly int[]? _h0Shape;
    private readonly int[]? _c0Shape;
    private readonly bool _transposed;
    private readonly SavedTensor _input;
    private readonly SavedTensor _h0;
    private readonly SavedTensor _c0;
    private readonly SavedTensor[] _weightIh;
    private readonly SavedTensor[] _weightHh;
    private readonly Tensor[] _parameters;
    private float[]? _buffer;

    /// <summary>
    /// Records a forward of <paramref name="stack"/>. <paramref name="transposed"/>: the caller's input and output are
    /// batch-first <c>(N, L, ·)</c> (the node transposes gradients as the forward transposed values).
    /// </summary>
    public RecurrentBackward(
        string name, RecurrentStack stack, Tensor input, Tensor? h0, Tensor? c0, int seqLen, int batch, bool transposed, bool dropout)
        : this(name, stack, input, h0, c0, StepLayout.Dense(seqLen, batch), transposed, dropout)
    {
    }

    /// <summary>Records a forward over rows laid out as <paramref name="layout"/> (a packed sequence's: never transposed).</summary>
    public RecurrentBackward(
        string name, RecurrentStack stack, Tensor input, Tensor? h0, Tensor? c0, StepLayout layout, bool transposed, bool dropout)
    {
        _name = name;
        _stack = stack;
        _layout = layout;
        _seqLen = layout.Steps;
        _batch = layout.Batch;
        int seqLen = _seqLen;
        _transposed = transposed && !layout.IsVariable;
        Dropout = dropout;
        Packed = stack.UsesPacked || layout.IsVariable;
        _inputShape = input.Shape.ToArray();
        _h0Shape = h0?.Shape.ToArray();
        _c0Shape = c0?.Shape.ToArray();

        int directions = stack.Directions * stack.NumLayers;
        _parameters = [.. stack.ParameterList()];
        _weightIh = new SavedTensor[directions];
        _weightHh = new SavedTensor[directions];
        bool anyFirstWeightIh = false, anyWeightHh = false;
        for (int index = 0; index < directions; index++)
        {
            DirectionWeights w = stack.Weights[index];
            bool firstLayer = index < stack.Directions;
            if (!firstLayer || input.RequiresGrad)
            {
                _weightIh[index] = new SavedTensor(w.WeightIh);
            }

            if (seqLen > 1 || (h0?.RequiresGrad ?? false) || (c0?.RequiresGrad ?? false) || stack.Cell is not ElmanCellKernel)
            {
                _weightHh[index] = new SavedTensor(w.WeightHh);
            }

            anyFirstWeightIh |= firstLayer && w.WeightIh.RequiresGrad;
            anyWeightHh |= w.WeightHh.RequiresGrad;
        }

        if (anyFirstWeightIh)
        {
            _input = new SavedTensor(input);
        }

        if (h0 is not null && (anyWeightHh || stack.Cell is GruCellKernel))
        {
            _h0 = new SavedTensor(h0);
        }

        if (c0 is not null)
        {
            _c0 = new SavedTensor(c0);
        }

        Tensor?[] edges = new Tensor?[3 + _parameters.Length];
        edges[0] = input;
        edges[1] = h0;
        edges[2] = c0;
        _parameters.CopyTo(edges, 3);
        SetInputs(edges);

        long length = ((long)LayerSize * (stack.NumLayers + (dropout ? stack.NumLayers - 1 : 0))) + ((long)directions * DirectionTapeSize);
        _buffer = ArrayPool<float>.Shared.Rent((int)Math.Max(1, length));
    }

    public override string Name => _name;

    /// <summary>The layers that ran (their weights, sizes and cell).</summary>
    internal RecurrentStack Stack => _stack;

    /// <summary>Whether the caller's input and output were batch-first <c>(N, L, ·)</c>.</summary>
    internal bool Transposed => _transposed;

    /// <summary>The number of dimensions of the caller's input (2 when unbatched, or for a cell).</summary>
    internal int InputRank => _inputShape.Length;

    /// <summary>Whether the forward ran over a packed sequence's variable-length rows.</summary>
    internal bool IsVariableLength => _layout.IsVariable;

    /// <summary>Whether a cell (one step, input <c>(N, H_in)</c>) recorded the node rather than a sequence module.</summary>
    internal bool IsCell { get; init; }

    /// <summary>Whether the forward applied dropout between layers (and kept the masks).</summary>
    public bool Dropout { get; }

    /// <summary>Whether the forward ran the packed kernels (the backward then does too).</summary>
    public bool Packed { get; }

    internal override int OutputCount => _stack.HasCellState ? 3 : 2;

    internal override bool HasSavedTensors => true;

    /// <summary>Every gradient is a tensor of its own, allocated by <see cref="Backward"/>.</summary>
    internal override bool ReturnsOwnedGradients => true;

    private int Rows => _layout.Rows;

    private int LayerSize => Rows * _stack.Width;

    private int SavedSize => Rows * _stack.Cell.SavedWidth(_stack.HiddenSize);

    private int CellsSize => _stack.HasCellState ? Rows * _stack.HiddenSize : 0;

    private int ProjectionsSize => _stack.Projects ? Rows * _stack.HiddenSize : 0;

    private int DirectionTapeSize => SavedSize + CellsSize + ProjectionsSize;

    private int TapeStart => LayerSize * (_stack.NumLayers + (Dropout ? _stack.NumLayers - 1 : 0));

    /// <summary>Layer <paramref name="layer"/>'s outputs <c>(L, N, W)</c>, seq-first, before dropout.</summary>
    public Memory<float> Hidden(int layer) => _buffer.AsMemory(layer * LayerSize, LayerSize);

    /// <summary>The dropout mask applied to layer <paramref name="layer"/>'s outputs <c>(L, N, W)</c> (scaled by <c>1/(1 − p)</c>).</summary>
    public Memory<float> Mask(int layer) => _buffer.AsMemory((_stack.NumLayers + layer) * LayerSize, LayerSize);

    /// <summary>What the cell of direction <paramref name="index"/> keeps, <c>(L, N, S)</c>.</summary>
    public Memory<float> CellSaved(int index) => _buffer.AsMemory(TapeStart + (index * DirectionTapeSize), SavedSize);

    /// <summary>Every <c>c_t</c> of direction <paramref name="index"/>, <c>(L, N, H)</c> (LSTM).</summary>
    public Memory<float> Cells(int index) => _buffer.AsMemory(TapeStart + (index * DirectionTapeSize) + SavedSize, CellsSize);

    /// <summary>Every <c>m_t</c> of direction <paramref name="index"/>, <c>(L, N, H)</c> (LSTM with projection).</summary>
    public Memory<float> Projections(int index) =>
        _buffer.AsMemory(TapeStart + (index * DirectionTapeSize) + SavedSize + CellsSize, ProjectionsSize);

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
        RecurrentStack stack = _stack;
        int directions = stack.Directions, hidden = stack.HiddenSize, state = stack.StateSize, inputSize = stack.InputSize, layers = stack.NumLayers;
        int width = stack.Width, rows = Rows;

        var grads = new Tensor?[3 + _parameters.Length];
        if (NeedsInputGrad(0))
        {
            grads[0] = Tensor.Zeros(_inputShape);
        }

        if (NeedsInputGrad(1))
        {
            grads[1] = Tensor.Zeros(_h0Shape!);
        }

        if (NeedsInputGrad(2))
        {
            grads[2] = Tensor.Zeros(_c0Shape!);
        }

        // The lowest layer whose backward is needed: below it nothing needs a gradient.
        int perDirection = _parameters.Length / (layers * directions);
        int lowest = grads[0] is not null || grads[1] is not null || grads[2] is not null ? 0 : layers;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (NeedsInputGrad(3 + i))
            {
                grads[3 + i] = Tensor.Zeros(_parameters[i].Shape.ToArray());
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
        Tensor? c0 = _c0.HasValue ? _c0.Unpack() : null;
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

        bool transpose = _transposed && _batch > 1 && _seqLen > 1;
        int columns = Math.Max(inputSize, width);
        int workspaceLength = Packed
            ? PackedRecurrentLayer.BackwardWorkspaceLength(_seqLen, _batch, columns, hidden, stack.Cell, state, stack.Projects)
            : ReferenceRecurrentLayer.BackwardWorkspaceLength(_seqLen, _batch, hidden);
        HelperTeam? team = Packed ? stack.AcquireTeam(_seqLen, _batch) : null;

        // With exactly one helper, a bidirectional layer's two directions run at once, one per thread, as in the
        // forward: each needs its own workspace, and the second writes its share of dx apart, added afterwards.
        bool pairDirections = directions == 2 && team is { Helpers: 1 };
        int copies = pairDirections ? 2 : 1;
        float[] scratch = ArrayPool<float>.Shared.Rent(((2 + copies) * rows * columns) + (copies * workspaceLength));
        try
        {
            Memory<float> gradA = scratch.AsMemory(0, rows * columns);
            Memory<float> spare = scratch.AsMemory(rows * columns, rows * columns);
            Memory<float> x = scratch.AsMemory(2 * rows * columns, rows * columns);
            Memory<float> secondDx = pairDirections ? scratch.AsMemory(3 * rows * columns, rows * columns) : default;
            Memory<float> workspaces = scratch.AsMemory((2 + copies) * rows * columns, copies * workspaceLength);

            // The top layer's output gradient, seq-first; zeros when only h_n (or c_n) received one.
            Memory<float> gradOutput = gradA[..(rows * width)];
            if (gradOutputs[0] is { } g)
            {
                if (transpose)
                {
                    RecurrentStack.SwapFirstTwoDims(g.AsReadOnlySpan(), gradOutput.Span, _batch, _seqLen, width);
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

            ReadOnlyMemory<float> gradHN = gradOutputs[1] is { } gh ? gh.AsReadOnlyMemory() : default;
            ReadOnlyMemory<float> gradCN = gradOutputs.Length > 2 && gradOutputs[2] is { } gc ? gc.AsReadOnlyMemory() : default;
            int stepState = _batch * state, stepCell = _batch * hidden;
            for (int layer = layers - 1; layer >= lowest; layer--)
            {
                // Gradient of this layer's input: the next layer down's output gradient, or the caller's input gradient.
                Memory<float> dx = layer > lowest ? spare[..(rows * width)]
                    : layer == 0 && grads[0] is { } gi ? (transpose ? spare[..(rows * inputSize)] : gi.AsMemory())
                    : default;

                // This layer's input, seq-first, when a dW_ih needs it.
                ReadOnlyMemory<float> layerInput = default;
                if (NeedsAnyWeightIh(layer, directions, perDirection))
                {
                    layerInput = LayerInput(layer, input, transpose, x[..(rows * (layer == 0 ? inputSize : width))]);
                }

                DirectionPairBackward? pair = pairDirections ? DirectionPairBackward.For(this) : null;

                for (int direction = 0; direction < directions; direction++)
                {
                    int index = (layer * directions) + direction;
                    DirectionWeights w = stack.Weights[index];
                    int p = 3 + (index * perDirection);
                    bool bias = w.BiasIh is not null;
                    Tensor? biasIhGrad = bias ? grads[p + 2] : null;
                    Tensor? biasHhGrad = bias ? grads[p + 3] : null;
                    Tensor? weightHrGrad = w.WeightHr is null ? null : grads[p + (bias ? 4 : 2)];
                    bool apart = pair is not null && direction == 1 && !dx.IsEmpty;
                    var gradients = new RecurrentLayerGradients
                    {
                        Input = apart ? secondDx[..dx.Length] : dx,
                        AccumulateInput = direction == 1 && !apart,
                        WeightIh = grads[p] is { } gw ? gw.AsMemory() : default,
                        WeightHh = grads[p + 1] is { } gu ? gu.AsMemory() : default,
                        Bias = (Packed ? biasIhGrad : biasIhGrad ?? biasHhGrad) is { } db ? db.AsMemory() : default,
                        BiasHh = Packed && biasHhGrad is not null ? biasHhGrad.AsMemory() : default,
                        WeightHr = weightHrGrad is null ? default : weightHrGrad.AsMemory(),
                        H0 = grads[1] is { } g0 ? g0.AsMemory().Slice(index * stepState, stepState) : default,
                        C0 = grads[2] is { } gc0 ? gc0.AsMemory().Slice(index * stepCell, stepCell) : default,
                    };
                    var args = new DirectionArgs(
                        layer, direction, layerInput, gradOutput,
                        gradHN.IsEmpty ? default : gradHN.Slice(index * stepState, stepState),
                        gradCN.IsEmpty ? default : gradCN.Slice(index * stepCell, stepCell),
                        h0, c0);
                    if (pair is not null)
                    {
                        pair.Set(direction, args, gradients, workspaces.Slice(direction * workspaceLength, workspaceLength));
                        continue;
                    }

                    BackwardDirection(args, gradients, workspaces[..workspaceLength], team);
                    if (!Packed && biasIhGrad is not null && biasHhGrad is not null)
                    {
                        // db_ih and db_hh are the same sum for an Elman cell.
                        biasIhGrad.AsReadOnlySpan().CopyTo(biasHhGrad.AsSpan());
                    }
                }

                if (pair is not null)
                {
                    pair.RunBoth(team!);
                    if (!dx.IsEmpty)
                    {
                        // What the second direction's epilogue would have added: the same sum, the same bits.
                        TensorPrimitives.Add(secondDx.Span[..dx.Length], dx.Span, dx.Span);
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
                    RecurrentStack.SwapFirstTwoDims(dx.Span, inputGrad.AsSpan(), _seqLen, _batch, inputSize);
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
            if (NeedsInputGrad(3 + (((layer * directions) + direction) * perDirection)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The input the forward fed layer <paramref name="layer"/>, seq-first: the caller's input, or the layer below's outputs after dropout.</summary>
    private ReadOnlyMemory<float> LayerInput(int layer, Tensor? input, bool transpose, Memory<float> scratch)
    {
        if (layer > 0)
        {
            Memory<float> below = Hidden(layer - 1);
            if (!Dropout)
            {
                return below;
            }

            TensorPrimitives.Multiply(below.Span, Mask(layer - 1).Span, scratch.Span);
            return scratch;
        }

        ReadOnlyMemory<float> x = input!.AsReadOnlyMemory();
        if (!transpose)
        {
            return x;
        }

        RecurrentStack.SwapFirstTwoDims(x.Span, scratch.Span, _batch, _seqLen, _stack.InputSize);
        return scratch;
    }

    /// <summary>
    /// One direction of one layer: its saved tensors and the gradients flowing in, as <see cref="BackwardDirection"/>
    /// builds <see cref="RecurrentLayerSaved"/> from them (on whichever thread runs it).
    /// </summary>
    private readonly record struct DirectionArgs(
        int Layer, int Direction, ReadOnlyMemory<float> LayerInput, ReadOnlyMemory<float> GradOutput,
        ReadOnlyMemory<float> GradHN, ReadOnlyMemory<float> GradCN, Tensor? H0, Tensor? C0);

    /// <summary>The backward of one direction of one layer, on the packed engine (over <paramref name="team"/>) or the reference kernel.</summary>
    private void BackwardDirection(in DirectionArgs a, in RecurrentLayerGradients gradients, Memory<float> workspace, HelperTeam? team)
    {
        RecurrentStack stack = _stack;
        int index = (a.Layer * stack.Directions) + a.Direction, state = stack.StateSize, hidden = stack.HiddenSize;
        int stepState = _batch * state, stepCell = _batch * hidden;
        DirectionWeights w = stack.Weights[index];
        var saved = new RecurrentLayerSaved
        {
            Input = a.LayerInput.Span,
            Hidden = Hidden(a.Layer),
            H0 = a.H0 is null ? default : a.H0.AsReadOnlyMemory().Slice(index * stepState, stepState),
            C0 = a.C0 is null ? default : a.C0.AsReadOnlyMemory().Slice(index * stepCell, stepCell),
            WeightIh = w.WeightIh.AsReadOnlySpan(),
            WeightHh = w.WeightHh.AsReadOnlySpan(),
            WeightHr = w.WeightHr is null ? default : w.WeightHr.AsReadOnlySpan(),
            GradOutput = a.GradOutput,
            GradHN = a.GradHN.Span,
            GradCN = a.GradCN.Span,
            CellSaved = CellSaved(index),
            Cells = Cells(index),
            Projections = Projections(index).Span,
            SeqLen = _seqLen,
            Batch = _batch,
            Layout = _layout,
            InputSize = a.Layer == 0 ? stack.InputSize : stack.Width,
            HiddenSize = hidden,
            StateSize = state,
            Width = stack.Width,
            ColumnOffset = a.Direction * state,
            Reverse = a.Direction == 1,
            Cell = stack.Cell,
            Nonlinearity = stack.Cell is ElmanCellKernel elman ? elman.Nonlinearity : Nonlinearity.Tanh,
        };
        if (Packed)
        {
            PackedRecurrentLayer.Backward(saved, gradients, workspace, team);
        }
        else
        {
            ReferenceRecurrentLayer.Backward(saved, gradients, workspace.Span);
        }
    }

    /// <summary>
    /// The two directions of one bidirectional layer as two chunks of one round, so that the caller and a helper each
    /// run one direction's whole backward. Each computes exactly what it computes alone: the same bits.
    /// </summary>
    private sealed class DirectionPairBackward : IChunkedWork
    {
        [ThreadStatic]
        private static DirectionPairBackward? t_pair;

        private readonly DirectionArgs[] _args = new DirectionArgs[2];
        private readonly RecurrentLayerGradients[] _gradients = new RecurrentLayerGradients[2];
        private readonly Memory<float>[] _workspaces = new Memory<float>[2];
        private RecurrentBackward? _node;

        /// <summary>This thread's instance, for one layer of <paramref name="node"/>.</summary>
        public static DirectionPairBackward For(RecurrentBackward node)
        {
            DirectionPairBackward pair = t_pair ??= new DirectionPairBackward();
            pair._node = node;
            return pair;
        }

        public void Set(int direction, in DirectionArgs args, in RecurrentLayerGradients gradients, Memory<float> workspace)
        {
            _args[direction] = args;
            _gradients[direction] = gradients;
            _workspaces[direction] = workspace;
        }

        public void RunBoth(HelperTeam team)
        {
            try
            {
                team.Run(this, 2);
            }
            finally
            {
                // Drop the references: the buffers go back to their pools after the call.
                Array.Clear(_args);
                Array.Clear(_gradients);
                Array.Clear(_workspaces);
                _node = null;
            }
        }

        public void Run(int chunk) => _node!.BackwardDirection(_args[chunk], _gradients[chunk], _workspaces[chunk], team: null);
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
