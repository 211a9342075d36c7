using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Selecting and slicing along any dimension. Results that are a contiguous block of this tensor (along dimension 0
/// with step 1) share its storage, as in PyTorch; the others are copies: unlike PyTorch, writes to them do not reach
/// this tensor.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Indexes like Python: <c>x[.., ^1]</c> is <c>x[:, -1]</c> (<c>SelectBackward0</c>), <c>x[.., 1..3]</c> is
    /// <c>x[:, 1:3]</c> (<c>SliceBackward0</c>), <c>x[TensorIndex.Slice(step: 2)]</c> is <c>x[::2]</c>. Entries apply
    /// to the leading dimensions in order; an integer removes its dimension, a slice keeps it, and dimensions not
    /// named are kept whole. A whole-dimension slice records nothing, as in PyTorch. An integer index alone
    /// (<c>x[1]</c>) reads an element instead: use <see cref="Select(int)"/> or <c>x[1, ..]</c> for a sub-tensor.
    /// </summary>
    /// <param name="first">The entry for dimension 0.</param>
    /// <param name="rest">The entries for the following dimensions.</param>
    /// <returns>The indexed tensor: a view when it is a contiguous block (dimension 0), otherwise a copy.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rest"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">More entries than dimensions.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An integer index is out of bounds, or a slice step is not positive.</exception>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public Tensor this[TensorIndex first, params TensorIndex[] rest]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(rest);
            TensorIndex[] indices = [first, .. rest];
            if (indices.Length > _shape.Length)
            {
                ThrowHelper.ThrowWrongIndexCount(indices.Length, _shape.Length, nameof(rest));
            }

            Tensor t = this;
            int dim = 0;
            foreach (TensorIndex entry in indices)
            {
                if (!entry.IsSlice)
                {
                    int size = t._shape[dim];
                    int i = entry.Start!.Value;
                    if (i < -size || i >= size)
                    {
                        ThrowHelper.ThrowIndexOutOfBounds(i, dim, size, nameof(rest));
                    }

                    t = t.Select(dim, i);
                }
                else
                {
                    if (entry.Start is not (null or 0) || entry.End is not null || entry.Step != 1)
                    {
                        t = t.Slice(dim, entry.Start, entry.End, entry.Step);
                    }

                    dim++;
                }
            }

            return t;
        }
    }

    /// <summary>
    /// Indexes dimension 0 with an int64 tensor: the result has shape <c>index.shape + this.shape[1:]</c>.
    /// Equivalent to <c>tensor[index]</c> with a <c>torch.long</c> index (<c>IndexBackward0</c>); negative indices
    /// count from the end. A copy.
    /// </summary>
    /// <param name="index">An int64 tensor of positions along dimension 0.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="index"/> is not int64, or this tensor is 0-d.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of bounds (PyTorch: <c>index 5 is out of bounds for dimension 0 with size 2</c>).</exception>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public Tensor this[Tensor index]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(index);
            if (_shape.Length == 0)
            {
                ThrowHelper.ThrowSelectOnScalar();
            }

            ReadOnlySpan<long> values = index.AsReadOnlyInt64Span();
            int size = _shape[0];
            int[] positions = new int[values.Length];
            for (int j = 0; j < values.Length; j++)
            {
                long v = values[j];
                if (v < -size || v >= size)
                {
                    ThrowHelper.ThrowIndexOutOfBounds((int)Math.Clamp(v, int.MinValue, int.MaxValue), 0, size, nameof(index));
                }

                positions[j] = (int)(v < 0 ? v + size : v);
            }

            int[] shape = [.. index._shape, .. _shape[1..]];
            return GatherAlong(0, positions, shape, "IndexBackward0");
        }
    }

    /// <summary>
    /// Returns the slice at <paramref name="index"/> along <paramref name="dim"/>, without that dimension. Equivalent
    /// to <c>tensor.select(dim, index)</c> (<c>SelectBackward0</c>). Along dimension 0 it shares storage, as in
    /// PyTorch; along another dimension it is a copy: unlike PyTorch, writes to it do not reach this tensor.
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="index">The position along <paramref name="dim"/>; negative values count from the end.</param>
    /// <returns>A tensor with one dimension fewer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension or index is out of range (PyTorch: <c>select(): index 3 out of range for tensor of size [2, 3] at dimension 1</c>).</exception>
    /// <exception cref="InvalidOperationException">The tensor is 0-d.</exception>
    public Tensor Select(int dim, int index)
    {
        if (_shape.Length == 0)
        {
            ThrowHelper.ThrowSelectOnScalar();
        }

        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        int size = _shape[d];
        if (index < -size || index >= size)
        {
            ThrowHelper.ThrowSelectOutOfRange(index, _shape, d, nameof(index));
        }

        int i = index < 0 ? index + size : index;
        if (d == 0)
        {
            return Select(index);
        }

        int[] shape = [.. _shape[..d], .. _shape[(d + 1)..]];
        Tensor result = GatherAlong(d, [i], shape, "SelectBackward0");
        if (index < 0 && result.GradFn is GatherBackward gather)
        {
            gather.FromEnd = true;
        }

        return result;
    }

    /// <summary>
    /// Returns <paramref name="length"/> positions of dimension <paramref name="dim"/> from <paramref name="start"/>.
    /// Equivalent to <c>tensor.narrow(dim, start, length)</c> (<c>SliceBackward0</c>). Along dimension 0 it shares
    /// storage, as in PyTorch; along another dimension it is a copy: unlike PyTorch, writes to it do not reach this tensor.
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="start">The first position; negative values count from the end.</param>
    /// <param name="length">How many positions.</param>
    /// <returns>A tensor with <paramref name="length"/> at <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range, or the range does not fit (PyTorch: <c>start (2) + length (2) exceeds dimension size (3).</c>).</exception>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        int size = _shape[d];
        int s = start < 0 ? start + size : start;
        if (start < -size || start > size)
        {
            ThrowHelper.ThrowIndexOutOfBounds(start, d, size, nameof(start));
        }

        if (length < 0 || s > size - length)
        {
            ThrowHelper.ThrowNarrowRange(s, length, size, nameof(length));
        }

        return SliceCore(d, s, length, 1);
    }

    /// <summary>
    /// Slices dimension <paramref name="dim"/> as Python's <c>start:end:step</c> does (bounds clamped to the
    /// dimension). Equivalent to <c>tensor[:, start:end:step]</c> on that dimension (<c>SliceBackward0</c>). With step 1
    /// along dimension 0 it shares storage; otherwise it is a copy: unlike PyTorch, writes to it do not reach this tensor.
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="start">The first position (<see langword="null"/>: 0); negative values count from the end.</param>
    /// <param name="end">The exclusive end (<see langword="null"/>: the length); negative values count from the end.</param>
    /// <param name="step">The step; must be positive.</param>
    /// <returns>A tensor with the selected positions at <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range, or <paramref name="step"/> is not positive (PyTorch: <c>slice step cannot be zero</c>, <c>step must be greater than zero</c>).</exception>
    public Tensor Slice(int dim, int? start = null, int? end = null, int step = 1)
    {
        if (step <= 0)
        {
            ThrowHelper.ThrowSliceStep(step, nameof(step));
        }

        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        int size = _shape[d];
        int s = Clamp(start ?? 0, size);
        int e = Clamp(end ?? size, size);
        int length = e <= s ? 0 : ((e - s - 1) / step) + 1;
        return SliceCore(d, s, length, step);

        static int Clamp(int i, int size) => i < 0 ? Math.Max(i + size, 0) : Math.Min(i, size);
    }

    /// <summary>
    /// Picks the positions <paramref name="index"/> along <paramref name="dim"/> (repeats allowed). Equivalent to
    /// <c>tensor.index_select(dim, index)</c> (<c>IndexSelectBackward0</c>). A copy.
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="index">A 1-D (or 0-d) int64 tensor of positions in <c>[0, size)</c>.</param>
    /// <returns>A new tensor with <c>index.NumElements</c> at <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="index"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="index"/> is not int64.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The dimension is out of range, or an index is outside <c>[0, size)</c> (PyTorch: <c>index out of range in self</c>).</exception>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        ReadOnlySpan<long> values = index.AsReadOnlyInt64Span();
        int size = _shape.Length == 0 ? 1 : _shape[d];
        int[] positions = new int[values.Length];
        for (int j = 0; j < values.Length; j++)
        {
            if ((ulong)values[j] >= (ulong)size)
            {
                ThrowHelper.ThrowIndexSelectRange(nameof(index));
            }

            positions[j] = (int)values[j];
        }

        int[] shape = (int[])_shape.Clone();
        if (shape.Length > 0)
        {
            shape[d] = positions.Length;
        }

        return GatherAlong(d, positions, shape, "IndexSelectBackward0");
    }

    private Tensor SliceCore(int dim, int start, int length, int step)
    {
        int[] shape = (int[])_shape.Clone();
        shape[dim] = length;
        if (dim == 0 && step == 1)
        {
            int inner = _shape[0] == 0 ? 0 : _numel / _shape[0];
            Tensor view = ViewOfSelf(_offset + (start * inner), shape, length * inner);
            return MustRecord(this) ? view.SetGradFn(new GatherBackward("SliceBackward0", this, 0, Positions(start, length, 1))) : view;
        }

        return GatherAlong(dim, Positions(start, length, step), shape, "SliceBackward0");
    }

    private static int[] Positions(int start, int length, int step)
    {
        int[] positions = new int[length];
        for (int j = 0; j < length; j++)
        {
            positions[j] = start + (j * step);
        }

        return positions;
    }

    /// <summary>A copy of <paramref name="positions"/> along <paramref name="dim"/>, shaped <paramref name="shape"/> (owned), recording <paramref name="name"/>.</summary>
    private Tensor GatherAlong(int dim, int[] positions, int[] shape, string name)
    {
        (int outer, int size, int inner) = ShapeMath.Split(_shape, dim);
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        Tensor result;
        if (_int64 is null)
        {
            result = Empty(shape);
            GatherKernel.Gather<float>(AsReadOnlySpan(), outer, size, inner, positions, result.Writable);
        }
        else
        {
            long[] data = new long[numel];
            GatherKernel.Gather<long>(AsReadOnlyInt64Span(), outer, size, inner, positions, data);
            result = FromInt64(data, shape);
        }

        return MustRecord(this) ? result.SetGradFn(new GatherBackward(name, this, dim, positions)) : result;
    }
}
