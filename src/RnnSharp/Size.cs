using System.Collections;

namespace RnnSharp;

/// <summary>
/// The shape of a tensor: the counterpart of <c>torch.Size</c>. Prints like PyTorch (<c>torch.Size([3, 5, 2])</c>)
/// and compares by value.
/// </summary>
public readonly struct Size : IReadOnlyList<int>, IEquatable<Size>
{
    private readonly int[]? _dims;

    /// <summary>Creates a size from the length of each dimension (the array is copied).</summary>
    /// <param name="dims">The length of each dimension.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dims"/> is <see langword="null"/>.</exception>
    public Size(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        _dims = (int[])dims.Clone();
    }

    internal Size(ReadOnlySpan<int> dims) => _dims = dims.ToArray();

    private int[] Dims => _dims ?? [];

    /// <summary>The number of dimensions.</summary>
    public int Count => Dims.Length;

    /// <summary>The length of dimension <paramref name="index"/>; negative values count from the end, as in Python.</summary>
    /// <param name="index">The dimension.</param>
    /// <returns>The length of that dimension.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of range.</exception>
    public int this[int index]
    {
        get
        {
            int i = index < 0 ? index + Dims.Length : index;
            if ((uint)i >= (uint)Dims.Length)
            {
                ThrowHelper.ThrowTupleIndexOutOfRange();
            }

            return Dims[i];
        }
    }

    /// <summary>The number of elements a tensor of this size holds. Equivalent to <c>torch.Size.numel()</c>.</summary>
    /// <returns>The product of the dimensions (1 for a 0-d size).</returns>
    public long NumElements()
    {
        long n = 1;
        foreach (int d in Dims)
        {
            n *= d;
        }

        return n;
    }

    /// <summary>Copies the dimensions into a new array.</summary>
    /// <returns>A new array with one entry per dimension.</returns>
    public int[] ToArray() => (int[])Dims.Clone();

    /// <summary>Returns PyTorch's text for this size, e.g. <c>torch.Size([3, 5, 2])</c>.</summary>
    /// <returns>The text <c>str(torch.Size)</c> gives.</returns>
    public override string ToString() => "torch.Size(" + ShapeMath.Format(Dims) + ")";

    /// <inheritdoc/>
    public bool Equals(Size other) => Dims.AsSpan().SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Size other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int d in Dims)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <summary>Whether two sizes have the same dimensions.</summary>
    /// <param name="left">The first size.</param>
    /// <param name="right">The second size.</param>
    /// <returns><see langword="true"/> if the dimensions are equal.</returns>
    public static bool operator ==(Size left, Size right) => left.Equals(right);

    /// <summary>Whether two sizes differ.</summary>
    /// <param name="left">The first size.</param>
    /// <param name="right">The second size.</param>
    /// <returns><see langword="true"/> if the dimensions differ.</returns>
    public static bool operator !=(Size left, Size right) => !left.Equals(right);

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
