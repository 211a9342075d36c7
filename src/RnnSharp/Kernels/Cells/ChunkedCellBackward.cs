namespace RnnSharp.Kernels;

/// <summary>
/// One time step's <see cref="RecurrentCellKernel.Backward"/> cut into blocks of whole batch rows that a
/// <see cref="HelperTeam"/> shares (the caller takes part). Rows are independent and each is computed by the same
/// loops over its units as when the cell runs alone, so results do not depend on the thread count. Used by a backward
/// whose batch is too small to give every thread 8 rows of its own (see <see cref="PackedRecurrentLayer"/>): a larger
/// one takes each thread's rows through every step without a round per step.
/// </summary>
internal sealed class ChunkedCellBackward : IChunkedWork
{
    /// <summary>
    /// Below this many units (rows × hidden size) a step's cell backward runs on the calling thread alone: an LSTM
    /// step of 16 × 128 units takes about 9 µs of one core, against about a microsecond for a round of the team.
    /// </summary>
    private const int ParallelUnits = 2048;

    [ThreadStatic]
    private static ChunkedCellBackward? t_instance;

    private RecurrentCellKernel? _cell;
    private CellBackwardBuffers _buffers;
    private int _rowsPerChunk;

    private ChunkedCellBackward()
    {
    }

    /// <summary>
    /// Runs <paramref name="cell"/>'s backward over every row of <paramref name="buffers"/>, split over
    /// <paramref name="team"/> when the step is large enough (the caller's thread alone when it is <see langword="null"/>).
    /// </summary>
    public static void Run(RecurrentCellKernel cell, in CellBackwardBuffers buffers, HelperTeam? team)
    {
        int threads = team is null ? 1 : team.Helpers + 1;
        if (threads == 1 || buffers.Batch < 2 || (long)buffers.Batch * buffers.Hidden < ParallelUnits)
        {
            cell.Backward(buffers.Rows(cell, 0, buffers.Batch));
            return;
        }

        ChunkedCellBackward job = t_instance ??= new ChunkedCellBackward();
        job._cell = cell;
        job._buffers = buffers;
        int chunks = Math.Min(buffers.Batch, 2 * threads);
        job._rowsPerChunk = (buffers.Batch + chunks - 1) / chunks;
        try
        {
            team!.Run(job, (buffers.Batch + job._rowsPerChunk - 1) / job._rowsPerChunk);
        }
        finally
        {
            job._cell = null;
            job._buffers = default;
        }
    }

    /// <inheritdoc/>
    public void Run(int chunk)
    {
        int first = chunk * _rowsPerChunk;
        _cell!.Backward(_buffers.Rows(_cell, first, Math.Min(_rowsPerChunk, _buffers.Batch - first)));
    }
}

/// <summary>
/// The buffers of one step's <see cref="CellBackward"/> (see there) as memory, so that helper threads can take rows
/// of them: <see cref="Rows"/> gives the view of a block of rows.
/// </summary>
internal readonly struct CellBackwardBuffers
{
    /// <summary><c>(N, H)</c>.</summary>
    public ReadOnlyMemory<float> GradH { get; init; }

    /// <summary><c>(N, H)</c>, in and out.</summary>
    public Memory<float> GradC { get; init; }

    /// <summary><c>h_t</c>, rows <see cref="HStride"/> apart.</summary>
    public ReadOnlyMemory<float> H { get; init; }

    /// <summary>The row stride of <see cref="H"/>.</summary>
    public int HStride { get; init; }

    /// <summary><c>h_(t−1)</c>, rows <see cref="HPreviousStride"/> apart; empty for zeros.</summary>
    public ReadOnlyMemory<float> HPrevious { get; init; }

    /// <summary>The row stride of <see cref="HPrevious"/>.</summary>
    public int HPreviousStride { get; init; }

    /// <summary><c>c_(t−1)</c> <c>(N, H)</c>; empty for zeros.</summary>
    public ReadOnlyMemory<float> CPrevious { get; init; }

    /// <summary><c>c_t</c> <c>(N, H)</c>.</summary>
    public ReadOnlyMemory<float> C { get; init; }

    /// <summary><c>(N, S)</c>.</summary>
    public ReadOnlyMemory<float> Saved { get; init; }

    /// <summary><c>(N, G·H)</c>.</summary>
    public Memory<float> GradInputGates { get; init; }

    /// <summary><c>(N, G·H)</c> or empty.</summary>
    public Memory<float> GradHiddenGates { get; init; }

    /// <summary><c>(N, H)</c> or empty.</summary>
    public Memory<float> GradHPreviousDirect { get; init; }

    /// <summary><c>N</c>.</summary>
    public int Batch { get; init; }

    /// <summary><c>H</c>.</summary>
    public int Hidden { get; init; }

    /// <summary>Rows <c>[first, first + count)</c> of every buffer, as the cell reads them.</summary>
    public CellBackward Rows(RecurrentCellKernel cell, int first, int count)
    {
        int hidden = Hidden, columns = cell.Gates * hidden, saved = cell.SavedWidth(hidden);
        return new CellBackward
        {
            GradH = Block(GradH, hidden, first, count),
            GradC = Block(GradC, hidden, first, count),
            H = Strided(H, HStride, first),
            HStride = HStride,
            HPrevious = Strided(HPrevious, HPreviousStride, first),
            HPreviousStride = HPreviousStride,
            CPrevious = Block(CPrevious, hidden, first, count),
            C = Block(C, hidden, first, count),
            Saved = Block(Saved, saved, first, count),
            GradInputGates = Block(GradInputGates, columns, first, count),
            GradHiddenGates = Block(GradHiddenGates, columns, first, count),
            GradHPreviousDirect = Block(GradHPreviousDirect, hidden, first, count),
            Batch = count,
            Hidden = hidden,
        };
    }

    private static ReadOnlySpan<float> Block(ReadOnlyMemory<float> buffer, int width, int first, int count) =>
        buffer.IsEmpty ? default : buffer.Span.Slice(first * width, count * width);

    private static Span<float> Block(Memory<float> buffer, int width, int first, int count) =>
        buffer.IsEmpty ? default : buffer.Span.Slice(first * width, count * width);

    private static ReadOnlySpan<float> Strided(ReadOnlyMemory<float> buffer, int stride, int first) =>
        buffer.IsEmpty ? default : buffer.Span[(first * stride)..];
}
