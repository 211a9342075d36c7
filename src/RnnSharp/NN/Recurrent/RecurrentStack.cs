using System.Buffers;
using System.Numerics.Tensors;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// The computation behind every recurrent module (<see cref="Rnn"/>, <see cref="Lstm"/>, <see cref="Gru"/> and the
/// LSTM/GRU cells): layers × directions of one cell type over a sequence, on <see cref="PackedRecurrentLayer"/>,
/// with dropout between layers, batch-first transposes, and what the backward needs kept in a
/// <see cref="RecurrentBackward"/> when recording. The modules own the parameters, the checks and the API.
/// </summary>
internal sealed class RecurrentStack
{
    private PackedRecurrentWeights? _packed;

    public RecurrentStack(
        RecurrentCellKernel cell, int inputSize, int hiddenSize, int stateSize, int numLayers, int directions,
        bool batchFirst, double dropout, FlatParameters parameters, DirectionWeights[] weights)
    {
        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        StateSize = stateSize;
        NumLayers = numLayers;
        Directions = directions;
        BatchFirst = batchFirst;
        DropoutProbability = dropout;
        Parameters = parameters;
        Weights = weights;
    }

    public RecurrentCellKernel Cell { get; }

    public int InputSize { get; }

    /// <summary><c>H</c>.</summary>
    public int HiddenSize { get; }

    /// <summary><c>P</c>: the size of <c>h</c> (<c>proj_size</c> when positive, else <c>H</c>).</summary>
    public int StateSize { get; }

    public int NumLayers { get; }

    /// <summary><c>D</c>.</summary>
    public int Directions { get; }

    public bool BatchFirst { get; }

    /// <summary>The dropout probability, as the decimal the caller wrote.</summary>
    public double DropoutProbability { get; }

    public FlatParameters Parameters { get; }

    /// <summary>Indexed by <c>layer · D + direction</c>.</summary>
    public DirectionWeights[] Weights { get; }

    /// <summary>Which kernels run; tests and benchmarks pin one. Only Elman cells have a reference path in the modules.</summary>
    public RecurrentKernel Kernel { get; set; } = RecurrentKernel.Auto;

    /// <summary><c>W = D·P</c>: the width of a layer's output rows.</summary>
    public int Width => Directions * StateSize;

    /// <summary>Whether the cell carries <c>c</c> (LSTM).</summary>
    public bool HasCellState => Cell.HasCellState;

    /// <summary>Whether an LSTM projects <c>h</c> with <c>W_hr</c>.</summary>
    public bool Projects => StateSize != HiddenSize;

    /// <summary>Whether the packed kernels run (else, for Elman cells only, the reference ones).</summary>
    public bool UsesPacked => Cell is not ElmanCellKernel || Kernel.UsesPacked(HiddenSize);

    /// <summary>Whether any parameter requires grad.</summary>
    public bool AnyParameterRequiresGrad()
    {
        foreach (DirectionWeights w in Weights)
        {
            if (w.WeightIh.RequiresGrad || w.WeightHh.RequiresGrad || (w.BiasIh?.RequiresGrad ?? false)
                || (w.BiasHh?.RequiresGrad ?? false) || (w.WeightHr?.RequiresGrad ?? false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The parameters in registration order.</summary>
    public List<Tensor> ParameterList()
    {
        var list = new List<Tensor>();
        foreach (DirectionWeights w in Weights)
        {
            list.Add(w.WeightIh);
            list.Add(w.WeightHh);
            if (w.BiasIh is not null && w.BiasHh is not null)
            {
                list.Add(w.BiasIh);
                list.Add(w.BiasHh);
            }

            if (w.WeightHr is not null)
            {
                list.Add(w.WeightHr);
            }
        }

        return list;
    }

    /// <summary>
    /// The packed weights for the current parameter values (repacked after any parameter write), leased: the caller
    /// releases them (<see cref="PackedRecurrentWeights.Release"/>) when its pass ends.
    /// </summary>
    public PackedRecurrentWeights AcquirePackedWeights() =>
        PackedRecurrentWeights.Acquire(ref _packed, Parameters.Version, Cell.Gates, Weights);

    /// <summary>
    /// Helper threads for this call when it is big enough to gain from them (see <see cref="Torch.SetNumThreads"/>),
    /// otherwise <see langword="null"/>: small calls never pay for a thread hand-off.
    /// </summary>
    public HelperTeam? AcquireTeam(int seqLen, int batch)
    {
        int threads = Torch.GetNumThreads();
        if (threads <= 1)
        {
            return null;
        }

        return PackedRecurrentLayer.WantsHelpers(seqLen, batch, Math.Max(InputSize, Width), StateSize, Cell.Gates * HiddenSize)
            ? HelperTeam.TryAcquire(Math.Min(threads, PackedGemm.Panels(HiddenSize)) - 1) // no more threads than column panels
            : null;
    }

    /// <summary>
    /// The forward pass on validated buffers. input is laid out as the caller's tensor (batch-first or not);
    /// h0 is <c>(D·num_layers, N, P)</c> and c0 <c>(D·num_layers, N, H)</c>, or empty for zeros; output, hN (and cN)
    /// are written completely. With <paramref name="tape"/>, every layer's outputs (seq-first), dropout masks and
    /// the cells' saved values are kept in it for the backward.
    /// </summary>
    public void Run(
        ReadOnlyMemory<float> input, ReadOnlyMemory<float> h0, ReadOnlyMemory<float> c0, int seqLen, int batch, bool dropout,
        Memory<float> output, Memory<float> hN, Memory<float> cN, RecurrentBackward? tape = null) =>
        Run(input, h0, c0, StepLayout.Dense(seqLen, batch), dropout, output, hN, cN, tape);

    /// <summary>
    /// The forward pass over rows laid out as <paramref name="layout"/> says: dense as above, or a packed sequence's
    /// data <c>(Σ batch_sizes, ·)</c> (never transposed), whose output has the same rows; h_n (and c_n) then hold each
    /// sequence's state after its own last step. A variable-length layout always runs the packed kernels.
    /// </summary>
    public void Run(
        ReadOnlyMemory<float> input, ReadOnlyMemory<float> h0, ReadOnlyMemory<float> c0, StepLayout layout, bool dropout,
        Memory<float> output, Memory<float> hN, Memory<float> cN, RecurrentBackward? tape = null)
    {
        int directions = Directions, hidden = HiddenSize, state = StateSize, width = Width;
        int columns = Cell.Gates * hidden;
        int seqLen = layout.Steps, batch = layout.Batch;
        int rows = layout.Rows;
        if (rows == 0)
        {
            return; // batch of 0: nothing to compute (the outputs are empty).
        }

        // Batch-first data is transposed once so that every layer runs seq-first, as ATen does.
        bool transpose = BatchFirst && batch > 1 && seqLen > 1 && !layout.IsVariable;
        dropout = tape?.Dropout ?? dropout;
        int layerBuffers = NumLayers == 1 ? 0 : Math.Min(NumLayers - 1, 2);
        int stepState = batch * state, stepCell = batch * hidden;

        PackedRecurrentWeights? packed = (tape?.Packed ?? (UsesPacked || layout.IsVariable)) ? AcquirePackedWeights() : null;
        HelperTeam? team = packed is null ? null : AcquireTeam(seqLen, batch);

        // With exactly one helper, a bidirectional layer runs its two directions at once, one per thread (each needs
        // its own scratch), instead of splitting every step of one direction and then the other.
        bool pairDirections = directions == 2 && team is { Helpers: 1 };
        int inputTLength = transpose ? rows * InputSize : 0, outputTLength = transpose ? rows * width : 0;
        int layerOutLength = layerBuffers * rows * width;
        // Room for both directions' copies, and this thread's pair, whether or not a helper came: a thread that first
        // gets a helper after warming up without one still allocates nothing (the block keeps its size class).
        int copies = directions == 2 && packed is not null ? 2 : 1;
        if (copies == 2)
        {
            DirectionPair.Reserve();
        }

        // The packed engine projects the input a few steps at a time; the reference Elman kernel, all steps at once.
        int gatesLength = (packed is null ? rows : PackedRecurrentLayer.InputGatesRows(layout, columns)) * columns;
        int gatesTotal = copies * gatesLength;
        int copyLength = (batch * columns) + (4 * stepCell) + stepState;
        int scratchLength = (copies * copyLength) + Math.Max(stepState, stepCell);

        // One rented block for every buffer of the call: one array of one size class per thread, which the pool
        // hands back to the same thread call after call (Forward into caller tensors allocates nothing).
        float[] rented = ArrayPool<float>.Shared.Rent(inputTLength + outputTLength + layerOutLength + gatesTotal + scratchLength);
        Memory<float> inputT = rented.AsMemory(0, inputTLength);
        Memory<float> outputT = rented.AsMemory(inputTLength, outputTLength);
        Memory<float> layerOut = rented.AsMemory(inputTLength + outputTLength, layerOutLength);
        Memory<float> gates = rented.AsMemory(inputTLength + outputTLength + layerOutLength, gatesTotal);
        Memory<float> scratch = rented.AsMemory(inputTLength + outputTLength + layerOutLength + gatesTotal, scratchLength);
        try
        {
            ReadOnlyMemory<float> layerInput = input[..(rows * InputSize)];
            if (transpose)
            {
                SwapFirstTwoDims(layerInput.Span, inputT.Span, batch, seqLen, InputSize);
                layerInput = inputT;
            }

            // Per direction copy: the step's gates (N, G·H), two cell states and m (N, H) each, and the gathered
            // previous states (N, P + H); then zeros for a missing h0/c0. The reference Elman kernel (no cell states)
            // uses copy 0's cell-state room.
            Memory<float> reference = scratch.Slice(batch * columns, 2 * stepCell); // the reference Elman kernel's two states
            Memory<float> zeros = scratch.Slice(copies * copyLength, Math.Max(stepState, stepCell));
            zeros.Span.Clear();
            for (int layer = 0; layer < NumLayers; layer++)
            {
                bool last = layer == NumLayers - 1;
                Memory<float> destination = tape is not null ? tape.Hidden(layer)
                    : !last
                    ? layerOut.Slice((layer % 2) * rows * width, rows * width)
                    : transpose ? outputT : output[..(rows * width)];
                int layerInputSize = layer == 0 ? InputSize : width;
                DirectionPair? pair = pairDirections && packed is not null ? DirectionPair.For(Cell, layout, width, state) : null;
                for (int direction = 0; direction < directions; direction++)
                {
                    int index = (layer * directions) + direction;
                    ReadOnlyMemory<float> directionH0 = h0.IsEmpty ? zeros[..stepState] : h0.Slice(index * stepState, stepState);
                    Memory<float> directionHN = hN.Slice(index * stepState, stepState);
                    if (packed is not null)
                    {
                        int copy = pair is null ? 0 : direction;
                        Memory<float> own = scratch.Slice(copy * copyLength, copyLength);
                        var buffers = new LayerBuffers
                        {
                            Input = layerInput,
                            H0 = directionH0,
                            C0 = !HasCellState ? default : c0.IsEmpty ? zeros[..stepCell] : c0.Slice(index * stepCell, stepCell),
                            Output = destination,
                            InputGates = gates.Slice(copy * gatesLength, gatesLength),
                            StepGates = own[..(batch * columns)],
                            Cells = tape is null ? own.Slice(batch * columns, 2 * stepCell) : tape.Cells(index),
                            CellsRecorded = tape is not null,
                            Projections = tape is null ? own.Slice((batch * columns) + (2 * stepCell), stepCell) : tape.Projections(index),
                            Gather = own.Slice((batch * columns) + (3 * stepCell), stepState + stepCell),
                            Saved = tape is null ? default : tape.CellSaved(index),
                        };
                        Memory<float> directionCN = HasCellState ? cN.Slice(index * stepCell, stepCell) : default;
                        if (pair is not null)
                        {
                            pair.Set(direction, packed.Directions[index], buffers, directionHN, directionCN);
                        }
                        else
                        {
                            PackedRecurrentLayer.Run(
                                Cell, layout, packed.Directions[index], reverse: direction == 1, width, direction * state,
                                buffers, directionHN.Span, directionCN.Span, team);
                        }
                    }
                    else
                    {
                        DirectionWeights w = Weights[index];
                        ReferenceRecurrentLayer.Run(
                            layerInput.Span, seqLen, batch, layerInputSize, hidden,
                            w.WeightIh.AsReadOnlySpan(), w.WeightHh.AsReadOnlySpan(),
                            w.BiasIh is null ? default : w.BiasIh.AsReadOnlySpan(),
                            w.BiasHh is null ? default : w.BiasHh.AsReadOnlySpan(),
                            directionH0.Span, reverse: direction == 1, ((ElmanCellKernel)Cell).Nonlinearity,
                            destination.Span, width, direction * hidden, directionHN.Span,
                            gates.Span, reference.Span[..stepCell], reference.Span.Slice(stepCell, stepCell));
                    }
                }

                if (pair is not null)
                {
                    pair.RunBoth(team!);
                }

                if (!last && dropout)
                {
                    if (tape is null)
                    {
                        ApplyDropout(destination.Span, DropoutProbability);
                    }
                    else
                    {
                        // The next layer reads the dropped-out copy; the tape keeps the layer's own states and the mask.
                        Span<float> mask = tape.Mask(layer).Span;
                        FillDropoutMask(mask, DropoutProbability);
                        Memory<float> dropped = layerOut[..(rows * width)];
                        TensorPrimitives.Multiply(destination.Span, mask, dropped.Span);
                        destination = dropped;
                    }
                }

                layerInput = destination;
            }

            if (transpose)
            {
                ReadOnlySpan<float> top = tape is null ? outputT.Span : tape.Hidden(NumLayers - 1).Span;
                SwapFirstTwoDims(top, output.Span, seqLen, batch, width);
            }
            else if (tape is not null)
            {
                tape.Hidden(NumLayers - 1).Span.CopyTo(output.Span);
            }
        }
        finally
        {
            team?.Release();
            packed?.Release();
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// PyTorch's <c>at::dropout(x, p, train=true)</c> on the CPU, in place: a mask from <c>bernoulli_(1 − p)</c> on
    /// the global generator, scaled by <c>1 / (1 − p)</c>; all zeros when <c>p = 1</c>.
    /// </summary>
    private static void ApplyDropout(Span<float> values, double p)
    {
        if (p >= 1)
        {
            TensorPrimitives.Multiply(values, 0f, values); // PyTorch multiplies by zero (NaN stays NaN).
            return;
        }

        float[] mask = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            Span<float> m = mask.AsSpan(0, values.Length);
            FillDropoutMask(m, p);
            TensorPrimitives.Multiply(values, m, values);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(mask);
        }
    }

    /// <summary>
    /// PyTorch's dropout mask for <c>p &lt; 1</c>: <c>bernoulli_(1 − p)</c> on the global generator, divided by
    /// <c>1 − p</c>. <c>x ⊙ mask</c> is the dropout's forward and <c>g ⊙ mask</c> its backward.
    /// </summary>
    private static void FillDropoutMask(Span<float> mask, double p)
    {
        if (p >= 1)
        {
            mask.Clear(); // PyTorch multiplies by zero without drawing.
            return;
        }

        Torch.DefaultGenerator.FillBernoulli(mask, 1 - p);
        TensorPrimitives.Multiply(mask, 1f / (float)(1 - p), mask);
    }

    /// <summary>
    /// The two directions of one bidirectional layer as two chunks of one round, so that the caller and a helper each
    /// run one direction whole. Each direction computes exactly what it computes alone: the same bits.
    /// </summary>
    private sealed class DirectionPair : IChunkedWork
    {
        [ThreadStatic]
        private static DirectionPair? t_pair;

        private readonly PackedDirection?[] _weights = new PackedDirection?[2];
        private readonly LayerBuffers[] _buffers = new LayerBuffers[2];
        private readonly Memory<float>[] _hN = new Memory<float>[2];
        private readonly Memory<float>[] _cN = new Memory<float>[2];
        private RecurrentCellKernel? _cell;
        private StepLayout _layout;
        private int _width;
        private int _state;

        /// <summary>Makes this thread's instance, so that <see cref="For"/> never allocates.</summary>
        public static void Reserve() => t_pair ??= new DirectionPair();

        /// <summary>This thread's instance, set up for one layer.</summary>
        public static DirectionPair For(RecurrentCellKernel cell, StepLayout layout, int width, int state)
        {
            DirectionPair pair = t_pair ??= new DirectionPair();
            pair._cell = cell;
            pair._layout = layout;
            pair._width = width;
            pair._state = state;
            return pair;
        }

        public void Set(int direction, PackedDirection weights, in LayerBuffers buffers, Memory<float> hN, Memory<float> cN)
        {
            _weights[direction] = weights;
            _buffers[direction] = buffers;
            _hN[direction] = hN;
            _cN[direction] = cN;
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
                Array.Clear(_weights);
                Array.Clear(_buffers);
                Array.Clear(_hN);
                Array.Clear(_cN);
                _cell = null;
            }
        }

        public void Run(int chunk) => PackedRecurrentLayer.Run(
            _cell!, _layout, _weights[chunk]!, reverse: chunk == 1, _width, chunk * _state, _buffers[chunk],
            _hN[chunk].Span, _cN[chunk].Span, team: null);
    }

    /// <summary>Copies a <c>(A, B, C)</c> block into <c>(B, A, C)</c> order.</summary>
    internal static void SwapFirstTwoDims(ReadOnlySpan<float> source, Span<float> destination, int a, int b, int c)
    {
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                source.Slice(((i * b) + j) * c, c).CopyTo(destination.Slice(((j * a) + i) * c, c));
            }
        }
    }
}
