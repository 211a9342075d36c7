using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// <c>destination = input · weightᵀ + bias</c>, row by row: the reference for PyTorch's <c>at::linear</c> on
/// contiguous float32 matrices.
/// </summary>
internal static class LinearKernel
{
    /// <summary>
    /// input <c>(rows, inFeatures)</c>, weight <c>(outFeatures, inFeatures)</c>, bias <c>(outFeatures)</c> or
    /// empty for none, destination <c>(rows, outFeatures)</c>. The bias is added after each dot product, as
    /// <c>addmm</c> does. Does not allocate; <paramref name="destination"/> must not overlap the inputs.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> destination,
        int rows, int inFeatures, int outFeatures)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * inFeatures, inFeatures);
            Span<float> y = destination.Slice(r * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                y[o] = TensorPrimitives.Dot(x, weight.Slice(o * inFeatures, inFeatures));
            }

            if (!bias.IsEmpty)
            {
                TensorPrimitives.Add(y, bias, y);
            }
        }
    }
}
