namespace RnnSharp.Kernels;

/// <summary>
/// One direction of one recurrent layer over a whole sequence on packed weights — the engine every recurrent
/// layer (RNN, LSTM, GRU) runs on, with the cell type's gate math supplied by a <see cref="RecurrentCellKernel"/>:
/// the input projection of all time steps as one GEMM; then per step one GEMM per gate block whose epilogue adds
/// <c>b_hh</c> (and, for cells that want it, the step's input projection: ATen's grouping), immediately followed,
/// on the same column chunk, by the cell's gate math; for an LSTM with <c>proj_size</c>, a second product by
/// <c>W_hr</c> per step.
/// </summary>
/// <remarks>
/// When every thread gets at least 8 batch rows, the layer is cut into blocks of batch rows, each run through every
/// step by one thread of a <see cref="HelperTeam"/>; otherwise each GEMM is cut into chunks — row blocks for the
/// projection, column panels (of hidden units) for a step — that the team spreads over threads. A chunk computes
/// whole output elements, so the split never changes a result. One instance per calling thread holds the call's
/// buffers while it runs; nothing is allocated once warm.
/// </remarks>
internal sealed partial class PackedRecurrentLayer : IChunkedWork
{
    /// <summary>Projection rows per chunk: a multiple of the GEMM's row block.</summary>
    private const int ProjectionRowsPerChunk = 144;

    /// <summary>
    /// The input projection is computed this many bytes of gates at a time (at least one step's), just before the
    /// steps that read them, instead of all steps up front: the gates are then read from cache, and the stream of
    /// projections never evicts <c>W_hh</c>, which every step reads whole, from the last-level cache.
    /// </summary>
    private const int ProjectionBytes = 1 << 20;

    /// <summary>
    /// Below this many FLOPs per time step (about 5 µs of one core), steps run on the calling thread alone: above it,
    /// a step split over two threads gained, the hand-off included (the small configs at two threads: LSTM 0.95 -> 0.69
    /// ms, RNN 0.28 -> 0.20 ms, measured).
    /// </summary>
    private const double ParallelStepFlops = 5e5;

    /// <summary>A layer whose whole input projection is below this many FLOPs (and each step below <see cref="ParallelStepFlops"/>) takes no helpers.</summary>
    private const double ParallelProjectionFlops = 32e6;

    /// <summary>Below this many FLOPs, one chunk of the input projection (see <see cref="ProjectionBytes"/>) runs on the calling thread alone.</summary>
    private const double ParallelProjectionChunkFlops = 4e6;

    /// <summary>A layer split by batch rows projects its input a group of <c>W_ih</c>'s column panels of at most this many bytes at a time (half the L2 of a Zen 4 core).</summary>
    private const int ProjectionGroupBytes = 512 << 10;

    /// <summary>The GEMM's widest row block: a layer split by batch rows gives each thread a multiple of it, and only when every thread gets one.</summary>
    private const int RowBlock = PackedGemm.BlockRows512;

    [ThreadStatic]
    private static PackedRecurrentLayer? t_instance;

    /// <summary>
    /// For tests: when positive, this thread's layers (forward and backward) are split by blocks of this many batch
    /// rows whatever their size and thread count, run one after another without helpers — the same bits as unsplit.
    /// </summary>
    [ThreadStatic]
    internal static int t_testRowBlock;

    private LayerBuffers _buffers;
    private PackedDirection? _weights;
    private RecurrentCellKernel? _cell;
    private StepLayout _layout;
    private int _batch;
    private int _outputWidth;
    private int _columnOffset;

    private Phase _phase;
    private Position _shared;

    /// <summary>
    /// Each row block's step position. A layer has at most one block per thread, so this is sized once, with the
    /// thread's instance: a thread that first gets helpers long after its first call still allocates nothing (only the
    /// tests' <see cref="t_testRowBlock"/> can ask for more).
    /// </summary>
    private Position[] _lanes = new Position[Environment.ProcessorCount];

    private bool _reverse;
    private int _projectionSteps;
    private int _panelsPerChunk;
    private int _rowsPerChunk;
    private int _projectionRows;
    private int _projectionPanelGroups;

    private PackedRecurrentLayer()
    {
    }

    private enum Phase
    {
        InputProjection,
        Step,
        OutputProjection,
        Rows,
    }

    /// <summary>
    /// Runs one direction of an Elman layer (see the other overload), keeping nothing for a backward.
    /// </summary>
    public static void Run(
        ReadOnlyMemory<float> input, int seqLen, int batch, PackedDirection weights, ReadOnlyMemory<float> h0,
        bool reverse, Nonlinearity nonlinearity, Memory<float> output, int outputWidth, int columnOffset,
        Span<float> hN, Memory<float> inputGates, HelperTeam? team) =>
        Run(
            ElmanCellKernel.For(nonlinearity), StepLayout.Dense(seqLen, batch), weights, reverse, outputWidth, columnOffset,
            new LayerBuffers { Input = input, H0 = h0, Output = output, InputGates = inputGates }, hN, default, team);

    /// <summary>
    /// Shapes (seq-first, contiguous; <c>G</c> gates, <c>H</c> hidden size, <c>P</c> state size — <c>proj_size</c> or
    /// <c>H</c>; <c>R</c> rows in <paramref name="layout"/>, <c>L·N</c> when dense): input <c>(R, I)</c>; h0
    /// <c>(N, P)</c>; c0 <c>(N, H)</c>; output <c>(R, W)</c> of which this direction writes columns
    /// <c>[columnOffset, columnOffset + P)</c>; hN <c>(N, P)</c>; cN <c>(N, H)</c>; scratch in
    /// <paramref name="buffers"/> (see <see cref="LayerBuffers"/>). Steps run from <c>t = L − 1</c> down when
    /// <paramref name="reverse"/> is set. With a variable-length layout each step multiplies only its own rows; a
    /// sequence's <c>h_n</c> (and <c>c_n</c>) is its state after its own last step, and the reverse direction starts
    /// each sequence from its own end, from h0 (as ATen's <c>ReversedPackedLayer</c>). <paramref name="team"/> may be
    /// <see langword="null"/> to run on the calling thread only. The input projection is computed
    /// <paramref name="projectionSteps"/> steps at a time (0: as many as fit <see cref="ProjectionBytes"/>; the
    /// buffer must hold that many steps' rows), which never changes a result.
    /// </summary>
    public static void Run(
        RecurrentCellKernel cell, StepLayout layout, PackedDirection weights, bool reverse, int outputWidth,
        int columnOffset, in LayerBuffers buffers, Span<float> hN, Span<float> cN, HelperTeam? team, int projectionSteps = 0)
    {
        PackedRecurrentLayer job = t_instance ??= new PackedRecurrentLayer();
        job._buffers = buffers;
        job._weights = weights;
        job._cell = cell;
        job._layout = layout;
        job._batch = layout.Batch;
        job._outputWidth = outputWidth;
        job._columnOffset = columnOffset;
        try
        {
            job.RunAll(reverse, hN, cN, team, projectionSteps > 0 ? projectionSteps : ProjectionSteps(layout.Steps, layout.Batch, weights.GateColumns));
        }
        finally
        {
            // Drop the references: the buffers go back to their pools after the call.
            job._buffers = default;
            job._weights = null;
            job._cell = null;
        }
    }

    /// <summary>
    /// Whether a layer of this size gains from helper threads: small calls never pay for a thread hand-off.
    /// <paramref name="gateColumns"/> is <c>G·H</c>.
    /// </summary>
    public static bool WantsHelpers(int seqLen, int batch, int inputSize, int hiddenSize, int gateColumns) =>
        2.0 * batch * gateColumns * hiddenSize >= ParallelStepFlops
        || 2.0 * seqLen * batch * gateColumns * inputSize >= ParallelProjectionFlops;

    /// <inheritdoc/>
    public void Run(int chunk)
    {
        switch (_phase)
        {
            case Phase.InputProjection:
                ProjectInput(chunk);
                break;
            case Phase.Step:
                StepPanels(chunk);
                break;
            case Phase.Rows:
                RunRows(chunk);
                break;
            default:
                ProjectOutput(chunk);
                break;
        }
    }

    /// <summary>
    /// Rows <c>[_projectionFirst, _projectionFirst + _projectionRows)</c> of the input, projected into the start of
    /// the gates buffer: chunk = row block × group of column panels (few rows still give every thread work).
    /// </summary>
    private void ProjectInput(int chunk)
    {
        PackedDirection w = _weights!;
        int columns = w.GateColumns;
        int block = chunk / _projectionPanelGroups, group = chunk % _projectionPanelGroups;
        int first = block * ProjectionRowsPerChunk;
        int count = Math.Min(ProjectionRowsPerChunk, _projectionRows - first);
        int panels = PackedGemm.Panels(columns), perGroup = (panels + _projectionPanelGroups - 1) / _projectionPanelGroups;
        PackedGemm.Multiply(
            _buffers.Input.Span[((_shared.ProjectionFirst + first) * w.InputSize)..], w.InputSize, w.WeightIh, w.BiasIh, default, 0,
            _buffers.InputGates.Span[(first * columns)..], columns, count, columns, w.InputSize,
            group * perGroup, (group + 1) * perGroup);
    }

    /// <summary>
    /// The steps whose input projection is computed together: as many as fit <see cref="ProjectionBytes"/> (at least
    /// one), or all of them. The gates buffer holds <see cref="InputGatesRows"/> rows.
    /// </summary>
    private static int ProjectionSteps(int steps, int batch, int columns) =>
        Math.Clamp(ProjectionBytes / Math.Max(1, batch * columns * sizeof(float)), 1, Math.Max(1, steps));

    /// <summary>The rows of input projection a layer's gates buffer (<see cref="LayerBuffers.InputGates"/>) must hold.</summary>
    public static int InputGatesRows(StepLayout layout, int columns) =>
        Math.Min(layout.Rows, ProjectionSteps(layout.Steps, layout.Batch, columns) * layout.Batch);

    /// <summary>Projects the input rows of run steps <c>[first, end)</c> (steps taken in reverse when <paramref name="reverse"/>).</summary>
    private void Project(int first, int end, bool reverse, HelperTeam? team)
    {
        int steps = _layout.Steps;
        int rowStart = _layout.Offset(reverse ? steps - end : first), rowEnd = _layout.Offset(reverse ? steps - first : end);
        _shared.ProjectionFirst = rowStart;
        _projectionRows = rowEnd - rowStart;
        if (_projectionRows == 0)
        {
            return;
        }

        int blocks = (_projectionRows + ProjectionRowsPerChunk - 1) / ProjectionRowsPerChunk;
        int threads = team is null ? 1 : team.Helpers + 1;
        bool parallel = team is not null
            && 2.0 * _projectionRows * _weights!.GateColumns * _weights.InputSize >= ParallelProjectionChunkFlops;
        _projectionPanelGroups = parallel ? Math.Clamp((4 * threads) / blocks, 1, PackedGemm.Panels(_weights!.GateColumns)) : 1;
        _phase = Phase.InputProjection;
        Execute(parallel ? team : null, blocks * _projectionPanelGroups);
    }

    /// <summary>A chunk of one step's round: a range of column panels (hidden units) over every row.</summary>
    private void StepPanels(int chunk)
    {
        int panelStart = chunk * _panelsPerChunk;
        Step(ref _shared, 0, _shared.Rows, panelStart, Math.Min(panelStart + _panelsPerChunk, PackedGemm.Panels(_weights!.HiddenSize)));
    }

    /// <summary>
    /// Rows <c>[first, first + batch)</c> of step <paramref name="p"/>, hidden units of column panels
    /// <c>[panelStart, panelEnd)</c>: the step's product, then the cell's gate math on the same units.
    /// </summary>
    private void Step(ref Position p, int first, int batch, int panelStart, int panelEnd)
    {
        PackedDirection w = _weights!;
        RecurrentCellKernel cell = _cell!;
        int hidden = w.HiddenSize, state = w.StateSize, columns = w.GateColumns, savedWidth = cell.SavedWidth(hidden);
        ref readonly LayerBuffers b = ref _buffers;
        ReadOnlySpan<float> previous = PreviousState(ref p, out int previousStride)[(first * previousStride)..];
        int offset = _layout.Offset(p.Step) + first;
        Span<float> output = b.Output.Span[((offset * _outputWidth) + _columnOffset)..];
        Span<float> inputGates = b.InputGates.Span.Slice((offset - p.ProjectionFirst) * columns, batch * columns);
        Span<float> gates = cell.ProductIsOutput ? output : b.StepGates.Span.Slice(first * columns, batch * columns);
        int gatesStride = cell.ProductIsOutput ? _outputWidth : columns;
        ReadOnlySpan<float> addend = cell.AddsInputInProduct ? inputGates : default;
        if (w.WeightHhWhole.Length > 0)
        {
            // H under one panel: one product covers every gate.
            PackedGemm.Multiply(previous, previousStride, w.WeightHhWhole, w.BiasHh, addend, columns, gates, gatesStride, batch, columns, state);
        }
        else
        {
            int packedGate = PackedGemm.PackedLength(hidden, state);
            int panelLength = state * PackedGemm.PanelWidth;
            for (int g = 0; g < cell.Gates; g++)
            {
                // The next gate's first panel is fetched while this gate's last one runs.
                PackedGemm.Multiply(
                    previous, previousStride, w.WeightHh.AsSpan(g * packedGate, packedGate),
                    w.BiasHh.Length == 0 ? default : w.BiasHh.AsSpan(g * hidden, hidden),
                    addend.IsEmpty ? default : addend[(g * hidden)..], columns,
                    gates[(g * hidden)..], gatesStride, batch, hidden, state, panelStart, panelEnd,
                    following: g + 1 < cell.Gates ? w.WeightHh.AsSpan(((g + 1) * packedGate) + (panelStart * panelLength), panelLength) : default);
            }
        }

        bool projects = w.WeightHr.Length > 0;
        int unitStart = panelStart * PackedGemm.PanelWidth;
        int unitEnd = Math.Min(panelEnd * PackedGemm.PanelWidth, hidden);
        cell.Forward(
            new CellForward
            {
                Gates = gates,
                InputGates = inputGates,
                HPrevious = previous,
                HPreviousStride = previousStride,
                CPrevious = cell.HasCellState ? PreviousCellState(ref p)[(first * hidden)..] : default,
                C = cell.HasCellState ? CellState(p.Step, p.Index)[(first * hidden)..] : default,
                H = projects ? Projection(p.Step)[(first * hidden)..] : output,
                HStride = projects ? hidden : _outputWidth,
                Saved = b.Saved.IsEmpty ? default : b.Saved.Span.Slice(offset * savedWidth, batch * savedWidth),
                Batch = batch,
                Hidden = hidden,
            },
            unitStart,
            unitEnd);
    }

    private void ProjectOutput(int chunk)
    {
        // h_t = m_t · W_hrᵀ, no bias (ATen's matmul_hr).
        ProjectOutput(ref _shared, 0, _shared.Rows);
    }

    /// <summary>Rows <c>[first, first + count)</c> of step <paramref name="p"/>'s <c>h_t = m_t · W_hrᵀ</c>.</summary>
    private void ProjectOutput(ref Position p, int first, int count)
    {
        PackedDirection w = _weights!;
        PackedGemm.Multiply(
            Projection(p.Step)[(first * w.HiddenSize)..], w.HiddenSize, w.WeightHr, default, default, 0,
            _buffers.Output.Span[(((_layout.Offset(p.Step) + first) * _outputWidth) + _columnOffset)..], _outputWidth,
            count, w.StateSize, w.HiddenSize);
    }

    /// <summary>
    /// <c>c_t</c> of step <paramref name="t"/> (the <paramref name="index"/>-th step run): in the tape when recording,
    /// else in one of two alternating buffers.
    /// </summary>
    private Span<float> CellState(int t, int index)
    {
        int hidden = _weights!.HiddenSize, size = _layout.BatchAt(t) * hidden;
        ref readonly LayerBuffers b = ref _buffers;
        return b.CellsRecorded ? b.Cells.Span.Slice(_layout.Offset(t) * hidden, size) : b.Cells.Span.Slice((index & 1) * _batch * hidden, size);
    }

    /// <summary>
    /// <c>h_(t−1)</c> of this step's rows and its row stride: the previous step's output, h0 (zeros when the caller
    /// gave none) before the first step, or — when a reverse variable-length step starts sequences — the rows
    /// <see cref="GatherPrevious"/> put together.
    /// </summary>
    private ReadOnlySpan<float> PreviousState(ref Position p, out int stride)
    {
        ref readonly LayerBuffers b = ref _buffers;
        stride = p.Carried == p.Rows ? _outputWidth : _weights!.StateSize;
        return p.Carried == 0 ? b.H0.Span
            : p.Carried < p.Rows ? b.Gather.Span
            : b.Output.Span[((_layout.Offset(p.Previous) * _outputWidth) + _columnOffset)..];
    }

    /// <summary><c>c_(t−1)</c> of this step's rows, from the same places as <see cref="PreviousState"/>.</summary>
    private ReadOnlySpan<float> PreviousCellState(ref Position p)
    {
        int hidden = _weights!.HiddenSize, size = p.Rows * hidden;
        ref readonly LayerBuffers b = ref _buffers;
        return p.Carried == 0 ? b.C0.Span[..size]
            : p.Carried < p.Rows ? b.Gather.Span.Slice(_batch * _weights.StateSize, size)
            : CellState(p.Previous, p.Index - 1)[..size];
    }

    /// <summary>
    /// A reverse variable-length step runs more sequences than the step after it: their first <c>carried</c> rows
    /// continue from that step, the rest start from h0 (and c0). Copies rows <c>[first, end)</c> of both into one
    /// block, before the step's chunks that read them run.
    /// </summary>
    private void GatherPrevious(ref Position p, int first, int end)
    {
        PackedDirection w = _weights!;
        int state = w.StateSize, hidden = w.HiddenSize, carried = Math.Clamp(p.Carried, first, end);
        ref readonly LayerBuffers b = ref _buffers;
        Span<float> h = b.Gather.Span[..(p.Rows * state)];
        ReadOnlySpan<float> output = b.Output.Span[((_layout.Offset(p.Previous) * _outputWidth) + _columnOffset)..];
        for (int n = first; n < carried; n++)
        {
            output.Slice(n * _outputWidth, state).CopyTo(h.Slice(n * state, state));
        }

        b.H0.Span[(carried * state)..(end * state)].CopyTo(h[(carried * state)..]);
        if (_cell!.HasCellState)
        {
            Span<float> c = b.Gather.Span.Slice(_batch * state, p.Rows * hidden);
            CellState(p.Previous, p.Index - 1)[(first * hidden)..(carried * hidden)].CopyTo(c[(first * hidden)..]);
            b.C0.Span[(carried * hidden)..(end * hidden)].CopyTo(c[(carried * hidden)..]);
        }
    }

    /// <summary>The LSTM's <c>m_t = o ⊙ tanh(c_t)</c> before the projection: in the tape when recording, else one buffer.</summary>
    private Span<float> Projection(int t)
    {
        int hidden = _weights!.HiddenSize, size = _layout.BatchAt(t) * hidden;
        ref readonly LayerBuffers b = ref _buffers;
        return b.CellsRecorded ? b.Projections.Span.Slice(_layout.Offset(t) * hidden, size) : b.Projections.Span[..size];
    }

    private void RunAll(bool reverse, Span<float> hN, Span<float> cN, HelperTeam? team, int projectionSteps)
    {
        PackedDirection w = _weights!;
        int hidden = w.HiddenSize, state = w.StateSize, steps = _layout.Steps;
        int panels = PackedGemm.Panels(hidden);
        double stepFlops = 2.0 * _batch * w.GateColumns * state;
        bool parallelSteps = team is not null && stepFlops >= ParallelStepFlops;
        int stepChunksWanted = parallelSteps ? HelperTeam.ChunksFor(stepFlops, team!.Helpers + 1) : 1;
        int stepPanelsPerChunk = (panels + stepChunksWanted - 1) / stepChunksWanted;
        int stepChunks = (panels + stepPanelsPerChunk - 1) / stepPanelsPerChunk;
        int threads = team is null ? 1 : team.Helpers + 1;
        int outputPanels = PackedGemm.Panels(state);
        bool projects = w.WeightHr.Length > 0;

        // With at least a kernel row block (8 rows) per thread, the layer is split by batch rows: sequences never
        // meet in a recurrent layer, so each thread runs its own rows through every step — their projection, product,
        // gate math — with no hand-off between steps, and no state crosses between cores. Every thread reads all of
        // W_hh, which costs less than the exchange. The threads move through the steps at their own pace, each
        // projecting its rows a chunk of steps at a time into the shared gates buffer. A dense layout puts row r of
        // every step at a multiple of N plus r, so the blocks never share a slot; a variable layout (a packed sequence)
        // puts a step's rows at its offset, and a block in one chunk would overwrite another's rows still in the
        // previous chunk: it is split by rows only when one chunk covers every step. (Chunks of one step would also
        // keep the rows apart, but a packed batch's blocks balance poorly — its sequences are sorted by length, so the
        // first block runs the most steps: LSTM large packed at two threads took 747 ms cut by rows, 514 ms by units.)
        bool rowsStayApart = !_layout.IsVariable || projectionSteps >= steps;
        if ((parallelSteps && _batch >= RowBlock * threads && rowsStayApart) || t_testRowBlock > 0)
        {
            _reverse = reverse;
            _projectionSteps = projectionSteps;
            _rowsPerChunk = t_testRowBlock > 0 ? t_testRowBlock : RowsPerChunk(_batch, threads);
            int chunks = (_batch + _rowsPerChunk - 1) / _rowsPerChunk;
            if (_lanes.Length < chunks)
            {
                _lanes = new Position[chunks];
            }

            _phase = Phase.Rows;
            Execute(team, chunks);
        }
        else
        {
            _shared.Previous = -1;
            for (int s = 0; s < steps; s++)
            {
                if (s % projectionSteps == 0)
                {
                    Project(s, Math.Min(steps, s + projectionSteps), reverse, team);
                }

                Advance(ref _shared, s, reverse);
                if (_shared.Carried > 0 && _shared.Carried < _shared.Rows)
                {
                    GatherPrevious(ref _shared, 0, _shared.Rows);
                }

                _phase = Phase.Step;
                _panelsPerChunk = stepPanelsPerChunk;
                Execute(parallelSteps ? team : null, stepChunks);
                if (projects)
                {
                    _phase = Phase.OutputProjection;
                    _panelsPerChunk = outputPanels;
                    Execute(null, 1);
                }

                _shared.Previous = _shared.Step;
            }
        }

        // Each sequence's final state is its state after its own last step: forwards, rows
        // [BatchAt(t + 1), BatchAt(t)) end at step t (every row at the last step when dense); backwards, step 0.
        ReadOnlySpan<float> output = _buffers.Output.Span;
        for (int t = reverse ? 0 : steps - 1; t >= 0; t--)
        {
            int first = reverse ? 0 : _layout.BatchAt(t + 1), end = _layout.BatchAt(t);
            int offset = _layout.Offset(t);
            for (int n = first; n < end; n++)
            {
                output.Slice(((offset + n) * _outputWidth) + _columnOffset, state).CopyTo(hN.Slice(n * state, state));
            }

            if (!cN.IsEmpty && end > first)
            {
                CellState(t, reverse ? steps - 1 : t)[(first * hidden)..].CopyTo(cN[(first * hidden)..(end * hidden)]);
            }

            if (reverse || !_layout.IsVariable)
            {
                break;
            }
        }
    }

    /// <summary>Batch rows per block of a layer split by rows over <paramref name="threads"/>: whole row blocks of the GEMM.</summary>
    private static int RowsPerChunk(int batch, int threads) => ((((batch + threads - 1) / threads) + RowBlock - 1) / RowBlock) * RowBlock;

    /// <summary>Moves <paramref name="p"/> to the <paramref name="s"/>-th step run.</summary>
    private void Advance(ref Position p, int s, bool reverse)
    {
        p.Step = reverse ? _layout.Steps - 1 - s : s;
        p.Index = s;
        p.Rows = _layout.BatchAt(p.Step);
        p.Carried = s == 0 ? 0 : Math.Min(p.Rows, _layout.BatchAt(p.Previous));
    }

    /// <summary>Batch rows <c>[chunk · R, chunk · R + R)</c> (R = <see cref="_rowsPerChunk"/>) through every step of the layer.</summary>
    private void RunRows(int chunk)
    {
        int first = chunk * _rowsPerChunk, end = Math.Min(first + _rowsPerChunk, _batch), steps = _layout.Steps;
        bool projects = _weights!.WeightHr.Length > 0;
        ref Position p = ref _lanes[chunk];
        p.Previous = -1;
        for (int s = 0; s < steps; s++)
        {
            if (s % _projectionSteps == 0)
            {
                ProjectRows(ref p, s, Math.Min(steps, s + _projectionSteps), first, end);
            }

            Advance(ref p, s, _reverse);
            int rowEnd = Math.Min(end, p.Rows);
            if (rowEnd > first)
            {
                if (p.Carried > 0 && p.Carried < p.Rows)
                {
                    GatherPrevious(ref p, first, rowEnd);
                }

                Step(ref p, first, rowEnd - first, 0, PackedGemm.Panels(_weights.HiddenSize));
                if (projects)
                {
                    ProjectOutput(ref p, first, rowEnd - first);
                }
            }

            p.Previous = p.Step;
        }
    }

    /// <summary>
    /// The input projection of batch rows <c>[first, end)</c> of run steps <c>[from, to)</c>: one product per step
    /// and group of column panels, the steps inside, so that a group of <c>W_ih</c> (up to <see cref="ProjectionGroupBytes"/>)
    /// is read from memory once for all the steps.
    /// </summary>
    private void ProjectRows(ref Position p, int from, int to, int first, int end)
    {
        PackedDirection w = _weights!;
        int steps = _layout.Steps, columns = w.GateColumns, panels = PackedGemm.Panels(columns);
        int group = Math.Max(1, ProjectionGroupBytes / (PackedGemm.PanelWidth * Math.Max(1, w.InputSize) * sizeof(float)));
        p.ProjectionFirst = _layout.Offset(_reverse ? steps - to : from);
        for (int panel = 0; panel < panels; panel += group)
        {
            for (int s = from; s < to; s++)
            {
                int t = _reverse ? steps - 1 - s : s;
                int rows = Math.Min(end, _layout.BatchAt(t)) - first;
                if (rows > 0)
                {
                    int row = _layout.Offset(t) + first;
                    PackedGemm.Multiply(
                        _buffers.Input.Span[(row * w.InputSize)..], w.InputSize, w.WeightIh, w.BiasIh, default, 0,
                        _buffers.InputGates.Span[((row - p.ProjectionFirst) * columns)..], columns, rows, columns, w.InputSize,
                        panel, Math.Min(panels, panel + group));
                }
            }
        }
    }

    private void Execute(HelperTeam? team, int chunks)
    {
        if (team is null || chunks == 1)
        {
            HelperTeam.RunInline(this, chunks);
        }
        else
        {
            team.Run(this, chunks);
        }
    }

    /// <summary>Where a run of steps is: the step, how many rows it runs and where their previous states are.</summary>
    private struct Position
    {
        /// <summary>The step <c>t</c>.</summary>
        public int Step;

        /// <summary>How many steps ran before it.</summary>
        public int Index;

        /// <summary>The rows step <see cref="Step"/> runs.</summary>
        public int Rows;

        /// <summary>How many of them continue from the step before (the rest start from h0).</summary>
        public int Carried;

        /// <summary>The step run before, or −1.</summary>
        public int Previous;

        /// <summary>The layout row whose input projection is at the start of the gates buffer.</summary>
        public int ProjectionFirst;
    }
}

/// <summary>
/// The buffers of one <see cref="PackedRecurrentLayer.Run(RecurrentCellKernel, StepLayout, PackedDirection, bool, int, int, in LayerBuffers, Span{float}, Span{float}, HelperTeam?, int)"/>
/// call (<c>L</c> steps, <c>N</c> batch, <c>G·H</c> gate columns, <c>S</c> the cell's saved width).
/// </summary>
internal readonly struct LayerBuffers
{
    /// <summary>The layer's input <c>(L, N, I)</c>.</summary>
    public ReadOnlyMemory<float> Input { get; init; }

    /// <summary><c>h0</c> <c>(N, P)</c>: zeros when the caller gave none.</summary>
    public ReadOnlyMemory<float> H0 { get; init; }

    /// <summary><c>c0</c> <c>(N, H)</c> (LSTM): zeros when the caller gave none.</summary>
    public ReadOnlyMemory<float> C0 { get; init; }

    /// <summary>The output <c>(L, N, W)</c>.</summary>
    public Memory<float> Output { get; init; }

    /// <summary>Scratch for the input projection, <see cref="PackedRecurrentLayer.InputGatesRows"/> rows of <c>G·H</c> (at most <c>(L, N, G·H)</c>).</summary>
    public Memory<float> InputGates { get; init; }

    /// <summary>Scratch for one step's product, <c>(N, G·H)</c> (unused by Elman cells).</summary>
    public Memory<float> StepGates { get; init; }

    /// <summary>
    /// Scratch for a variable-length layout's reverse steps, <c>N·P + N·H</c>: <c>h_(t−1)</c> (and <c>c_(t−1)</c>) of
    /// a step that starts sequences (see <see cref="StepLayout"/>). Unused when dense.
    /// </summary>
    public Memory<float> Gather { get; init; }

    /// <summary>
    /// The cell states (LSTM): <c>(L, N, H)</c>, every step's <c>c_t</c> kept, when <see cref="CellsRecorded"/>;
    /// else <c>(2, N, H)</c>, two alternating buffers.
    /// </summary>
    public Memory<float> Cells { get; init; }

    /// <summary>Whether <see cref="Cells"/> and <see cref="Projections"/> hold every step (recording for a backward).</summary>
    public bool CellsRecorded { get; init; }

    /// <summary>LSTM with projection: <c>m_t</c> before <c>W_hr</c>, <c>(L, N, H)</c> when recorded, else <c>(N, H)</c>.</summary>
    public Memory<float> Projections { get; init; }

    /// <summary>What the cell keeps for the backward, <c>(L, N, S)</c>, or empty when not recording.</summary>
    public Memory<float> Saved { get; init; }
}
