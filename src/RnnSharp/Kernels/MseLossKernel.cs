using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// PyTorch's <c>mse_loss</c>: <c>loss = (input − target)²</c> elementwise, reduced by the sum or the mean over all
/// elements (NaN for an empty mean, as in PyTorch); backward as ATen's <c>mse_loss_backward</c>:
/// <c>gradInput = norm · (input − target) · gradOutput</c> with <c>norm = 2 / numel</c> for the mean and 2
/// otherwise. The gradient with respect to the target is PyTorch's
/// <c>mse_loss_backward(grad, target, input)</c>: call <see cref="Backward"/> with the two swapped (it is exactly
/// <c>−gradInput</c>). Sums run in double, rounded once. Vectorised with <see cref="TensorPrimitives"/>; the scalar
/// double oracles sit beside the fast kernels.
/// </summary>
internal static class MseLossKernel
{
    private const int Chunk = 256;

    /// <summary>
    /// input, target <c>(numel)</c>; destination <c>(numel)</c> for <see cref="Reduction.None"/> (it may be
    /// <paramref name="input"/> or <paramref name="target"/>), <c>(1)</c> otherwise. Does not allocate.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Reduction reduction, Span<float> destination)
    {
        if (reduction == Reduction.None)
        {
            TensorPrimitives.Subtract(input, target, destination[..input.Length]);
            TensorPrimitives.Multiply(destination[..input.Length], destination[..input.Length], destination[..input.Length]);
            return;
        }

        Span<float> diff = stackalloc float[Chunk];
        double sum = 0;
        for (int k = 0; k < input.Length; k += Chunk)
        {
            int w = Math.Min(Chunk, input.Length - k);
            TensorPrimitives.Subtract(input.Slice(k, w), target.Slice(k, w), diff[..w]);
            sum += WideSum.Dot(diff[..w], diff[..w]);
        }

        destination[0] = (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
    }

    /// <summary>
    /// gradOutput <c>(numel)</c> for <see cref="Reduction.None"/>, <c>(1)</c> otherwise; input, target, gradInput
    /// <c>(numel)</c>. gradInput may be any of the inputs itself but must not otherwise overlap them. Does not allocate.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> target, Reduction reduction,
        Span<float> gradInput)
    {
        float norm = (float)(reduction == Reduction.Mean ? 2.0 / input.Length : 2.0);
        float reduced = reduction == Reduction.None ? 0 : gradOutput[0];
        Span<float> tmp = stackalloc float[Chunk];
        for (int k = 0; k < input.Length; k += Chunk)
        {
            // norm · (input − target) goes through tmp so that gradInput may alias any of the three inputs.
            int w = Math.Min(Chunk, input.Length - k);
            TensorPrimitives.Subtract(input.Slice(k, w), target.Slice(k, w), tmp[..w]);
            TensorPrimitives.Multiply(tmp[..w], norm, tmp[..w]);
            if (reduction == Reduction.None)
            {
                TensorPrimitives.Multiply(tmp[..w], gradOutput.Slice(k, w), gradInput.Slice(k, w));
            }
            else
            {
                TensorPrimitives.Multiply(tmp[..w], reduced, gradInput.Slice(k, w));
            }
        }
    }

    /// <summary>The naive oracle for <see cref="Forward"/>: scalar, in double, rounded once.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Reduction reduction, Span<float> destination)
    {
        double sum = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double d = (double)input[i] - target[i];
            if (reduction == Reduction.None)
            {
                destination[i] = (float)(d * d);
            }
            else
            {
                sum += d * d;
            }
        }

        if (reduction != Reduction.None)
        {
            destination[0] = (float)(reduction == Reduction.Mean ? sum / input.Length : sum);
        }
    }

    /// <summary>The naive oracle for <see cref="Backward"/>: scalar, in double, rounded once.</summary>
    public static void BackwardReference(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, ReadOnlySpan<float> target, Reduction reduction,
        Span<float> gradInput)
    {
        double norm = reduction == Reduction.Mean ? 2.0 / input.Length : 2.0;
        for (int i = 0; i < input.Length; i++)
        {
            double g = reduction == Reduction.None ? gradOutput[i] : gradOutput[0];
            gradInput[i] = (float)(norm * ((double)input[i] - target[i]) * g);
        }
    }
}
