using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Sums and means, over all elements or over dimensions.</summary>
public partial class Tensor
{
    /// <summary>Returns the sum of all elements as a 0-d tensor. Equivalent to <c>tensor.sum()</c> (<c>SumBackward0</c>).</summary>
    /// <returns>A 0-d tensor.</returns>
    public Tensor Sum()
    {
        Tensor result = SumDimRaw(_numel, 1, 1, []);
        return MustRecord(this) ? result.SetGradFn(new SumBackward("SumBackward0", this, [], mean: false)) : result;
    }

    /// <summary>Sums over one dimension. Equivalent to <c>tensor.sum(dim, keepdim)</c> (<c>SumBackward1</c>).</summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimension with length 1.</param>
    /// <returns>A new tensor without (or with length 1 at) <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range (PyTorch: <c>Dimension out of range (expected to be in range of [-2, 1], but got 2)</c>).</exception>
    public Tensor Sum(int dim, bool keepdim = false) => Sum([dim], keepdim);

    /// <summary>Sums over several dimensions. Equivalent to <c>tensor.sum(dims, keepdim)</c> (<c>SumBackward1</c>); no dimensions sums everything, as in PyTorch 1.13.</summary>
    /// <param name="dims">The dimensions to reduce; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimensions with length 1.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dims"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public Tensor Sum(int[] dims, bool keepdim = false)
    {
        ArgumentNullException.ThrowIfNull(dims);
        (Tensor result, bool[] reduced) = SumDims(dims, keepdim, nameof(dims));
        return MustRecord(this) ? result.SetGradFn(new SumBackward("SumBackward1", this, reduced, mean: false)) : result;
    }

    /// <summary>Returns the mean of all elements as a 0-d tensor. Equivalent to <c>tensor.mean()</c> (<c>MeanBackward0</c>): the sum divided by the count.</summary>
    /// <returns>A 0-d tensor (NaN for an empty tensor, as in PyTorch).</returns>
    public Tensor Mean()
    {
        Tensor result = SumDimRaw(_numel, 1, 1, []);
        DivideInPlace(result, _numel);
        return MustRecord(this) ? result.SetGradFn(new SumBackward("MeanBackward0", this, [], mean: true)) : result;
    }

    /// <summary>Averages over one dimension. Equivalent to <c>tensor.mean(dim, keepdim)</c> (<c>MeanBackward1</c>).</summary>
    /// <param name="dim">The dimension to reduce; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimension with length 1.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public Tensor Mean(int dim, bool keepdim = false) => Mean([dim], keepdim);

    /// <summary>Averages over several dimensions. Equivalent to <c>tensor.mean(dims, keepdim)</c> (<c>MeanBackward1</c>).</summary>
    /// <param name="dims">The dimensions to reduce; negative values count from the end.</param>
    /// <param name="keepdim">Keep the reduced dimensions with length 1.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dims"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public Tensor Mean(int[] dims, bool keepdim = false)
    {
        ArgumentNullException.ThrowIfNull(dims);
        (Tensor result, bool[] reduced) = SumDims(dims, keepdim, nameof(dims));
        DivideInPlace(result, result._numel == 0 ? 0 : _numel / result._numel);
        return MustRecord(this) ? result.SetGradFn(new SumBackward("MeanBackward1", this, reduced, mean: true)) : result;
    }

    /// <summary>Sums over <paramref name="size"/> as the middle of <c>(outer, size, inner)</c> into a new tensor of <paramref name="resultShape"/> (owned); no autograd record.</summary>
    internal Tensor SumDimRaw(int size, int outer, int inner, int[] resultShape)
    {
        Tensor result = Empty(resultShape);
        ReduceKernel.SumDim(AsReadOnlySpan(), outer, size, inner, result.Writable);
        return result;
    }

    /// <summary>The shape this tensor has with the reduced dimensions kept at length 1.</summary>
    internal int[] KeptShape(ReadOnlySpan<bool> reduced)
    {
        int[] kept = (int[])_shape.Clone();
        for (int d = 0; d < kept.Length; d++)
        {
            if (reduced.IsEmpty || reduced[d])
            {
                kept[d] = 1;
            }
        }

        return kept;
    }

    private static void DivideInPlace(Tensor t, int count) =>
        System.Numerics.Tensors.TensorPrimitives.Divide(t.AsReadOnlySpan(), count, t.Writable);

    private (Tensor Result, bool[] Reduced) SumDims(int[] dims, bool keepdim, string paramName)
    {
        bool[] reduced = new bool[_shape.Length];
        foreach (int dim in dims)
        {
            reduced[ShapeMath.NormalizeDim(dim, _shape.Length, paramName)] = true;
        }

        if (dims.Length == 0)
        {
            Array.Fill(reduced, true);
        }

        // Reduce one dimension at a time, innermost first, keeping each at length 1.
        Tensor g = this;
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            if (!reduced[d])
            {
                continue;
            }

            int outer = 1;
            for (int e = 0; e < d; e++)
            {
                outer *= _shape[e];
            }

            int inner = 1;
            for (int e = d + 1; e < _shape.Length; e++)
            {
                inner *= g._shape[e];
            }

            int[] kept = (int[])g._shape.Clone();
            kept[d] = 1;
            g = g.SumDimRaw(_shape[d], outer, inner, kept);
        }

        if (ReferenceEquals(g, this))
        {
            g = Clone().Detach();
        }

        int[] shape = keepdim ? g._shape : DropReduced(g._shape, reduced);
        return (g.ViewOfSelf(g._offset, shape == g._shape ? (int[])shape.Clone() : shape, g._numel), reduced);
    }

    private static int[] DropReduced(ReadOnlySpan<int> shape, ReadOnlySpan<bool> reduced)
    {
        var kept = new List<int>(shape.Length);
        for (int d = 0; d < shape.Length; d++)
        {
            if (!reduced[d])
            {
                kept.Add(shape[d]);
            }
        }

        return [.. kept];
    }
}
