namespace RnnSharp.Kernels;

/// <summary>
/// Picks positions along one dimension of a contiguous tensor seen as <c>(outer, size, inner)</c>: the forward of
/// select, narrow, slicing and index_select, and (scattering back, adding) their backward.
/// </summary>
internal static class GatherKernel
{
    /// <summary><c>destination[o, j, :] = source[o, positions[j], :]</c>; destination is <c>(outer, positions.Length, inner)</c>.</summary>
    public static void Gather<T>(ReadOnlySpan<T> source, int outer, int size, int inner, ReadOnlySpan<int> positions, Span<T> destination)
    {
        int count = positions.Length;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> block = source.Slice(o * size * inner, size * inner);
            Span<T> dst = destination.Slice(o * count * inner, count * inner);
            for (int j = 0; j < count; j++)
            {
                block.Slice(positions[j] * inner, inner).CopyTo(dst.Slice(j * inner, inner));
            }
        }
    }

    /// <summary>
    /// <c>destination[o, positions[j], :] += source[o, j, :]</c> in the order of <c>j</c> (ATen's <c>index_add_</c>
    /// order, so repeated positions add up the same way); destination is <c>(outer, size, inner)</c>.
    /// </summary>
    public static void ScatterAdd(ReadOnlySpan<float> source, int outer, int size, int inner, ReadOnlySpan<int> positions, Span<float> destination)
    {
        int count = positions.Length;
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> src = source.Slice(o * count * inner, count * inner);
            Span<float> block = destination.Slice(o * size * inner, size * inner);
            for (int j = 0; j < count; j++)
            {
                Span<float> row = block.Slice(positions[j] * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(row, src.Slice(j * inner, inner), row);
            }
        }
    }
}
