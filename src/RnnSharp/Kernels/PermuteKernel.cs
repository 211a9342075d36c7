namespace RnnSharp.Kernels;

/// <summary>Copies a contiguous tensor into the row-major order of a permutation of its dimensions (PyTorch's <c>permute(...).contiguous()</c>).</summary>
internal static class PermuteKernel
{
    /// <summary>
    /// <c>destination[i_0, ..., i_{r-1}] = source[j]</c> where source dimension <c>perm[d]</c> is indexed by <c>i_d</c>;
    /// <paramref name="destination"/> has shape <c>shape[perm[0]], ..., shape[perm[r-1]]</c>. Runs of the last
    /// dimension that stay contiguous are block copies. Does not allocate beyond the stack; no overlap allowed.
    /// </summary>
    public static void Copy(ReadOnlySpan<float> source, ReadOnlySpan<int> shape, ReadOnlySpan<int> perm, Span<float> destination)
    {
        int rank = shape.Length;
        if (destination.IsEmpty)
        {
            return;
        }

        if (rank == 0)
        {
            destination[0] = source[0];
            return;
        }

        Span<int> sourceStride = stackalloc int[rank];
        int stride = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            sourceStride[d] = stride;
            stride *= shape[d];
        }

        Span<int> outShape = stackalloc int[rank];
        Span<int> outStride = stackalloc int[rank];
        for (int d = 0; d < rank; d++)
        {
            outShape[d] = shape[perm[d]];
            outStride[d] = sourceStride[perm[d]];
        }

        int row = outShape[rank - 1];
        int step = outStride[rank - 1];
        int rows = destination.Length / row;
        Span<int> index = stackalloc int[rank];
        index.Clear();
        int offset = 0;
        for (int r = 0; r < rows; r++)
        {
            Span<float> dst = destination.Slice(r * row, row);
            if (step == 1)
            {
                source.Slice(offset, row).CopyTo(dst);
            }
            else
            {
                for (int i = 0, s = offset; i < row; i++, s += step)
                {
                    dst[i] = source[s];
                }
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < outShape[d])
                {
                    offset += outStride[d];
                    break;
                }

                offset -= outStride[d] * (outShape[d] - 1);
                index[d] = 0;
            }
        }
    }
}
