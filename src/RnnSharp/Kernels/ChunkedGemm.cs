using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnSharp.Kernels;

/// <summary>
/// The large, step-independent pieces of a backward pass spread over a <see cref="HelperTeam"/>: a
/// <see cref="PackedGemm.Multiply"/> cut into row blocks or column panels of its output, a transpose, and a sum
/// over rows. Every chunk computes whole output elements with the single-threaded arithmetic, so results are
/// bit-identical for any thread count. One instance per calling thread; nothing is allocated.
/// </summary>
internal sealed class ChunkedGemm : IChunkedWork
{
    /// <summary>
    /// Below this many FLOPs (about 5 µs of one core) a product runs on the calling thread alone: above it, splitting
    /// over two threads gained (an LSTM small training step at two threads: 3.0 -> 2.3 ms, measured).
    /// </summary>
    private const double ParallelFlops = 5e5;

    /// <summary>Rows of a tile of the blocked transpose.</summary>
    private const int TransposeTile = 32;

    /// <summary>Columns per chunk of the sum over rows.</summary>
    private const int SumColumns = 64;

    [ThreadStatic]
    private static ChunkedGemm? t_instance;

    private Mode _mode;
    private ReadOnlyMemory<float> _a;
    private ReadOnlyMemory<float> _packed;
    private ReadOnlyMemory<float> _addend;
    private Memory<float> _c;
    private int _lda;
    private int _ldAddend;
    private int _ldc;
    private int _m;
    private int _n;
    private int _k;
    private int _perChunk;

    private ChunkedGemm()
    {
    }

    private enum Mode
    {
        Rows,
        Panels,
        Transpose,
        SumRows,
    }

    /// <summary>
    /// <see cref="PackedGemm.Multiply"/> without bias, over the calling thread and <paramref name="team"/>'s helpers,
    /// cut into row blocks of <c>C</c>, or with <paramref name="byPanels"/> into column panels (a time step's product:
    /// few rows, and each thread then reads only its share of the weight).
    /// </summary>
    public static void Multiply(
        HelperTeam? team, ReadOnlyMemory<float> a, int lda, ReadOnlyMemory<float> packed, ReadOnlyMemory<float> addend,
        int ldAddend, Memory<float> c, int ldc, int m, int n, int k, bool byPanels = false)
    {
        int threads = team is null ? 1 : team.Helpers + 1;
        if (threads == 1 || 2.0 * m * n * k < ParallelFlops)
        {
            PackedGemm.Multiply(a.Span, lda, packed.Span, default, addend.Span, ldAddend, c.Span, ldc, m, n, k);
            return;
        }

        int target = 4 * threads;
        int panels = PackedGemm.Panels(n);
        ChunkedGemm job = Start(Mode.Rows, a, packed, addend, c);
        job._lda = lda;
        job._ldAddend = ldAddend;
        job._ldc = ldc;
        job._m = m;
        job._n = n;
        job._k = k;
        int rowsPerChunk = RoundUp(Math.Min(144, (m + target - 1) / target), 24); // whole blocks of the 6- and 8-row kernels
        if (!byPanels || panels < threads)
        {
            job._perChunk = rowsPerChunk;
            job.Execute(team!, (m + rowsPerChunk - 1) / rowsPerChunk);
        }
        else
        {
            job._mode = Mode.Panels;
            int chunks = HelperTeam.ChunksFor(2.0 * m * n * k, threads);
            job._perChunk = (panels + chunks - 1) / chunks;
            job.Execute(team!, (panels + job._perChunk - 1) / job._perChunk);
        }
    }

    /// <summary>source <c>(rows, columns)</c> into destination <c>(columns, rows)</c>, in cache tiles, over the team.</summary>
    public static void Transpose(HelperTeam? team, ReadOnlyMemory<float> source, int rows, int columns, Memory<float> destination) =>
        ByColumns(Mode.Transpose, TransposeTile, team, source, rows, columns, destination);

    /// <summary>
    /// <c>destination[j] = Σ_r source[r, j]</c> for source <c>(rows, columns)</c>, each sum in row order (the
    /// single-threaded order), columns spread over the team.
    /// </summary>
    public static void SumRows(HelperTeam? team, ReadOnlyMemory<float> source, int rows, int columns, Memory<float> destination) =>
        ByColumns(Mode.SumRows, SumColumns, team, source, rows, columns, destination);

    /// <inheritdoc/>
    public void Run(int chunk)
    {
        switch (_mode)
        {
            case Mode.Rows:
                int first = chunk * _perChunk;
                int count = Math.Min(_perChunk, _m - first);
                PackedGemm.Multiply(
                    _a.Span[(first * _lda)..], _lda, _packed.Span, default,
                    _addend.IsEmpty ? default : _addend.Span[(first * _ldAddend)..], _ldAddend,
                    _c.Span[(first * _ldc)..], _ldc, count, _n, _k);
                break;
            case Mode.Panels:
                PackedGemm.Multiply(
                    _a.Span, _lda, _packed.Span, default, _addend.Span, _ldAddend, _c.Span, _ldc, _m, _n, _k,
                    chunk * _perChunk, (chunk + 1) * _perChunk);
                break;
            case Mode.Transpose:
                TransposeColumns(chunk * _perChunk, Math.Min(_perChunk, _n - (chunk * _perChunk)));
                break;
            default:
                SumColumnsOf(chunk * _perChunk, Math.Min(_perChunk, _n - (chunk * _perChunk)));
                break;
        }
    }

    private static ChunkedGemm Start(Mode mode, ReadOnlyMemory<float> a, ReadOnlyMemory<float> packed, ReadOnlyMemory<float> addend, Memory<float> c)
    {
        ChunkedGemm job = t_instance ??= new ChunkedGemm();
        job._mode = mode;
        job._a = a;
        job._packed = packed;
        job._addend = addend;
        job._c = c;
        return job;
    }

    /// <summary>A pass over source <c>(rows, columns)</c> in chunks of <paramref name="perChunk"/> columns.</summary>
    private static void ByColumns(
        Mode mode, int perChunk, HelperTeam? team, ReadOnlyMemory<float> source, int rows, int columns, Memory<float> destination)
    {
        ChunkedGemm job = Start(mode, source, default, default, destination);
        job._m = rows;
        job._n = columns;
        job._perChunk = perChunk;
        job.Execute(team, (columns + perChunk - 1) / perChunk);
    }

    private static int RoundUp(int value, int multiple) => Math.Max(multiple, (value + multiple - 1) / multiple * multiple);

    private void Execute(HelperTeam? team, int chunks)
    {
        try
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
        finally
        {
            // Drop the references: the buffers go back to their pools after the call.
            _a = default;
            _packed = default;
            _addend = default;
            _c = default;
        }
    }

    /// <summary>
    /// Rows <c>[column, column + count)</c> of the transposed matrix: 8 × 8 blocks through AVX registers, the edges
    /// (and machines without AVX) by <see cref="TransposeScalar"/>.
    /// </summary>
    private void TransposeColumns(int column, int count)
    {
        ReadOnlySpan<float> source = _a.Span;
        Span<float> destination = _c.Span;
        int rows = _m, columns = _n;
        int blockRows = Avx.IsSupported ? rows / 8 * 8 : 0, blockColumns = Avx.IsSupported ? count / 8 * 8 : 0;
        if (blockRows > 0 && blockColumns > 0)
        {
            ref float from = ref MemoryMarshal.GetReference(source);
            ref float to = ref MemoryMarshal.GetReference(destination);
            for (int r0 = 0; r0 < blockRows; r0 += 8)
            {
                for (int c0 = column; c0 < column + blockColumns; c0 += 8)
                {
                    Transpose8x8(ref Unsafe.Add(ref from, (r0 * columns) + c0), columns, ref Unsafe.Add(ref to, (c0 * rows) + r0), rows);
                }
            }
        }

        // The last rows (below a multiple of 8) of every column, then the last columns of every row.
        TransposeScalar(source, rows, columns, destination, blockRows, rows, column, blockColumns);
        TransposeScalar(source, rows, columns, destination, 0, rows, column + blockColumns, count - blockColumns);
    }

    /// <summary>
    /// <c>destination[c·rows + r] = source[r·columns + c]</c> for rows <c>[rowStart, rowEnd)</c> and columns
    /// <c>[column, column + count)</c>, element by element (the vector blocks' oracle).
    /// </summary>
    internal static void TransposeScalar(
        ReadOnlySpan<float> source, int rows, int columns, Span<float> destination, int rowStart, int rowEnd, int column, int count)
    {
        for (int r0 = rowStart; r0 < rowEnd; r0 += TransposeTile)
        {
            int r1 = Math.Min(rowEnd, r0 + TransposeTile);
            for (int c = column; c < column + count; c++)
            {
                Span<float> to = destination.Slice((c * rows) + r0, r1 - r0);
                for (int r = r0; r < r1; r++)
                {
                    to[r - r0] = source[(r * columns) + c];
                }
            }
        }
    }

    /// <summary>Transposes the 8 × 8 block at <paramref name="source"/> (row stride <paramref name="sourceStride"/>) into <paramref name="destination"/>.</summary>
    internal static void Transpose8x8(ref float source, int sourceStride, ref float destination, int destinationStride)
    {
        nuint stride = (nuint)sourceStride;
        Vector256<float> r0 = Vector256.LoadUnsafe(ref source);
        Vector256<float> r1 = Vector256.LoadUnsafe(ref source, stride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref source, 2 * stride);
        Vector256<float> r3 = Vector256.LoadUnsafe(ref source, 3 * stride);
        Vector256<float> r4 = Vector256.LoadUnsafe(ref source, 4 * stride);
        Vector256<float> r5 = Vector256.LoadUnsafe(ref source, 5 * stride);
        Vector256<float> r6 = Vector256.LoadUnsafe(ref source, 6 * stride);
        Vector256<float> r7 = Vector256.LoadUnsafe(ref source, 7 * stride);

        // Rows a..h: interleave pairs (a0 b0 a1 b1 | a4 b4 a5 b5, …), then quadruples (a0 b0 c0 d0 | a4 b4 c4 d4, …),
        // then join the 128-bit halves of rows a–d and e–h.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        nuint d = (nuint)destinationStride;
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref destination);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref destination, d);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref destination, 2 * d);
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref destination, 3 * d);
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref destination, 4 * d);
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref destination, 5 * d);
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref destination, 6 * d);
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref destination, 7 * d);
    }

    private void SumColumnsOf(int column, int count)
    {
        ReadOnlySpan<float> source = _a.Span;
        Span<float> sum = _c.Span.Slice(column, count);
        sum.Clear();
        for (int r = 0; r < _m; r++)
        {
            TensorPrimitives.Add(sum, source.Slice((r * _n) + column, count), sum);
        }
    }
}
