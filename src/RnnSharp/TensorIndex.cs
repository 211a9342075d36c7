namespace RnnSharp;

/// <summary>
/// One entry of a PyTorch-style index expression for <see cref="Tensor.this[TensorIndex, TensorIndex[]]"/>: an integer (which
/// selects and removes the dimension, like Python's <c>x[:, -1]</c>) or a slice (which keeps it, like <c>x[:, 1:3]</c>
/// or <c>x[::2]</c>). Converts implicitly from <see cref="int"/>, <see cref="System.Index"/> (<c>^1</c>) and
/// <see cref="System.Range"/> (<c>..</c>, <c>1..3</c>), so that <c>x[.., ^1]</c> reads like <c>x[:, -1]</c>.
/// </summary>
public readonly record struct TensorIndex
{
    private TensorIndex(bool isSlice, int? start, int? end, int step)
    {
        IsSlice = isSlice;
        Start = start;
        End = end;
        Step = step;
    }

    /// <summary>Whether this entry is a slice (keeps the dimension) rather than a single index (removes it).</summary>
    public bool IsSlice { get; }

    /// <summary>The index of a single-index entry, or a slice's start (<see langword="null"/>: from the beginning). Negative values count from the end.</summary>
    public int? Start { get; }

    /// <summary>A slice's exclusive end (<see langword="null"/>: to the end). Negative values count from the end.</summary>
    public int? End { get; }

    /// <summary>A slice's step (positive).</summary>
    public int Step { get; }

    /// <summary>The whole dimension, Python's <c>:</c>.</summary>
    public static TensorIndex All => new(true, null, null, 1);

    /// <summary>A single index, Python's <c>x[i]</c> in that position.</summary>
    /// <param name="index">The index; negative values count from the end.</param>
    /// <returns>The entry.</returns>
    public static TensorIndex At(int index) => new(false, index, null, 1);

    /// <summary>A slice <c>start:end:step</c>, with Python's clamping of out-of-range bounds.</summary>
    /// <param name="start">The first position (<see langword="null"/>: 0); negative values count from the end.</param>
    /// <param name="end">The exclusive end (<see langword="null"/>: the length); negative values count from the end.</param>
    /// <param name="step">The step; must be positive, as in PyTorch.</param>
    /// <returns>The entry.</returns>
    public static TensorIndex Slice(int? start = null, int? end = null, int step = 1) => new(true, start, end, step);

    /// <summary>A single index.</summary>
    /// <param name="index">The index; negative values count from the end.</param>
    public static implicit operator TensorIndex(int index) => At(index);

    /// <summary>A single index, <c>^1</c> being the last.</summary>
    /// <param name="index">The index.</param>
    public static implicit operator TensorIndex(Index index) => At(index.IsFromEnd ? -index.Value : index.Value);

    /// <summary>A slice with step 1: <c>..</c> is the whole dimension, <c>1..3</c> is <c>1:3</c>, <c>^2..</c> is <c>-2:</c>.</summary>
    /// <param name="range">The range.</param>
    public static implicit operator TensorIndex(Range range) => Slice(
        range.Start.IsFromEnd ? (range.Start.Value == 0 ? int.MaxValue : -range.Start.Value) : range.Start.Value,
        range.End.IsFromEnd ? (range.End.Value == 0 ? null : -range.End.Value) : range.End.Value);

    /// <summary>Same as the implicit conversion from <see cref="int"/>.</summary>
    /// <param name="index">The index.</param>
    /// <returns>The entry.</returns>
    public static TensorIndex FromInt32(int index) => At(index);

    /// <summary>Same as the implicit conversion from <see cref="System.Index"/>.</summary>
    /// <param name="index">The index.</param>
    /// <returns>The entry.</returns>
    public static TensorIndex FromIndex(Index index) => index;

    /// <summary>Same as the implicit conversion from <see cref="System.Range"/>.</summary>
    /// <param name="range">The range.</param>
    /// <returns>The entry.</returns>
    public static TensorIndex FromRange(Range range) => range;
}
