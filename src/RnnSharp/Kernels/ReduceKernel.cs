using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// Sums over one dimension of a contiguous tensor seen as <c>(outer, size, inner)</c>, into <c>(outer, inner)</c>.
/// </summary>
internal static class ReduceKernel
{
    /// <summary>
    /// <c>destination[o, i] = Σ_k source[o, k, i]</c>. Rows (inner = 1) use <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>,
    /// whose vector lanes keep partial sums as ATen's cascade does; otherwise each output element accumulates in double
    /// (adding float rows one after another loses ~size/2 ulps, more than ATen's cascade; double keeps the result
    /// within one rounding). Rents one buffer; <paramref name="destination"/> must not overlap <paramref name="source"/>.
    /// </summary>
    public static void SumDim(ReadOnlySpan<float> source, int outer, int size, int inner, Span<float> destination)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                destination[o] = TensorPrimitives.Sum(source.Slice(o * size, size));
            }

            return;
        }

        double[] rented = System.Buffers.ArrayPool<double>.Shared.Rent(inner);
        Span<double> sum = rented.AsSpan(0, inner);
        for (int o = 0; o < outer; o++)
        {
            sum.Clear();
            ReadOnlySpan<float> block = source.Slice(o * size * inner, size * inner);
            for (int k = 0; k < size; k++)
            {
                ReadOnlySpan<float> row = block.Slice(k * inner, inner);
                for (int i = 0; i < row.Length; i++)
                {
                    sum[i] += row[i];
                }
            }

            Span<float> dst = destination.Slice(o * inner, inner);
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = (float)sum[i];
            }
        }

        System.Buffers.ArrayPool<double>.Shared.Return(rented);
    }

    /// <summary>The oracle for <see cref="SumDim"/>: one double accumulator per output element, in index order.</summary>
    public static void SumDimNaive(ReadOnlySpan<float> source, int outer, int size, int inner, Span<float> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int k = 0; k < size; k++)
                {
                    sum += source[(((o * size) + k) * inner) + i];
                }

                destination[(o * inner) + i] = (float)sum;
            }
        }
    }
}
