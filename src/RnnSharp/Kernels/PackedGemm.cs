using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RnnSharp.Kernels;

/// <summary>
/// <c>C = (A · Wᵀ + bias) + addend</c> for a weight matrix <c>W</c> stored as <c>nn.Linear</c> stores it,
/// <c>(n, k)</c> row-major, and packed once by <see cref="Pack"/> into column panels of
/// <see cref="PanelWidth"/> so that the micro-kernel reads it with unit stride.
/// </summary>
/// <remarks>
/// <para>
/// Packed layout: panel <c>p</c> holds columns <c>[32p, 32p + 32)</c> of <c>Wᵀ</c>, i.e. rows of <c>W</c>, as
/// <c>k</c> consecutive groups of 32 floats (<c>packed[(p·k + kk)·32 + j] = W[32p + j, kk]</c>), zero-padded
/// past <c>n</c>.
/// </para>
/// <para>
/// The micro-kernel keeps a 6 × 32 block of <c>C</c> in registers (12 <see cref="Vector512{T}"/> or
/// 24 <see cref="Vector256{T}"/> accumulators, in two passes of 12) and runs over all of <c>k</c> with fused
/// multiply-adds: each <c>C[i, j]</c> is one chain <c>fma(A[i, k−1], W[j, k−1], … fma(A[i, 0], W[j, 0], 0))</c>,
/// then <c>+ bias[j]</c>, then <c>+ addend[i, j]</c> — ATen's grouping for the recurrent cell. Without
/// AVX2/FMA or AVX-512, a scalar loop computes the same chains.
/// </para>
/// </remarks>
internal static class PackedGemm
{
    /// <summary>Columns per packed panel.</summary>
    public const int PanelWidth = 32;

    /// <summary>Rows of <c>C</c> per micro-kernel call (the AVX2 and scalar kernels, and AVX-512 tails of up to 6 rows).</summary>
    public const int BlockRows = 6;

    /// <summary>
    /// Rows of <c>C</c> per call of the AVX-512 kernel: 8 × 32 fills 16 of the 32 registers with accumulators, and
    /// the batch sizes recurrent layers run with (multiples of 8) then waste no row of a block.
    /// </summary>
    public const int BlockRows512 = 8;

    /// <summary>Rows of <c>A</c> kept hot in cache while all panels pass over them.</summary>
    private const int RowBlock = 144;

    /// <summary>
    /// Above this many bytes of packed weight (the whole <c>(n, k)</c> matrix, whichever panels a call covers), the
    /// 8-row kernel fetches the next panel ahead (see <see cref="Ahead"/>), and each kernel call first fetches the tile of
    /// <c>C</c> its epilogue writes (such a layer's outputs are cold); below it, the weight stays in L2 (1 MB a
    /// core on the machines measured) from one time step to the next, and the fetch would only cost its instruction
    /// (1% of a small LSTM's forward).
    /// </summary>
    private const long FetchAheadBytes = 512 * 1024;

    /// <summary>The widest kernel this machine runs.</summary>
    public static SimdLevel BestSimd { get; } =
        Vector512.IsHardwareAccelerated ? SimdLevel.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? SimdLevel.Vector256
        : SimdLevel.Scalar;

    /// <summary>Which micro-kernel to run; tests pin each one the machine supports.</summary>
    public enum SimdLevel
    {
        /// <summary>The widest the machine supports.</summary>
        Best,

        /// <summary>Scalar fused multiply-adds.</summary>
        Scalar,

        /// <summary>AVX2 + FMA.</summary>
        Vector256,

        /// <summary>AVX-512.</summary>
        Vector512,
    }

    /// <summary>The number of panels for <paramref name="n"/> output columns.</summary>
    public static int Panels(int n) => (n + PanelWidth - 1) / PanelWidth;

    /// <summary>The packed length of an <c>(n, k)</c> weight.</summary>
    public static int PackedLength(int n, int k) => Panels(n) * k * PanelWidth;

    /// <summary>
    /// Packs <paramref name="weight"/> <c>(n, k)</c> row-major into <paramref name="packed"/> (see the class remarks),
    /// writing every element of its first <see cref="PackedLength"/> (the padding with zeros), so it may hold anything
    /// before. 8 × 8 blocks go through registers; the rest is copied element by element, as <see cref="PackReference"/> does.
    /// </summary>
    public static void Pack(ReadOnlySpan<float> weight, int n, int k, Span<float> packed)
    {
        int panels = Panels(n);
        Debug.Assert(weight.Length >= n * k && packed.Length >= panels * k * PanelWidth, "Pack: buffers too short");
        int blockRows = Avx.IsSupported ? n / 8 * 8 : 0, blockColumns = Avx.IsSupported ? k / 8 * 8 : 0;
        if (blockColumns > 0)
        {
            ref float from = ref MemoryMarshal.GetReference(weight);
            ref float to = ref MemoryMarshal.GetReference(packed);
            for (int j0 = 0; j0 < blockRows; j0 += 8)
            {
                // Rows j0..j0+7 of W are columns (j0 mod 32).. of panel j0 / 32: W[j, kk] goes to row kk of the panel.
                int panel = (j0 / PanelWidth) * k * PanelWidth, column = j0 % PanelWidth;
                for (int kk = 0; kk < blockColumns; kk += 8)
                {
                    ChunkedGemm.Transpose8x8(
                        ref Unsafe.Add(ref from, (j0 * k) + kk), k, ref Unsafe.Add(ref to, panel + (kk * PanelWidth) + column), PanelWidth);
                }
            }
        }

        for (int j = 0; j < n; j++)
        {
            // What the blocks left: the last k mod 8 columns of their rows, and whole rows past them.
            int first = j < blockRows ? blockColumns : 0;
            Span<float> panel = packed.Slice(j / PanelWidth * k * PanelWidth, k * PanelWidth);
            ReadOnlySpan<float> row = weight.Slice(j * k, k);
            for (int kk = first; kk < k; kk++)
            {
                panel[(kk * PanelWidth) + (j % PanelWidth)] = row[kk];
            }
        }

        int used = n - ((panels - 1) * PanelWidth);
        if (used < PanelWidth)
        {
            Span<float> last = packed.Slice((panels - 1) * k * PanelWidth, k * PanelWidth);
            for (int kk = 0; kk < k; kk++)
            {
                last.Slice((kk * PanelWidth) + used, PanelWidth - used).Clear();
            }
        }
    }

    /// <summary>The naive oracle for <see cref="Pack"/>: zeros, then element by element.</summary>
    internal static void PackReference(ReadOnlySpan<float> weight, int n, int k, Span<float> packed)
    {
        int panels = Panels(n);
        packed[..(panels * k * PanelWidth)].Clear();
        for (int j = 0; j < n; j++)
        {
            int p = j / PanelWidth;
            int col = j % PanelWidth;
            ReadOnlySpan<float> row = weight.Slice(j * k, k);
            Span<float> panel = packed.Slice(p * k * PanelWidth, k * PanelWidth);
            for (int kk = 0; kk < k; kk++)
            {
                panel[(kk * PanelWidth) + col] = row[kk];
            }
        }
    }

    /// <summary>
    /// Packs <paramref name="rows"/> rows of a matrix stored <c>(k, n)</c> — i.e. <c>W = sourceᵀ</c>, for products
    /// <c>A · source</c> — into rows <c>[kOffset, kOffset + rows)</c> of the packed <c>(n, k)</c> layout:
    /// <c>packed[(p·k + kOffset + r)·32 + j] = source[r·ld + 32p + j]</c>. Each source row is copied in runs of 32, so
    /// this is a cheap copy, not a transpose. Padding columns past <paramref name="n"/> are zeroed. Backward passes use
    /// it for <c>dZ · W</c> (pack <c>W</c> itself) and <c>dZᵀ · X</c> (pack the rows of <c>X</c>).
    /// </summary>
    public static void PackTransposedRows(ReadOnlySpan<float> source, int ld, int rows, int n, int k, int kOffset, Span<float> packed)
    {
        int panels = Panels(n);
        for (int p = 0; p < panels; p++)
        {
            int column = p * PanelWidth;
            int width = Math.Min(PanelWidth, n - column);
            Span<float> panel = packed.Slice(((p * k) + kOffset) * PanelWidth, rows * PanelWidth);
            for (int r = 0; r < rows; r++)
            {
                Span<float> group = panel.Slice(r * PanelWidth, PanelWidth);
                source.Slice((r * ld) + column, width).CopyTo(group);
                group[width..].Clear();
            }
        }
    }

    /// <summary>Zeroes rows <c>[kOffset, kOffset + rows)</c> of the packed <c>(n, k)</c> layout (a zero block of <c>Wᵀ</c>).</summary>
    public static void ClearRows(int rows, int n, int k, int kOffset, Span<float> packed)
    {
        for (int p = 0; p < Panels(n); p++)
        {
            packed.Slice(((p * k) + kOffset) * PanelWidth, rows * PanelWidth).Clear();
        }
    }

    [ThreadStatic]
    private static float[]? t_tile;

    /// <summary>
    /// For <c>i &lt; m</c> and the columns of panels <c>[panelStart, panelEnd)</c> (clipped to <c>n</c>):
    /// <c>c[i·ldc + j] = (Σ_kk a[i·lda + kk] · W[j, kk] + bias[j]) + addend[i·ldAddend + j]</c>.
    /// <paramref name="bias"/> (length ≥ n) and <paramref name="addend"/> may be empty for none. <paramref name="c"/>
    /// must not overlap <paramref name="a"/>; <paramref name="addend"/> may be <paramref name="c"/> itself (same start
    /// and stride: each element is read before the same element is written), which accumulates, <c>C += A · Wᵀ</c>.
    /// <paramref name="following"/>, if not empty, is the packed panel (<c>k · 32</c> floats) the caller multiplies
    /// next — a hint, fetched into cache while the last panel runs. Allocates nothing.
    /// </summary>
    public static void Multiply(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, int m, int n, int k,
        int panelStart = 0, int panelEnd = int.MaxValue, SimdLevel simd = SimdLevel.Best,
        ReadOnlySpan<float> following = default)
    {
        panelEnd = Math.Min(panelEnd, Panels(n));
        simd = simd == SimdLevel.Best ? BestSimd : simd;
        if (m <= 0 || panelStart >= panelEnd)
        {
            return;
        }

        Debug.Assert(a.Length >= ((m - 1) * lda) + k, "a is too short");
        Debug.Assert(packed.Length >= PackedLength(n, k), "packed is too short");
        Debug.Assert(c.Length >= ((m - 1) * ldc) + n, "c is too short");
        Debug.Assert(bias.IsEmpty || bias.Length >= n, "bias is too short");
        Debug.Assert(addend.IsEmpty || addend.Length >= ((m - 1) * ldAddend) + n, "addend is too short");
        Debug.Assert(following.IsEmpty || following.Length >= k * PanelWidth, "following is not a whole panel");
        if (k == 0)
        {
            Epilogue.EmptyProducts(m, panelStart, panelEnd, n, bias, addend, ldAddend, c, ldc);
            return;
        }

        // The tile holds a partial block before its epilogue: a per-thread buffer, not a stackalloc, which .NET would
        // zero (1 KB) on every call — a measurable share of a tiny layer's step.
        Span<float> tile = t_tile ??= new float[BlockRows512 * PanelWidth];
        int rowStep = simd == SimdLevel.Vector512 ? BlockRows512 : BlockRows;
        bool fetchAhead = simd == SimdLevel.Vector512 && (long)PackedLength(n, k) * sizeof(float) > FetchAheadBytes;
        for (int i0 = 0; i0 < m; i0 += RowBlock)
        {
            int rows = Math.Min(RowBlock, m - i0);
            PrefetchPlan plan = fetchAhead ? new PrefetchPlan(k, (rows + rowStep - 1) / rowStep) : default;
            for (int p = panelStart; p < panelEnd; p++)
            {
                ReadOnlySpan<float> panel = packed.Slice(p * k * PanelWidth, k * PanelWidth);
                ReadOnlySpan<float> next = !fetchAhead ? default
                    : p + 1 < panelEnd ? packed.Slice((p + 1) * k * PanelWidth, k * PanelWidth) : following;
                int columns = Math.Min(PanelWidth, n - (p * PanelWidth));
                for (int i = i0; i < i0 + rows; i += rowStep)
                {
                    int mr = Math.Min(rowStep, m - i);
                    ReadOnlySpan<float> aBlock = a[(i * lda)..];
                    var block = new Block(i, p * PanelWidth, mr, columns);
                    if (!addend.IsEmpty)
                    {
                        // The addend (a step's input projection, written long before, often no longer in any cache) is read
                        // only by the epilogue, after the whole k loop: fetch its tile now, while the k loop runs.
                        CachePrefetch.Rows32(in addend[(i * ldAddend) + (p * PanelWidth)], ldAddend, mr);
                    }

                    if (fetchAhead)
                    {
                        // Likewise the tile the epilogue writes: a large layer's output rows are cold (a step writes
                        // them once), and a store that misses waits on the line's read (+1% on an RNN's medium config).
                        CachePrefetch.Rows32(in c[(i * ldc) + (p * PanelWidth)], ldc, mr);
                    }

                    if (simd == SimdLevel.Vector512)
                    {
                        // Each element is the same FMA chain in either kernel: the row blocking never changes a result.
                        // A short block (the last rows, or a variable-length step's few) takes the smallest kernel that
                        // covers it: a row computed and discarded costs as much as a real one.
                        if (mr > BlockRows)
                        {
                            if (fetchAhead)
                            {
                                Kernel512x8<FetchNext>(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile, new Ahead(panel, next, plan, (i - i0) / rowStep));
                            }
                            else
                            {
                                Kernel512x8<FetchNothing>(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile, default);
                            }
                        }
                        else if (mr > 4)
                        {
                            Kernel512(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile);
                        }
                        else if (mr > 2)
                        {
                            Kernel512x4(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile);
                        }
                        else
                        {
                            Kernel512x2(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile);
                        }
                    }
                    else if (simd == SimdLevel.Vector256)
                    {
                        Kernel256(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile, half: 0);
                        Kernel256(aBlock, lda, panel, k, block, bias, addend, ldAddend, c, ldc, tile, half: 1);
                    }
                    else
                    {
                        KernelScalar(aBlock, lda, panel, k, block, tile);
                        Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
                    }
                }
            }
        }
    }

    /// <summary>Where a 6 × 32 (or 8 × 32) tile of <c>C</c> sits and how much of it is real.</summary>
    private readonly record struct Block(int Row, int Column, int Rows, int Columns)
    {
        public bool IsFull => Rows == BlockRows && Columns == PanelWidth;

        public bool IsFull8 => Rows == BlockRows512 && Columns == PanelWidth;
    }

    /// <summary>
    /// The lines the 8-row kernel prefetches, one per k step: its share of the next panel. A panel is
    /// <c>2k</c> cache lines, read first by the row block's first kernel call — from L3 or memory for a weight that
    /// does not fit L2, such as a large layer's <c>W_hh</c>, re-read every time step. Its <c>b</c>-th of
    /// <c>blocks</c> calls fetches lines <c>[b·s, (b+1)·s)</c> of the next panel, <c>s = ⌊2k / blocks⌋</c>, so
    /// the next panel arrives spread over the current one's calls instead of all at once when the first one starts.
    /// </summary>
    internal readonly ref struct Ahead
    {
        /// <summary>The first line to fetch.</summary>
        public readonly ref readonly float Start;

        /// <summary>Step <c>kk</c> fetches line <c>(kk · Rate) ≫ 32</c> from <see cref="Start"/> (see <see cref="PrefetchPlan"/>).</summary>
        public readonly ulong Rate;

        public Ahead(ReadOnlySpan<float> panel, ReadOnlySpan<float> next, PrefetchPlan plan, int block)
        {
            if (next.IsEmpty)
            {
                // Nothing follows: fetch the line the step loads anyway (2 lines per step: 32 floats).
                Start = ref MemoryMarshal.GetReference(panel);
                Rate = 2UL << 32;
                return;
            }

            Start = ref Unsafe.Add(ref MemoryMarshal.GetReference(next), plan.Offset(block));
            Rate = plan.Rate;
        }
    }

    /// <summary>
    /// How <c>blocks</c> kernel calls over a panel share the fetching of the next one (see <see cref="Ahead"/>): call
    /// <c>b</c>'s step <c>kk</c> fetches the line at <c>Offset(b) + ((kk · Rate) ≫ 32) · 16</c>, always inside the
    /// next panel and inside the call's share of <c>⌊2k / blocks⌋</c> lines. With 32 fraction bits, a share of at most
    /// <c>k</c> lines is fetched whole for any <c>k ≤ 2¹⁶</c>.
    /// </summary>
    internal readonly struct PrefetchPlan
    {
        private readonly int _share;

        public PrefetchPlan(int k, int blocks)
        {
            _share = 2 * k / blocks;
            Rate = ((ulong)_share << 32) / (ulong)k;
        }

        /// <summary>Lines per step, with 32 fraction bits.</summary>
        public ulong Rate { get; }

        /// <summary>Where call <paramref name="block"/>'s share starts, in floats.</summary>
        public int Offset(int block) => block * _share * 16;
    }

    /// <summary>A kernel instantiated with this fetches ahead (see <see cref="Ahead"/>).</summary>
    private readonly struct FetchNext;

    /// <summary>A kernel instantiated with this does not: the JIT compiles the fetch out of its loop.</summary>
    private readonly struct FetchNothing;

    private static void Kernel512x8<TFetch>(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Span<float> tile, Ahead ahead)
        where TFetch : struct
    {
        // Called for 7 or 8 rows; a missing 8th row reads row 0 again and its results are discarded.
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, lda);
        ref float a2 = ref Unsafe.Add(ref a0, 2 * lda);
        ref float a3 = ref Unsafe.Add(ref a0, 3 * lda);
        ref float a4 = ref Unsafe.Add(ref a0, 4 * lda);
        ref float a5 = ref Unsafe.Add(ref a0, 5 * lda);
        ref float a6 = ref Unsafe.Add(ref a0, 6 * lda);
        ref float a7 = ref Unsafe.Add(ref a0, block.Rows > 7 ? 7 * lda : 0);
        ref float b = ref MemoryMarshal.GetReference(panel);

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        ref readonly float prefetch = ref ahead.Start;
        ulong rate = ahead.Rate;
        for (nuint kk = 0; kk < (nuint)k; kk++)
        {
            if (typeof(TFetch) == typeof(FetchNext))
            {
                CachePrefetch.Line(in Unsafe.Add(ref Unsafe.AsRef(in prefetch), (nuint)(((kk * rate) >> 32) * 16)));
            }

            Vector512<float> b0 = Vector512.LoadUnsafe(ref b, kk * PanelWidth);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (kk * PanelWidth) + 16);
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref a0, kk));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, kk));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, kk));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, kk));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref a4, kk));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref a5, kk));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref a6, kk));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref a7, kk));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }

        if (block.IsFull8)
        {
            var e = new Epilogue512(bias, addend, ldAddend, c, ldc, block);
            e.Row(0, c00, c01);
            e.Row(1, c10, c11);
            e.Row(2, c20, c21);
            e.Row(3, c30, c31);
            e.Row(4, c40, c41);
            e.Row(5, c50, c51);
            e.Row(6, c60, c61);
            e.Row(7, c70, c71);
            return;
        }

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, 16);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 48);
        c20.StoreUnsafe(ref t, 64);
        c21.StoreUnsafe(ref t, 80);
        c30.StoreUnsafe(ref t, 96);
        c31.StoreUnsafe(ref t, 112);
        c40.StoreUnsafe(ref t, 128);
        c41.StoreUnsafe(ref t, 144);
        c50.StoreUnsafe(ref t, 160);
        c51.StoreUnsafe(ref t, 176);
        c60.StoreUnsafe(ref t, 192);
        c61.StoreUnsafe(ref t, 208);
        c70.StoreUnsafe(ref t, 224);
        c71.StoreUnsafe(ref t, 240);
        Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
    }

    private static void Kernel512(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Span<float> tile)
    {
        // Rows past the block's end read row 0 again; their results are discarded.
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, block.Rows > 1 ? lda : 0);
        ref float a2 = ref Unsafe.Add(ref a0, block.Rows > 2 ? 2 * lda : 0);
        ref float a3 = ref Unsafe.Add(ref a0, block.Rows > 3 ? 3 * lda : 0);
        ref float a4 = ref Unsafe.Add(ref a0, block.Rows > 4 ? 4 * lda : 0);
        ref float a5 = ref Unsafe.Add(ref a0, block.Rows > 5 ? 5 * lda : 0);
        ref float b = ref MemoryMarshal.GetReference(panel);

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nuint kk = 0; kk < (nuint)k; kk++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b, kk * PanelWidth);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (kk * PanelWidth) + 16);
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref a0, kk));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, kk));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, kk));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, kk));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref a4, kk));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref a5, kk));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
        }

        if (block.IsFull)
        {
            var e = new Epilogue512(bias, addend, ldAddend, c, ldc, block);
            e.Row(0, c00, c01);
            e.Row(1, c10, c11);
            e.Row(2, c20, c21);
            e.Row(3, c30, c31);
            e.Row(4, c40, c41);
            e.Row(5, c50, c51);
            return;
        }

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, 16);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 48);
        c20.StoreUnsafe(ref t, 64);
        c21.StoreUnsafe(ref t, 80);
        c30.StoreUnsafe(ref t, 96);
        c31.StoreUnsafe(ref t, 112);
        c40.StoreUnsafe(ref t, 128);
        c41.StoreUnsafe(ref t, 144);
        c50.StoreUnsafe(ref t, 160);
        c51.StoreUnsafe(ref t, 176);
        Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
    }

    private static void Kernel512x4(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Span<float> tile)
    {
        // Called for 3 or 4 rows; a missing 4th row reads row 0 again and its results are discarded.
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, lda);
        ref float a2 = ref Unsafe.Add(ref a0, 2 * lda);
        ref float a3 = ref Unsafe.Add(ref a0, block.Rows > 3 ? 3 * lda : 0);
        ref float b = ref MemoryMarshal.GetReference(panel);

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (nuint kk = 0; kk < (nuint)k; kk++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b, kk * PanelWidth);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (kk * PanelWidth) + 16);
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref a0, kk));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, kk));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref a2, kk));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref a3, kk));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
        }

        if (block.Columns == PanelWidth)
        {
            var e = new Epilogue512(bias, addend, ldAddend, c, ldc, block);
            e.Row(0, c00, c01);
            e.Row(1, c10, c11);
            e.Row(2, c20, c21);
            if (block.Rows > 3)
            {
                e.Row(3, c30, c31);
            }

            return;
        }

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, 16);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 48);
        c20.StoreUnsafe(ref t, 64);
        c21.StoreUnsafe(ref t, 80);
        c30.StoreUnsafe(ref t, 96);
        c31.StoreUnsafe(ref t, 112);
        Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
    }

    private static void Kernel512x2(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Span<float> tile)
    {
        // Called for 1 or 2 rows; a missing 2nd row reads row 0 again and its results are discarded.
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, block.Rows > 1 ? lda : 0);
        ref float b = ref MemoryMarshal.GetReference(panel);

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        for (nuint kk = 0; kk < (nuint)k; kk++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref b, kk * PanelWidth);
            Vector512<float> b1 = Vector512.LoadUnsafe(ref b, (kk * PanelWidth) + 16);
            Vector512<float> x = Vector512.Create(Unsafe.Add(ref a0, kk));
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref a1, kk));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
        }

        if (block.Columns == PanelWidth)
        {
            var e = new Epilogue512(bias, addend, ldAddend, c, ldc, block);
            e.Row(0, c00, c01);
            if (block.Rows > 1)
            {
                e.Row(1, c10, c11);
            }

            return;
        }

        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, 16);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 48);
        Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
    }

    private static void Kernel256(
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Span<float> tile, int half)
    {
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float a1 = ref Unsafe.Add(ref a0, block.Rows > 1 ? lda : 0);
        ref float a2 = ref Unsafe.Add(ref a0, block.Rows > 2 ? 2 * lda : 0);
        ref float a3 = ref Unsafe.Add(ref a0, block.Rows > 3 ? 3 * lda : 0);
        ref float a4 = ref Unsafe.Add(ref a0, block.Rows > 4 ? 4 * lda : 0);
        ref float a5 = ref Unsafe.Add(ref a0, block.Rows > 5 ? 5 * lda : 0);
        ref float b = ref Unsafe.Add(ref MemoryMarshal.GetReference(panel), half * 16);

        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (nuint kk = 0; kk < (nuint)k; kk++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref b, kk * PanelWidth);
            Vector256<float> b1 = Vector256.LoadUnsafe(ref b, (kk * PanelWidth) + 8);
            Vector256<float> x = Vector256.Create(Unsafe.Add(ref a0, kk));
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref a1, kk));
            c10 = Fma.MultiplyAdd(x, b0, c10);
            c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref a2, kk));
            c20 = Fma.MultiplyAdd(x, b0, c20);
            c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref a3, kk));
            c30 = Fma.MultiplyAdd(x, b0, c30);
            c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(Unsafe.Add(ref a4, kk));
            c40 = Fma.MultiplyAdd(x, b0, c40);
            c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(Unsafe.Add(ref a5, kk));
            c50 = Fma.MultiplyAdd(x, b0, c50);
            c51 = Fma.MultiplyAdd(x, b1, c51);
        }

        // Each half fills its 16 columns of the 6 × 32 tile; the second half then runs the epilogue for both.
        ref float t = ref Unsafe.Add(ref MemoryMarshal.GetReference(tile), half * 16);
        c00.StoreUnsafe(ref t, 0);
        c01.StoreUnsafe(ref t, 8);
        c10.StoreUnsafe(ref t, 32);
        c11.StoreUnsafe(ref t, 40);
        c20.StoreUnsafe(ref t, 64);
        c21.StoreUnsafe(ref t, 72);
        c30.StoreUnsafe(ref t, 96);
        c31.StoreUnsafe(ref t, 104);
        c40.StoreUnsafe(ref t, 128);
        c41.StoreUnsafe(ref t, 136);
        c50.StoreUnsafe(ref t, 160);
        c51.StoreUnsafe(ref t, 168);
        if (half == 1)
        {
            Epilogue.FromTile(tile, block, bias, addend, ldAddend, c, ldc);
        }
    }

    private static void KernelScalar(ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> panel, int k, Block block, Span<float> tile)
    {
        for (int r = 0; r < block.Rows; r++)
        {
            ReadOnlySpan<float> row = a.Slice(r * lda, k);
            Span<float> t = tile.Slice(r * PanelWidth, PanelWidth);
            t.Clear();
            for (int kk = 0; kk < k; kk++)
            {
                ReadOnlySpan<float> w = panel.Slice(kk * PanelWidth, PanelWidth);
                for (int j = 0; j < block.Columns; j++)
                {
                    t[j] = MathF.FusedMultiplyAdd(row[kk], w[j], t[j]);
                }
            }
        }
    }

    /// <summary>Stores full 6 × 32 tiles straight from registers: <c>(acc + bias) + addend</c>.</summary>
    private readonly ref struct Epilogue512
    {
        private readonly ReadOnlySpan<float> _bias;
        private readonly ReadOnlySpan<float> _addend;
        private readonly int _ldAddend;
        private readonly Span<float> _c;
        private readonly int _ldc;
        private readonly Block _block;

        public Epilogue512(ReadOnlySpan<float> bias, ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc, Block block)
        {
            _bias = bias;
            _addend = addend;
            _ldAddend = ldAddend;
            _c = c;
            _ldc = ldc;
            _block = block;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Row(int r, Vector512<float> v0, Vector512<float> v1)
        {
            nuint column = (nuint)_block.Column;
            if (!_bias.IsEmpty)
            {
                ref float bias = ref MemoryMarshal.GetReference(_bias);
                v0 += Vector512.LoadUnsafe(ref bias, column);
                v1 += Vector512.LoadUnsafe(ref bias, column + 16);
            }

            nuint row = (nuint)(_block.Row + r);
            if (!_addend.IsEmpty)
            {
                ref float add = ref MemoryMarshal.GetReference(_addend);
                nuint at = (row * (nuint)_ldAddend) + column;
                v0 += Vector512.LoadUnsafe(ref add, at);
                v1 += Vector512.LoadUnsafe(ref add, at + 16);
            }

            ref float c = ref MemoryMarshal.GetReference(_c);
            nuint to = (row * (nuint)_ldc) + column;
            v0.StoreUnsafe(ref c, to);
            v1.StoreUnsafe(ref c, to + 16);
        }
    }

    /// <summary>The epilogue for tiles that went through memory (edges, and the non-AVX-512 kernels).</summary>
    private static class Epilogue
    {
        public static void FromTile(
            ReadOnlySpan<float> tile, Block block, ReadOnlySpan<float> bias, ReadOnlySpan<float> addend, int ldAddend,
            Span<float> c, int ldc)
        {
            for (int r = 0; r < block.Rows; r++)
            {
                int row = block.Row + r;
                for (int j = 0; j < block.Columns; j++)
                {
                    int column = block.Column + j;
                    float v = tile[(r * PanelWidth) + j];
                    if (!bias.IsEmpty)
                    {
                        v += bias[column];
                    }

                    if (!addend.IsEmpty)
                    {
                        v += addend[(row * ldAddend) + column];
                    }

                    c[(row * ldc) + column] = v;
                }
            }
        }

        /// <summary>The epilogue when <c>k = 0</c>: every product sum is zero.</summary>
        public static void EmptyProducts(
            int m, int panelStart, int panelEnd, int n, ReadOnlySpan<float> bias,
            ReadOnlySpan<float> addend, int ldAddend, Span<float> c, int ldc)
        {
            int end = Math.Min(n, panelEnd * PanelWidth);
            for (int i = 0; i < m; i++)
            {
                for (int j = panelStart * PanelWidth; j < end; j++)
                {
                    float v = 0f;
                    if (!bias.IsEmpty)
                    {
                        v += bias[j];
                    }

                    if (!addend.IsEmpty)
                    {
                        v += addend[(i * ldAddend) + j];
                    }

                    c[(i * ldc) + j] = v;
                }
            }
        }
    }
}
