using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Sorting along a dimension, in PyTorch's order for equal values and NaN.</summary>
public partial class Tensor
{
    /// <summary>
    /// Sorts the elements along <paramref name="dim"/>. Equivalent to <c>tensor.sort(dim, descending, stable)</c>, for
    /// float32 and int64 tensors. NaN sorts above every number (last ascending, first descending), as in PyTorch. Equal
    /// values come in PyTorch's order: with <paramref name="stable"/> <see langword="true"/> in their original order;
    /// otherwise in the order of ATen's CPU kernel, libstdc++'s <c>std::sort</c>, repeated step for step (which keeps
    /// the original order up to 16 elements, and not beyond). Values record <c>SortBackward0</c>, or
    /// <c>SortBackward1</c> when <paramref name="stable"/> is given, as PyTorch's two overloads do.
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="descending">Largest first.</param>
    /// <param name="stable">
    /// <see langword="true"/> keeps equal values in their original order; <see langword="null"/> (PyTorch's
    /// <c>stable</c> not passed) and <see langword="false"/> sort as PyTorch's default.
    /// </param>
    /// <returns>The sorted values (same shape and dtype) and their int64 indices.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range (PyTorch: <c>Dimension out of range (expected to be in range of [-2, 1], but got 2)</c>).</exception>
    public SortResult Sort(int dim = -1, bool descending = false, bool? stable = null)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        (int outer, int size, int inner) = ShapeMath.Split(_shape, d);
        long[] indices = new long[_numel];
        Tensor values;
        if (_int64 is null)
        {
            values = Empty((int[])_shape.Clone());
            SortAlong(AsReadOnlySpan(), outer, size, inner, descending, stable ?? false, values.Writable, indices);
        }
        else
        {
            long[] sorted = new long[_numel];
            SortAlong(AsReadOnlyInt64Span(), outer, size, inner, descending, stable ?? false, sorted, indices);
            values = FromInt64(sorted, (int[])_shape.Clone());
        }

        if (MustRecord(this))
        {
            values.SetGradFn(new PickBackward(stable is null ? "SortBackward0" : "SortBackward1", this, d, size, indices));
        }

        return new SortResult(values, FromInt64(indices, (int[])_shape.Clone()));
    }

    /// <summary>Sorts each <c>(o, :, i)</c> line of <paramref name="source"/> seen as <c>(outer, size, inner)</c> into <paramref name="values"/>, writing the original positions to <paramref name="indices"/>.</summary>
    private static void SortAlong<T>(
        ReadOnlySpan<T> source, int outer, int size, int inner, bool descending, bool stable, Span<T> values, Span<long> indices)
        where T : System.Numerics.INumber<T>
    {
        var line = new (T Value, int Index)[size];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int start = (o * size * inner) + i;
                for (int j = 0; j < size; j++)
                {
                    line[j] = (source[start + (j * inner)], j);
                }

                if (stable)
                {
                    TopKSelect<T>.StableSort(line, descending);
                }
                else
                {
                    TopKSelect<T>.Sort(line, descending);
                }

                for (int j = 0; j < size; j++)
                {
                    values[start + (j * inner)] = line[j].Value;
                    indices[start + (j * inner)] = line[j].Index;
                }
            }
        }
    }
}
