namespace RnnSharp.Kernels;

/// <summary>
/// One direction of one recurrent layer over a whole sequence on packed weights: the input projection of all
/// time steps as one GEMM, then per step one GEMM whose epilogue adds <c>b_hh</c> and the step's input
/// projection (ATen's grouping) and writes straight into the output, followed by the activation in place.
/// </summary>
/// <remarks>
/// Each GEMM is cut into chunks — row blocks for the projection, column panels for a step — that a
/// <see cref="HelperTeam"/> spreads over threads. A chunk computes whole output elements, so the split never
/// changes a result. One instance per calling thread holds the call's buffers while it runs; nothing is allocated.
/// </remarks>
internal sealed partial class PackedRecurrentLayer : IChunkedWork
{
    /// <summary>Projection rows per chunk: a multiple of the GEMM's row block.</summary>
    private const int ProjectionRowsPerChunk = 144;

    /// <summary>Below this many FLOPs per time step (about 25 µs of one core), steps run on the calling thread alone.</summary>
    private const double ParallelStepFlops = 4e6;

    /// <summary>Below this many FLOPs of input projection, it runs on the calling thread alone.</summary>
    private const double ParallelProjectionFlops = 32e6;

    [ThreadStatic]
    private static PackedRecurrentLayer? t_instance;

    private ReadOnlyMemory<float> _input;
    private ReadOnlyMemory<float> _h0;
    private Memory<float> _output;
    private Memory<float> _gates;
    private PackedDirection? _weights;
    private Nonlinearity _nonlinearity;
    private int _seqLen;
    private int _batch;
    private int _outputWidth;
    private int _columnOffset;

    private bool _projection;
    private int _step;
    private int _previous;
    private int _panelsPerChunk;

    private PackedRecurrentLayer()
    {
    }

    /// <summary>
    /// Shapes (seq-first, contiguous): input <c>(L, N, I)</c>; h0 <c>(N, H)</c>; output <c>(L, N, W)</c> of which
    /// this direction writes columns <c>[columnOffset, columnOffset + H)</c>; hN <c>(N, H)</c>; inputGates scratch
    /// <c>(L, N, H)</c>. Steps run from <c>t = L − 1</c> down when <paramref name="reverse"/> is set.
    /// <paramref name="team"/> may be <see langword="null"/> to run on the calling thread only.
    /// </summary>
    public static void Run(
        ReadOnlyMemory<float> input, int seqLen, int batch, PackedDirection weights, ReadOnlyMemory<float> h0,
        bool reverse, Nonlinearity nonlinearity, Memory<float> output, int outputWidth, int columnOffset,
        Span<float> hN, Memory<float> inputGates, HelperTeam? team)
    {
        PackedRecurrentLayer job = t_instance ??= new PackedRecurrentLayer();
        job._input = input;
        job._h0 = h0;
        job._output = output;
        job._gates = inputGates;
        job._weights = weights;
        job._nonlinearity = nonlinearity;
        job._seqLen = seqLen;
        job._batch = batch;
        job._outputWidth = outputWidth;
        job._columnOffset = columnOffset;
        try
        {
            job.RunAll(reverse, hN, team);
        }
        finally
        {
            // Drop the references: the buffers go back to their pools after the call.
            job._input = default;
            job._h0 = default;
            job._output = default;
            job._gates = default;
            job._weights = null;
        }
    }

    /// <summary>
    /// Whether a layer of this size gains from helper threads: small calls never pay for a thread hand-off.
    /// </summary>
    public static bool WantsHelpers(int seqLen, int batch, int inputSize, int hiddenSize) =>
        2.0 * batch * hiddenSize * hiddenSize >= ParallelStepFlops
        || 2.0 * seqLen * batch * hiddenSize * inputSize >= ParallelProjectionFlops;

    /// <inheritdoc/>
    public void Run(int chunk)
    {
        PackedDirection w = _weights!;
        int hidden = w.HiddenSize;
        if (_projection)
        {
            int rows = _seqLen * _batch;
            int first = chunk * ProjectionRowsPerChunk;
            int count = Math.Min(ProjectionRowsPerChunk, rows - first);
            PackedGemm.Multiply(
                _input.Span[(first * w.InputSize)..], w.InputSize, w.WeightIh, w.BiasIh, default, 0,
                _gates.Span[(first * hidden)..], hidden, count, hidden, w.InputSize);
            return;
        }

        int stepStride = _batch * _outputWidth;
        int panelStart = chunk * _panelsPerChunk;
        int panelEnd = Math.Min(panelStart + _panelsPerChunk, PackedGemm.Panels(hidden));
        Span<float> destination = _output.Span[((_step * stepStride) + _columnOffset)..];
        ReadOnlySpan<float> previous = _previous < 0 ? _h0.Span : _output.Span[((_previous * stepStride) + _columnOffset)..];
        PackedGemm.Multiply(
            previous, _previous < 0 ? hidden : _outputWidth, w.WeightHh, w.BiasHh,
            _gates.Span.Slice(_step * _batch * hidden, _batch * hidden), hidden,
            destination, _outputWidth, _batch, hidden, hidden, panelStart, panelEnd);

        int columnStart = panelStart * PackedGemm.PanelWidth;
        int columns = Math.Min(panelEnd * PackedGemm.PanelWidth, hidden) - columnStart;
        for (int n = 0; n < _batch; n++)
        {
            RnnCellKernel.Activate(destination.Slice((n * _outputWidth) + columnStart, columns), _nonlinearity);
        }
    }

    private void RunAll(bool reverse, Span<float> hN, HelperTeam? team)
    {
        int hidden = _weights!.HiddenSize;
        int rows = _seqLen * _batch;
        _projection = true;
        Execute(team, (rows + ProjectionRowsPerChunk - 1) / ProjectionRowsPerChunk);
        _projection = false;

        int panels = PackedGemm.Panels(hidden);
        bool parallelSteps = team is not null && 2.0 * _batch * hidden * hidden >= ParallelStepFlops;
        _panelsPerChunk = parallelSteps ? Math.Max(1, panels / (4 * (team!.Helpers + 1))) : panels;
        int chunks = (panels + _panelsPerChunk - 1) / _panelsPerChunk;
        _previous = -1;
        for (int s = 0; s < _seqLen; s++)
        {
            _step = reverse ? _seqLen - 1 - s : s;
            Execute(parallelSteps ? team : null, chunks);
            _previous = _step;
        }

        int stepStride = _batch * _outputWidth;
        ReadOnlySpan<float> output = _output.Span;
        for (int n = 0; n < _batch; n++)
        {
            output.Slice((_previous * stepStride) + (n * _outputWidth) + _columnOffset, hidden).CopyTo(hN.Slice(n * hidden, hidden));
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
}
