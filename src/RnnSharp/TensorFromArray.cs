using System.Numerics;

namespace RnnSharp;

/// <summary>
/// Copies .NET arrays (rectangular or nested) into new tensors, checking that nesting is rectangular: float arrays
/// into float32 tensors, <see cref="long"/> and <see cref="int"/> arrays into int64 tensors.
/// </summary>
internal static class TensorFromArray
{
    /// <summary>A float32 tensor from a float array of any nesting.</summary>
    public static Tensor Create(Array data, string paramName)
    {
        List<int> shape = Shape(data, paramName);
        Tensor result = Tensor.CreateOwned([.. shape]);
        Copy(data, shape, result.AsSpan(), paramName);
        return result;
    }

    /// <summary>An int64 tensor from a <see cref="long"/> or <see cref="int"/> array of any nesting (PyTorch's <c>torch.tensor</c> of Python ints).</summary>
    public static Tensor CreateInt64(Array data, string paramName)
    {
        List<int> shape = Shape(data, paramName);
        int[] dims = [.. shape];
        long[] values = new long[ShapeMath.CheckedNumel(dims, paramName)];
        Copy(data, shape, values.AsSpan(), paramName);
        return Tensor.FromInt64(values, dims);
    }

    private static List<int> Shape(Array data, string paramName)
    {
        ArgumentNullException.ThrowIfNull(data, paramName);
        var shape = new List<int>();
        InferShape(data, shape, paramName);
        return shape;
    }

    private static void Copy<T>(Array data, List<int> shape, Span<T> destination, string paramName)
        where T : INumberBase<T>
    {
        int written = 0;
        Fill(data, 0, shape, destination, ref written, paramName);
    }

    /// <summary>Whether arrays of <paramref name="element"/> end the nesting (their own lengths are the innermost dimensions).</summary>
    private static bool IsLeaf(Type? element) => element == typeof(float) || element == typeof(long) || element == typeof(int);

    private static void InferShape(Array data, List<int> shape, string paramName)
    {
        Type? element = data.GetType().GetElementType();
        if (IsLeaf(element))
        {
            // float[], long[,], int[,,]...: the array's own lengths are the shape.
            for (int d = 0; d < data.Rank; d++)
            {
                shape.Add(data.GetLength(d));
            }

            return;
        }

        if (data.Rank == 1 && element is { IsArray: true })
        {
            shape.Add(data.Length);
            if (data.Length > 0)
            {
                Array first = data.GetValue(0) as Array ?? throw new ArgumentNullException(paramName, "A nested array element is null.");
                InferShape(first, shape, paramName);
            }

            return;
        }

        ThrowHelper.ThrowUnsupportedArray(data.GetType(), paramName);
    }

    private static void Fill<T>(Array data, int dim, List<int> shape, Span<T> dest, ref int written, string paramName)
        where T : INumberBase<T>
    {
        if (IsLeaf(data.GetType().GetElementType()))
        {
            // A rectangular block (or a vector) ends the nesting; check it matches what the first one promised.
            for (int d = 0; d < data.Rank; d++)
            {
                if (data.GetLength(d) != shape[dim + d])
                {
                    ThrowHelper.ThrowRagged(dim + d, shape[dim + d], data.GetLength(d), paramName);
                }
            }

            if (dim + data.Rank != shape.Count)
            {
                ThrowHelper.ThrowRagged(dim, shape[dim], data.Length, paramName);
            }

            switch (data)
            {
                case float[] floats:
                    CopyVector<float, T>(floats, dest, ref written);
                    break;
                case long[] longs:
                    CopyVector<long, T>(longs, dest, ref written);
                    break;
                case int[] ints:
                    CopyVector<int, T>(ints, dest, ref written);
                    break;
                default:
                    // Rectangular arrays enumerate in row-major order.
                    foreach (object v in data)
                    {
                        dest[written++] = v switch
                        {
                            float f => T.CreateTruncating(f),
                            long l => T.CreateTruncating(l),
                            _ => T.CreateTruncating((int)v),
                        };
                    }

                    break;
            }

            return;
        }

        if (data.Length != shape[dim])
        {
            ThrowHelper.ThrowRagged(dim, shape[dim], data.Length, paramName);
        }

        foreach (object? item in data)
        {
            if (item is not Array inner)
            {
                throw new ArgumentNullException(paramName, "A nested array element is null.");
            }

            Fill(inner, dim + 1, shape, dest, ref written, paramName);
        }
    }

    private static void CopyVector<TFrom, T>(TFrom[] source, Span<T> dest, ref int written)
        where TFrom : INumberBase<TFrom>
        where T : INumberBase<T>
    {
        Span<T> target = dest.Slice(written, source.Length);
        for (int i = 0; i < source.Length; i++)
        {
            target[i] = T.CreateTruncating(source[i]);
        }

        written += source.Length;
    }
}
