namespace RnnSharp.Kernels;

/// <summary>
/// PyTorch's <c>nll_loss</c> / <c>nll_loss2d</c> (<c>aten/src/ATen/native/LossNLL.cpp</c>, <c>LossNLL2d.cpp</c>) on
/// float32 log-probabilities <c>(N, C, d1, …)</c> laid out as <see cref="ClassLayout"/> and int64 class targets:
/// <c>loss[n] = −w[t[n]] · x[n, t[n]]</c>, 0 where <c>t[n] = ignoreIndex</c>; reduced by the sum, or by the weighted
/// mean <c>Σ w[t]·(−x[t]) / Σ w[t]</c> over the targets that are not ignored (NaN when every target is ignored, as in
/// PyTorch 1.13). The weight is <c>(C)</c>, or empty for all ones. Sums run in double and are rounded once.
/// </summary>
internal static class NllLossKernel
{
    /// <summary>
    /// The position of the first target that is neither <paramref name="ignoreIndex"/> nor in <c>[0, classes)</c>,
    /// or −1 when all are valid. Callers throw PyTorch's <c>IndexError</c> text: <c>"Target {target[i]} is out of bounds."</c>
    /// </summary>
    public static int FindInvalidTarget(ReadOnlySpan<long> target, int classes, long ignoreIndex)
    {
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t != ignoreIndex && (ulong)t >= (ulong)classes)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// input <c>(batch, classes, inner)</c>, target <c>(batch, inner)</c> (checked by <see cref="FindInvalidTarget"/>),
    /// weight <c>(classes)</c> or empty, destination <c>(batch, inner)</c> for <see cref="Reduction.None"/> and
    /// <c>(1)</c> otherwise. Returns the total weight <c>Σ w[t]</c> over the targets that are not ignored, which
    /// <see cref="Backward"/> needs for the mean. Does not allocate.
    /// </summary>
    public static float Forward(
        ReadOnlySpan<float> input, ReadOnlySpan<long> target, ReadOnlySpan<float> weight, ClassLayout layout,
        long ignoreIndex, Reduction reduction, Span<float> destination)
    {
        double total = 0, sum = 0;
        for (int i = 0; i < layout.Count; i++)
        {
            long t = target[i];
            if (t == ignoreIndex)
            {
                if (reduction == Reduction.None)
                {
                    destination[i] = 0;
                }

                continue;
            }

            float w = weight.IsEmpty ? 1 : weight[(int)t];
            float x = input[layout.Offset(i, (int)t)];
            if (reduction == Reduction.None)
            {
                destination[i] = -x * w;
            }
            else
            {
                total += w;
                sum -= (double)w * x;
            }
        }

        if (reduction != Reduction.None)
        {
            destination[0] = (float)(reduction == Reduction.Mean ? sum / total : sum);
        }

        return (float)total;
    }

    /// <summary>
    /// gradOutput <c>(batch, inner)</c> for <see cref="Reduction.None"/> or <c>(1)</c> otherwise, target and weight as
    /// in <see cref="Forward"/>, totalWeight as <see cref="Forward"/> returned it, gradInput
    /// <c>(batch, classes, inner)</c>: zero except <c>gradInput[n, t[n]] = w[t[n]] · −g</c> with
    /// <c>g = gradOutput / totalWeight</c> for the mean, as ATen's <c>nll_loss_backward</c>. Does not allocate.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<long> target, ReadOnlySpan<float> weight, ClassLayout layout,
        long ignoreIndex, Reduction reduction, float totalWeight, Span<float> gradInput)
    {
        gradInput[..(layout.Count * layout.Classes)].Clear();
        float reduced = reduction switch
        {
            Reduction.Mean => -(gradOutput[0] / totalWeight),
            Reduction.Sum => -gradOutput[0],
            _ => 0,
        };
        for (int i = 0; i < layout.Count; i++)
        {
            long t = target[i];
            if (t == ignoreIndex)
            {
                continue;
            }

            float g = reduction == Reduction.None ? -gradOutput[i] : reduced;
            gradInput[layout.Offset(i, (int)t)] = weight.IsEmpty ? g : weight[(int)t] * g;
        }
    }
}
