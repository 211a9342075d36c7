using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// <c>destination = input · weightᵀ + bias</c>, row by row: the reference for PyTorch's <c>at::linear</c> on
/// contiguous float32 matrices, and its backward (llm.c's <c>matmul_backward</c>): <c>dX = dY · W</c>,
/// <c>dW = dYᵀ · X</c>, <c>db = Σ_rows dY</c>. Shapes: X <c>(rows, in)</c>, W <c>(out, in)</c>, b <c>(out)</c>,
/// Y and dY <c>(rows, out)</c>. The double-precision oracles sit beside the fast loops.
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

    /// <summary>
    /// gradOutput <c>(rows, out)</c>, weight <c>(out, in)</c>, gradInput <c>(rows, in)</c> = gradOutput · weight,
    /// overwritten. Does not allocate; <paramref name="gradInput"/> must not overlap the inputs.
    /// </summary>
    public static void BackwardInput(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput, int rows, int inFeatures, int outFeatures)
    {
        gradInput[..(rows * inFeatures)].Clear();
        for (int r = 0; r < rows; r++)
        {
            Span<float> dx = gradInput.Slice(r * inFeatures, inFeatures);
            ReadOnlySpan<float> dy = gradOutput.Slice(r * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                TensorPrimitives.MultiplyAdd(weight.Slice(o * inFeatures, inFeatures), dy[o], dx, dx);
            }
        }
    }

    /// <summary>
    /// gradOutput <c>(rows, out)</c>, input <c>(rows, in)</c>, gradWeight <c>(out, in)</c> = gradOutputᵀ · input,
    /// overwritten. Does not allocate; <paramref name="gradWeight"/> must not overlap the inputs.
    /// </summary>
    public static void BackwardWeight(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> input, Span<float> gradWeight, int rows, int inFeatures, int outFeatures)
    {
        gradWeight[..(outFeatures * inFeatures)].Clear();
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * inFeatures, inFeatures);
            ReadOnlySpan<float> dy = gradOutput.Slice(r * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                Span<float> dw = gradWeight.Slice(o * inFeatures, inFeatures);
                TensorPrimitives.MultiplyAdd(x, dy[o], dw, dw);
            }
        }
    }

    /// <summary>gradOutput <c>(rows, out)</c>, gradBias <c>(out)</c> = the column sums of gradOutput, overwritten. Does not allocate.</summary>
    public static void BackwardBias(ReadOnlySpan<float> gradOutput, Span<float> gradBias, int rows, int outFeatures)
    {
        gradBias[..outFeatures].Clear();
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(gradBias, gradOutput.Slice(r * outFeatures, outFeatures), gradBias);
        }
    }

    /// <summary>The naive oracle for <see cref="Forward"/> and the three backward kernels: scalar sums in double, rounded once.</summary>
    public static void Reference(
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> gradOutput,
        Span<float> output, Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias,
        int rows, int inFeatures, int outFeatures)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double y = bias.IsEmpty ? 0 : bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    y += (double)input[(r * inFeatures) + i] * weight[(o * inFeatures) + i];
                }

                output[(r * outFeatures) + o] = (float)y;
            }

            for (int i = 0; i < inFeatures; i++)
            {
                double dx = 0;
                for (int o = 0; o < outFeatures; o++)
                {
                    dx += (double)gradOutput[(r * outFeatures) + o] * weight[(o * inFeatures) + i];
                }

                gradInput[(r * inFeatures) + i] = (float)dx;
            }
        }

        for (int o = 0; o < outFeatures; o++)
        {
            double db = 0;
            for (int r = 0; r < rows; r++)
            {
                db += gradOutput[(r * outFeatures) + o];
            }

            if (!gradBias.IsEmpty)
            {
                gradBias[o] = (float)db;
            }

            for (int i = 0; i < inFeatures; i++)
            {
                double dw = 0;
                for (int r = 0; r < rows; r++)
                {
                    dw += (double)gradOutput[(r * outFeatures) + o] * input[(r * inFeatures) + i];
                }

                gradWeight[(o * inFeatures) + i] = (float)dw;
            }
        }
    }
}
