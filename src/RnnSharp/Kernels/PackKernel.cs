namespace RnnSharp.Kernels;

/// <summary>
/// Moves rows between a padded batch and its packed form (<c>torch.nn.utils.rnn</c>'s <c>_pack_padded_sequence</c>
/// and <c>_pad_packed_sequence</c>). The padded batch is <c>(T, B, *)</c>, or <c>(B, T, *)</c> when
/// <c>batchFirst</c>; a row is the <c>inner</c> elements of <c>*</c>. Packed step <c>t</c> holds rows
/// <c>b &lt; batchSizes[t]</c>, one after another. Each kernel has its naive element-by-element oracle beside it.
/// </summary>
internal static class PackKernel
{
    /// <summary><c>data[offset_t + b, :] = padded[t, b, :]</c> (or <c>padded[b, t, :]</c>) for every step t and <c>b &lt; batchSizes[t]</c>.</summary>
    public static void Pack<T>(ReadOnlySpan<T> padded, int steps, int batch, int inner, bool batchFirst, ReadOnlySpan<long> batchSizes, Span<T> data)
    {
        int at = 0;
        for (int t = 0; t < batchSizes.Length; t++)
        {
            int rows = (int)batchSizes[t];
            if (batchFirst)
            {
                for (int b = 0; b < rows; b++)
                {
                    padded.Slice(((b * steps) + t) * inner, inner).CopyTo(data.Slice(at + (b * inner), inner));
                }
            }
            else
            {
                // Time-major: step t's active rows are one contiguous block.
                padded.Slice(t * batch * inner, rows * inner).CopyTo(data.Slice(at, rows * inner));
            }

            at += rows * inner;
        }
    }

    /// <summary>
    /// The inverse of <see cref="Pack{T}"/>: fills <paramref name="padded"/> (<paramref name="steps"/> ≥ the number of
    /// packed steps) with <paramref name="paddingValue"/>, then puts each packed row back at its <c>(t, b)</c>.
    /// </summary>
    public static void Pad<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> batchSizes, int steps, int batch, int inner, bool batchFirst, T paddingValue, Span<T> padded)
    {
        padded.Fill(paddingValue);
        int at = 0;
        for (int t = 0; t < batchSizes.Length; t++)
        {
            int rows = (int)batchSizes[t];
            if (batchFirst)
            {
                for (int b = 0; b < rows; b++)
                {
                    data.Slice(at + (b * inner), inner).CopyTo(padded.Slice(((b * steps) + t) * inner, inner));
                }
            }
            else
            {
                data.Slice(at, rows * inner).CopyTo(padded.Slice(t * batch * inner, rows * inner));
            }

            at += rows * inner;
        }
    }

    /// <summary>The oracle of <see cref="Pack{T}"/>: one element at a time, every index computed from scratch.</summary>
    public static void PackNaive<T>(ReadOnlySpan<T> padded, int steps, int batch, int inner, bool batchFirst, ReadOnlySpan<long> batchSizes, Span<T> data)
    {
        int row = 0;
        for (int t = 0; t < batchSizes.Length; t++)
        {
            for (int b = 0; b < batchSizes[t]; b++, row++)
            {
                for (int e = 0; e < inner; e++)
                {
                    data[(row * inner) + e] = padded[PaddedIndex(t, b, e, steps, batch, inner, batchFirst)];
                }
            }
        }
    }

    /// <summary>The oracle of <see cref="Pad{T}"/>.</summary>
    public static void PadNaive<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> batchSizes, int steps, int batch, int inner, bool batchFirst, T paddingValue, Span<T> padded)
    {
        for (int i = 0; i < padded.Length; i++)
        {
            padded[i] = paddingValue;
        }

        int row = 0;
        for (int t = 0; t < batchSizes.Length; t++)
        {
            for (int b = 0; b < batchSizes[t]; b++, row++)
            {
                for (int e = 0; e < inner; e++)
                {
                    padded[PaddedIndex(t, b, e, steps, batch, inner, batchFirst)] = data[(row * inner) + e];
                }
            }
        }
    }

    private static int PaddedIndex(int t, int b, int e, int steps, int batch, int inner, bool batchFirst) =>
        ((batchFirst ? (b * steps) + t : (t * batch) + b) * inner) + e;
}
