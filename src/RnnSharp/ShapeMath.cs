namespace RnnSharp;

/// <summary>Shape arithmetic shared by the public API: element counts, dimension wrapping, view inference.</summary>
internal static class ShapeMath
{
    /// <summary>The product of <paramref name="shape"/>, checking for negative dimensions and overflow.</summary>
    public static int CheckedNumel(ReadOnlySpan<int> shape, string paramName)
    {
        long numel = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] < 0)
            {
                ThrowHelper.ThrowNegativeDimension(shape, d, paramName);
            }

            numel *= shape[d];
            if (numel > Array.MaxLength)
            {
                ThrowHelper.ThrowTooManyElements(shape, paramName);
            }
        }

        return (int)numel;
    }

    /// <summary>Wraps a possibly negative dimension index into <c>[0, rank)</c>, as PyTorch's <c>maybe_wrap_dim</c> does.</summary>
    public static int NormalizeDim(int dim, int rank, string paramName)
    {
        int min = -Math.Max(rank, 1);
        int max = Math.Max(rank, 1) - 1;
        if (dim < min || dim > max)
        {
            ThrowHelper.ThrowDimOutOfRange(dim, min, max, paramName);
        }

        return dim < 0 ? dim + Math.Max(rank, 1) : dim;
    }

    /// <summary>Resolves a view shape with at most one -1 against an element count.</summary>
    public static int[] InferView(ReadOnlySpan<int> shape, int numel, string paramName)
    {
        int infer = -1;
        long known = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == -1)
            {
                if (infer >= 0)
                {
                    ThrowHelper.ThrowOnlyOneInferredDim(paramName);
                }

                infer = d;
            }
            else if (shape[d] < 0)
            {
                ThrowHelper.ThrowInvalidShapeDimension(shape, d, paramName);
            }
            else
            {
                known *= shape[d];
                if (known > Array.MaxLength)
                {
                    ThrowHelper.ThrowShapeInvalidForSize(shape, numel, paramName);
                }
            }
        }

        int[] result = shape.ToArray();
        if (infer >= 0)
        {
            if (known == 0 || numel % known != 0)
            {
                ThrowHelper.ThrowShapeInvalidForSize(shape, numel, paramName);
            }

            result[infer] = (int)(numel / known);
        }
        else if (known != numel)
        {
            ThrowHelper.ThrowShapeInvalidForSize(shape, numel, paramName);
        }

        return result;
    }

    /// <summary>Formats a shape as PyTorch lists it in messages: <c>[5, 3, 12]</c>.</summary>
    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Formats a shape as a Python tuple, as PyTorch prints <c>tuple(t.shape)</c>: <c>(2, 0)</c>, <c>(5,)</c>.</summary>
    public static string FormatTuple(ReadOnlySpan<int> shape) =>
        shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";

    /// <summary>A shape seen as <c>(outer, size, inner)</c> around dimension <paramref name="dim"/> (a 0-d shape is <c>(1, 1, 1)</c>).</summary>
    public static (int Outer, int Size, int Inner) Split(ReadOnlySpan<int> shape, int dim)
    {
        if (shape.Length == 0)
        {
            return (1, 1, 1);
        }

        int outer = 1;
        for (int d = 0; d < dim; d++)
        {
            outer *= shape[d];
        }

        int inner = 1;
        for (int d = dim + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        return (outer, shape[dim], inner);
    }
}
