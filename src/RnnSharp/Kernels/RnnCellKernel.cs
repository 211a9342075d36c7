using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// One step of the simple recurrent cell, with ATen's grouping of the additions:
/// <c>h' = act((h · W_hhᵀ + b_hh) + inputGates)</c>, where <c>inputGates = x · W_ihᵀ + b_ih</c> was computed
/// beforehand (for all time steps at once, as ATen does on the CPU).
/// </summary>
internal static class RnnCellKernel
{
    /// <summary>
    /// hidden <c>(batch, hiddenSize)</c>, weightHh <c>(hiddenSize, hiddenSize)</c>, biasHh <c>(hiddenSize)</c> or
    /// empty, inputGates <c>(batch, hiddenSize)</c>, destination <c>(batch, hiddenSize)</c>. Does not allocate;
    /// <paramref name="destination"/> must not overlap the inputs.
    /// </summary>
    public static void Step(
        ReadOnlySpan<float> hidden, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasHh,
        ReadOnlySpan<float> inputGates, Nonlinearity nonlinearity, Span<float> destination, int batch, int hiddenSize)
    {
        int count = batch * hiddenSize;
        Span<float> y = destination[..count];
        LinearKernel.Forward(hidden, weightHh, biasHh, y, batch, hiddenSize, hiddenSize);
        TensorPrimitives.Add(y, inputGates[..count], y);
        Activate(y, nonlinearity);
    }

    /// <summary>Applies the cell's activation in place: <c>tanh</c>, or <c>max(0, x)</c> for relu.</summary>
    public static void Activate(Span<float> values, Nonlinearity nonlinearity)
    {
        if (nonlinearity == Nonlinearity.Tanh)
        {
            TanhKernel.Forward(values, values);
        }
        else
        {
            TensorPrimitives.Max(values, 0f, values);
        }
    }

    /// <summary>
    /// The activation's backward from its output: <c>destination = gradient ⊙ (1 − activated²)</c> for tanh (ATen's
    /// <c>tanh_backward</c>), <c>gradient</c> where <c>activated &gt; 0</c> and 0 elsewhere for relu (ATen's
    /// <c>threshold_backward</c>: <c>activated ≤ 0 ? 0 : gradient</c>). All three have the same length;
    /// <paramref name="destination"/> may alias <paramref name="gradient"/>.
    /// </summary>
    public static void ActivateBackward(ReadOnlySpan<float> activated, ReadOnlySpan<float> gradient, Nonlinearity nonlinearity, Span<float> destination)
    {
        if (nonlinearity == Nonlinearity.Tanh)
        {
            for (int i = 0; i < activated.Length; i++)
            {
                float h = activated[i];
                destination[i] = gradient[i] * (1f - (h * h));
            }
        }
        else
        {
            for (int i = 0; i < activated.Length; i++)
            {
                destination[i] = activated[i] <= 0f ? 0f : gradient[i];
            }
        }
    }
}
