using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// Sums over one dimension of a contiguous tensor seen as <c>(outer, size, inner)</c>, into <c>(outer, inner)</c>.
/// </summary>
internal static class ReduceKernel
{
    /// <summary>
    /// <c>destination[o, i] = Σ_k source[o, k, i]</c>. Rows (inner = 1) use <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>,
    /// whose vector lanes keep partial sums as ATen's cascade does; otherwise whole inner rows are added one after
    /// another. Does not allocate; <paramref name="destination"/> must not overlap <paramref name="source"/>.
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

        for (int o = 0; o < outer; o++)
        {
            Span<float> row = destination.Slice(o * inner, inner);
            if (size == 0)
            {
                row.Clear();
                continue;
            }

            ReadOnlySpan<float> block = source.Slice(o * size * inner, size * inner);
            block[..inner].CopyTo(row);
            for (int k = 1; k < size; k++)
            {
                TensorPrimitives.Add(row, block.Slice(k * inner, inner), row);
            }
        }
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
