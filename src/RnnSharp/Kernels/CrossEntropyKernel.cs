namespace RnnSharp.Kernels;

/// <summary>
/// What PyTorch's <c>cross_entropy</c> adds on top of <c>log_softmax</c> (over dim 1) and <c>nll_loss</c>
/// (<c>aten/src/ATen/native/LossNLL.cpp</c>, PyTorch 1.13): label smoothing with class-index targets
/// (<c>cross_entropy_loss_label_smoothing</c>) and class-probability targets (<c>cross_entropy_loss_prob_target</c>).
/// The forward passes take the log-probabilities <c>y = log_softmax(logits, 1)</c> that
/// <see cref="LogSoftmaxKernel.Forward"/> wrote (callers keep them for the backward); the backward passes return the
/// gradient with respect to the logits. Layout <c>(batch, classes, inner)</c> as <see cref="ClassLayout"/>; weight
/// <c>(classes)</c> or empty for all ones; ε = labelSmoothing in <c>[0, 1]</c>. Sums run in double, rounded once.
/// None of the methods allocates.
/// </summary>
internal static class CrossEntropyKernel
{
    /// <summary>
    /// Class-index targets <c>(batch, inner)</c> (checked by <see cref="NllLossKernel.FindInvalidTarget"/>):
    /// <c>loss[n] = (1 − ε)·(−w[t]·y[n, t]) + (ε / C)·(−Σ_c w[c]·y[n, c])</c>, 0 where <c>t = ignoreIndex</c>. The mean
    /// divides both parts by <c>Σ w[t]</c> over the targets that are not ignored (their count without a weight), so
    /// it is NaN when all are ignored. With ε = 0 this is <see cref="NllLossKernel.Forward"/>, which PyTorch calls.
    /// destination <c>(batch, inner)</c> for <see cref="Reduction.None"/>, <c>(1)</c> otherwise. Returns that total
    /// weight, for <see cref="BackwardIndices"/>.
    /// </summary>
    public static float ForwardIndices(
        ReadOnlySpan<float> logProbs, ReadOnlySpan<long> target, ReadOnlySpan<float> weight, ClassLayout layout,
        long ignoreIndex, double labelSmoothing, Reduction reduction, Span<float> destination)
    {
        if (labelSmoothing == 0)
        {
            return NllLossKernel.Forward(logProbs, target, weight, layout, ignoreIndex, reduction, destination);
        }

        double smooth = labelSmoothing / layout.Classes;
        double total = 0, sum = 0;
        for (int i = 0; i < layout.Count; i++)
        {
            long t = target[i];
            double loss = 0;
            if (t != ignoreIndex)
            {
                double w = weight.IsEmpty ? 1 : weight[(int)t];
                double all = 0;
                for (int c = 0; c < layout.Classes; c++)
                {
                    all -= (weight.IsEmpty ? 1 : (double)weight[c]) * logProbs[layout.Offset(i, c)];
                }

                loss = ((1 - labelSmoothing) * -w * logProbs[layout.Offset(i, (int)t)]) + (smooth * all);
                total += w;
            }

            if (reduction == Reduction.None)
            {
                destination[i] = (float)loss;
            }
            else
            {
                sum += loss;
            }
        }

        if (reduction != Reduction.None)
        {
            destination[0] = (float)(reduction == Reduction.Mean ? sum / total : sum);
        }

        return (float)total;
    }

    /// <summary>
    /// The gradient of <see cref="ForwardIndices"/> with respect to the logits. gradOutput <c>(batch, inner)</c> for
    /// <see cref="Reduction.None"/>, <c>(1)</c> otherwise; totalWeight as <see cref="ForwardIndices"/> returned it;
    /// gradInput <c>(batch, classes, inner)</c>, which must not overlap <paramref name="logProbs"/>. First
    /// <c>∂loss/∂y[n, c] = −g·((1 − ε)·w[t]·[c = t] + (ε / C)·w[c])</c> (0 for ignored targets), with
    /// <c>g = gradOutput / totalWeight</c> for the mean; then <see cref="LogSoftmaxKernel.Backward"/>.
    /// </summary>
    public static void BackwardIndices(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> logProbs, ReadOnlySpan<long> target, ReadOnlySpan<float> weight,
        ClassLayout layout, long ignoreIndex, double labelSmoothing, Reduction reduction, float totalWeight,
        Span<float> gradInput)
    {
        if (labelSmoothing == 0)
        {
            // PyTorch's path without smoothing: nll_loss's backward, in its float32 arithmetic.
            NllLossKernel.Backward(gradOutput, target, weight, layout, ignoreIndex, reduction, totalWeight, gradInput);
        }
        else
        {
            double smooth = labelSmoothing / layout.Classes;
            double reduced = reduction == Reduction.Mean ? (double)gradOutput[0] / totalWeight : gradOutput[0];
            for (int i = 0; i < layout.Count; i++)
            {
                long t = target[i];
                double g = reduction == Reduction.None ? gradOutput[i] : reduced;
                for (int c = 0; c < layout.Classes; c++)
                {
                    double wc = weight.IsEmpty ? 1 : weight[c];
                    double d = t == ignoreIndex ? 0 : -g * wc * ((c == t ? 1 - labelSmoothing : 0) + smooth);
                    gradInput[layout.Offset(i, c)] = (float)d;
                }
            }
        }

        LogSoftmaxKernel.Backward(gradInput, logProbs, layout.Batch, layout.Classes, layout.Inner, gradInput);
    }

    /// <summary>
    /// Class-probability targets <c>(batch, classes, inner)</c>, like the input: with smoothed targets
    /// <c>q = p·(1 − ε) + ε / C</c>, <c>loss[n] = −Σ_c w[c]·q[n, c]·y[n, c]</c>. The mean divides the sum by
    /// <c>batch · inner</c> (not by a weight sum: PyTorch's <c>input.numel() / n_classes</c>), NaN when that is 0.
    /// destination <c>(batch, inner)</c> for <see cref="Reduction.None"/>, <c>(1)</c> otherwise.
    /// </summary>
    public static void ForwardProbabilities(
        ReadOnlySpan<float> logProbs, ReadOnlySpan<float> target, ReadOnlySpan<float> weight, ClassLayout layout,
        double labelSmoothing, Reduction reduction, Span<float> destination)
    {
        double smooth = labelSmoothing / layout.Classes;
        double sum = 0;
        for (int i = 0; i < layout.Count; i++)
        {
            double loss = 0;
            for (int c = 0; c < layout.Classes; c++)
            {
                int at = layout.Offset(i, c);
                double q = (target[at] * (1 - labelSmoothing)) + smooth;
                loss -= (weight.IsEmpty ? 1 : (double)weight[c]) * q * logProbs[at];
            }

            if (reduction == Reduction.None)
            {
                destination[i] = (float)loss;
            }
            else
            {
                sum += loss;
            }
        }

        if (reduction != Reduction.None)
        {
            destination[0] = (float)(reduction == Reduction.Mean ? sum / layout.Count : sum);
        }
    }

    /// <summary>
    /// The gradient of <see cref="ForwardProbabilities"/> with respect to the logits (not the target). gradOutput
    /// <c>(batch, inner)</c> for <see cref="Reduction.None"/>, <c>(1)</c> otherwise; gradInput
    /// <c>(batch, classes, inner)</c>, which must not overlap <paramref name="logProbs"/>. First
    /// <c>∂loss/∂y[n, c] = −g·w[c]·q[n, c]</c> with <c>g = gradOutput / (batch · inner)</c> for the mean; then
    /// <see cref="LogSoftmaxKernel.Backward"/>.
    /// </summary>
    public static void BackwardProbabilities(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> logProbs, ReadOnlySpan<float> target, ReadOnlySpan<float> weight,
        ClassLayout layout, double labelSmoothing, Reduction reduction, Span<float> gradInput)
    {
        double smooth = labelSmoothing / layout.Classes;
        double reduced = reduction == Reduction.Mean ? (double)gradOutput[0] / layout.Count : gradOutput[0];
        for (int i = 0; i < layout.Count; i++)
        {
            double g = reduction == Reduction.None ? gradOutput[i] : reduced;
            for (int c = 0; c < layout.Classes; c++)
            {
                int at = layout.Offset(i, c);
                double q = (target[at] * (1 - labelSmoothing)) + smooth;
                gradInput[at] = (float)(-g * (weight.IsEmpty ? 1 : weight[c]) * q);
            }
        }

        LogSoftmaxKernel.Backward(gradInput, logProbs, layout.Batch, layout.Classes, layout.Inner, gradInput);
    }
}
