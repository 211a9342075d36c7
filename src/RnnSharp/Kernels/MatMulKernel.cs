using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// Row-major single-precision matrix products for <see cref="Tensor.MatMul"/> and its backward: <c>C = A·B</c>,
/// <c>C = A·Bᵀ</c>, <c>C = Aᵀ·B</c>, each overwriting or (with <c>accumulate</c>) adding into C. Rows of C are built
/// with <see cref="TensorPrimitives"/> (multiply-add of rows, or dot products), so the inner loops are vectorised.
/// </summary>
internal static class MatMulKernel
{
    /// <summary>A <c>(m, k)</c>, B <c>(k, n)</c>, destination <c>(m, n)</c>: <c>C (+)= A·B</c>. No overlap allowed.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, Span<float> destination)
    {
        if (n == 1)
        {
            for (int i = 0; i < m; i++)
            {
                float dot = TensorPrimitives.Dot(a.Slice(i * k, k), b[..k]);
                destination[i] = accumulate ? destination[i] + dot : dot;
            }

            return;
        }

        for (int i = 0; i < m; i++)
        {
            Span<float> c = destination.Slice(i * n, n);
            if (!accumulate)
            {
                c.Clear();
            }

            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int p = 0; p < k; p++)
            {
                TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aRow[p], c, c);
            }
        }
    }

    /// <summary>A <c>(m, k)</c>, B <c>(n, k)</c>, destination <c>(m, n)</c>: <c>C (+)= A·Bᵀ</c>, each element one dot product.</summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, Span<float> destination)
    {
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            Span<float> c = destination.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                float dot = TensorPrimitives.Dot(aRow, b.Slice(j * k, k));
                c[j] = accumulate ? c[j] + dot : dot;
            }
        }
    }

    /// <summary>A <c>(k, m)</c>, B <c>(k, n)</c>, destination <c>(m, n)</c>: <c>C (+)= Aᵀ·B</c>.</summary>
    public static void MultiplyTransposedA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, Span<float> destination)
    {
        if (!accumulate)
        {
            destination[..(m * n)].Clear();
        }

        for (int p = 0; p < k; p++)
        {
            ReadOnlySpan<float> bRow = b.Slice(p * n, n);
            for (int i = 0; i < m; i++)
            {
                Span<float> c = destination.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(bRow, a[(p * m) + i], c, c);
            }
        }
    }

    /// <summary>The oracle: <c>C = A·B</c> with one double accumulator per element.</summary>
    public static void MultiplyNaive(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, Span<float> destination)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[(i * k) + p] * b[(p * n) + j];
                }

                destination[(i * n) + j] = (float)sum;
            }
        }
    }
}
