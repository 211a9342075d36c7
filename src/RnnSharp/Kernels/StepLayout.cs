namespace RnnSharp.Kernels;

/// <summary>
/// Which rows of a sequence's data belong to which time step: dense — <c>N</c> rows per step, step <c>t</c> at row
/// <c>t·N</c>, the <c>(L, N, ·)</c> layout — or variable-length, as a <see cref="PackedSequence"/> lays them out:
/// step <c>t</c> holds the first <c>batch_sizes[t]</c> sequences (longest first, so the sizes never increase), its
/// rows right after step <c>t − 1</c>'s. A recurrent layer multiplies only a step's own rows, so a variable-length
/// batch costs what its real tokens cost.
/// </summary>
internal readonly struct StepLayout
{
    private readonly int[]? _offsets;

    private StepLayout(int steps, int batch, int[]? offsets)
    {
        Steps = steps;
        Batch = batch;
        _offsets = offsets;
    }

    /// <summary><c>L</c>: the number of steps.</summary>
    public int Steps { get; }

    /// <summary><c>N</c>: the rows of the widest step (the first).</summary>
    public int Batch { get; }

    /// <summary>Whether steps differ in size (a packed sequence's layout).</summary>
    public bool IsVariable => _offsets is not null;

    /// <summary>All rows: <c>L·N</c>, or <c>Σ batch_sizes</c>.</summary>
    public int Rows => _offsets is null ? Steps * Batch : _offsets[Steps];

    /// <summary><c>L</c> steps of <c>N</c> rows each.</summary>
    public static StepLayout Dense(int steps, int batch) => new(steps, batch, null);

    /// <summary>A packed sequence's layout from its batch sizes (positive, non-increasing: the caller checked them).</summary>
    public static StepLayout Variable(ReadOnlySpan<long> batchSizes) => Variable(batchSizes, new int[batchSizes.Length + 1]);

    /// <summary>
    /// As <see cref="Variable(ReadOnlySpan{long})"/>, keeping the step offsets in <paramref name="offsets"/> (at least
    /// <c>L + 1</c> long, e.g. rented: the layout is valid while the caller holds it).
    /// </summary>
    public static StepLayout Variable(ReadOnlySpan<long> batchSizes, int[] offsets)
    {
        offsets[0] = 0;
        for (int t = 0; t < batchSizes.Length; t++)
        {
            offsets[t + 1] = checked(offsets[t] + (int)batchSizes[t]);
        }

        return new(batchSizes.Length, batchSizes.Length == 0 ? 0 : (int)batchSizes[0], offsets);
    }

    /// <summary>The first row of step <paramref name="t"/> (<c>0 ≤ t ≤ L</c>; <see cref="Rows"/> for <c>t = L</c>).</summary>
    public int Offset(int t) => _offsets is null ? t * Batch : _offsets[t];

    /// <summary>The rows of step <paramref name="t"/>: sequences <c>[0, BatchAt(t))</c> run at it; 0 outside <c>[0, L)</c>.</summary>
    public int BatchAt(int t) =>
        (uint)t >= (uint)Steps ? 0 : _offsets is null ? Batch : _offsets[t + 1] - _offsets[t];
}
