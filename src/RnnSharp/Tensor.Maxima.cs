using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Maxima, arg-maxima and top-k. NaN counts as larger than any number, as in PyTorch; ties go to the first position.</summary>
public partial class Tensor
{
    /// <summary>
    /// Returns the largest element as a 0-d tensor. Equivalent to <c>tensor.max()</c> (<c>MaxBackward1</c>: the
    /// gradient is shared evenly among tied maxima, as PyTorch does).
    /// </summary>
    /// <returns>A 0-d tensor.</returns>
    /// <exception cref="InvalidOperationException">The tensor is empty (PyTorch: <c>max(): Expected reduction dim to be specified for input.numel() == 0. ...</c>).</exception>
    public Tensor Max()
    {
        if (_numel == 0)
        {
            ThrowHelper.ThrowReduceEmpty("max");
        }

        ReadOnlySpan<float> x = AsReadOnlySpan();
        int best = ArgMaxRow(x, 0, _numel, 1);
        Tensor result = Empty([]);
        result.Writable[0] = x[best];
        return MustRecord(this) ? result.SetGradFn(new MaxAllBackward(this, x[best])) : result;
    }

    /// <summary>
    /// Returns the maxima along <paramref name="dim"/> and their positions. Equivalent to <c>tensor.max(dim, keepdim)</c>
    /// (values <c>MaxBackward0</c>: the gradient goes to the returned position).
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimension with length 1.</param>
    /// <returns>The maxima and their int64 indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The dimension is empty (PyTorch: <c>max(): Expected reduction dim 0 to have non-zero size.</c>).</exception>
    public MaxResult Max(int dim, bool keepdim = false)
    {
        (int d, int outer, int size, int inner, int[] shape) = Reduction(dim, keepdim, "max");
        long[] indices = ArgMaxAlong(outer, size, inner);
        Tensor values = Empty(shape);
        ReadOnlySpan<float> x = AsReadOnlySpan();
        Span<float> v = values.Writable;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                v[(o * inner) + i] = x[(((o * size) + (int)indices[(o * inner) + i]) * inner) + i];
            }
        }

        if (MustRecord(this))
        {
            values.SetGradFn(new PickBackward("MaxBackward0", this, d, 1, indices));
        }

        return new MaxResult(values, FromInt64(indices, (int[])shape.Clone()));
    }

    /// <summary>Returns the position of the largest element in the flattened tensor. Equivalent to <c>tensor.argmax()</c>.</summary>
    /// <returns>A 0-d int64 tensor.</returns>
    /// <exception cref="InvalidOperationException">The tensor is empty (PyTorch: <c>argmax(): Expected reduction dim to be specified for input.numel() == 0.</c>).</exception>
    public Tensor Argmax()
    {
        if (_numel == 0)
        {
            ThrowHelper.ThrowReduceEmpty("argmax");
        }

        return FromInt64([ArgMaxRow(AsReadOnlySpan(), 0, _numel, 1)], []);
    }

    /// <summary>Returns the positions of the maxima along <paramref name="dim"/>. Equivalent to <c>tensor.argmax(dim, keepdim)</c>.</summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimension with length 1.</param>
    /// <returns>An int64 tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The dimension is empty (PyTorch: <c>argmax(): Expected reduction dim 0 to have non-zero size.</c>).</exception>
    public Tensor Argmax(int dim, bool keepdim = false)
    {
        (_, int outer, int size, int inner, int[] shape) = Reduction(dim, keepdim, "argmax");
        return FromInt64(ArgMaxAlong(outer, size, inner), shape);
    }

    /// <summary>
    /// Returns the <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, sorted, and their
    /// positions. Equivalent to <c>tensor.topk(k, dim, largest, sorted)</c> (values <c>TopkBackward0</c>). Equal values
    /// come in PyTorch's order (its CPU kernel's libstdc++ selection, repeated step for step). The result is always
    /// sorted (largest first, or smallest first); PyTorch leaves the order unspecified for <c>sorted=False</c>.
    /// </summary>
    /// <param name="k">How many elements.</param>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="largest">Pick the largest (otherwise the smallest).</param>
    /// <param name="sorted">Accepted for PyTorch's signature; the result is sorted either way.</param>
    /// <returns>The values and their int64 indices, with length <paramref name="k"/> at <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range, or <paramref name="k"/> is not in <c>[0, size]</c> (PyTorch: <c>selected index k out of range</c>).</exception>
    public TopKResult TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        _ = sorted;
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        (int outer, int size, int inner) = ShapeMath.Split(_shape, d);
        if (k < 0 || k > size)
        {
            ThrowHelper.ThrowTopKRange(k, nameof(k));
        }

        int[] shape = (int[])_shape.Clone();
        if (shape.Length > 0)
        {
            shape[d] = k;
        }

        ReadOnlySpan<float> x = AsReadOnlySpan();
        Tensor values = Empty(shape);
        Span<float> v = values.Writable;
        long[] indices = new long[values._numel];
        var queue = new (float Value, int Index)[size];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                for (int j = 0; j < size; j++)
                {
                    queue[j] = (x[(((o * size) + j) * inner) + i], j);
                }

                TopKSelect<float>.Select(queue, k, largest);
                for (int j = 0; j < k; j++)
                {
                    int at = (((o * k) + j) * inner) + i;
                    v[at] = queue[j].Value;
                    indices[at] = queue[j].Index;
                }
            }
        }

        if (MustRecord(this))
        {
            values.SetGradFn(new PickBackward("TopkBackward0", this, d, k, indices));
        }

        return new TopKResult(values, FromInt64(indices, (int[])shape.Clone()));
    }

    /// <summary>Whether <paramref name="a"/> ranks above <paramref name="b"/> (NaN above every number).</summary>
    private static bool Greater(float a, float b) => a > b || (float.IsNaN(a) && !float.IsNaN(b));

    private static int ArgMaxRow(ReadOnlySpan<float> x, int start, int size, int stride)
    {
        int best = start;
        for (int j = 1, at = start + stride; j < size; j++, at += stride)
        {
            if (Greater(x[at], x[best]))
            {
                best = at;
            }
        }

        return best;
    }

    private long[] ArgMaxAlong(int outer, int size, int inner)
    {
        ReadOnlySpan<float> x = AsReadOnlySpan();
        long[] indices = new long[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = (o * size * inner) + i;
                indices[(o * inner) + i] = (ArgMaxRow(x, start, size, inner) - start) / inner;
            }
        }

        return indices;
    }

    private (int Dim, int Outer, int Size, int Inner, int[] Shape) Reduction(int dim, bool keepdim, string op)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        (int outer, int size, int inner) = ShapeMath.Split(_shape, d);
        if (size == 0)
        {
            ThrowHelper.ThrowReduceEmptyDim(op, d, nameof(dim));
        }

        int[] shape = _shape.Length == 0 ? [] : keepdim ? KeptShape([.. Enumerable.Range(0, _shape.Length).Select(e => e == d)]) : [.. _shape[..d], .. _shape[(d + 1)..]];
        return (d, outer, size, inner, shape);
    }
}
