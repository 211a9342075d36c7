namespace RnnSharp.Optim;

/// <summary>
/// One step of <c>torch.optim.AdamW</c> over one flat float32 parameter: PyTorch 1.13's
/// <c>_single_tensor_adamw</c> (not capturable), operation for operation and bit for bit with its CPU kernels.
/// </summary>
/// <remarks>
/// <para>
/// <c>adamw.py</c> is Adam's loop with one line changed: instead of adding <c>weight_decay * param</c> to the
/// gradient it first runs <c>param.mul_(1 - lr * weight_decay)</c> (always; a multiply by exactly 1 when the decay
/// is zero, which this kernel skips as it changes no bit). The rest, moments, bias corrections and
/// <c>addcdiv_</c>, is <see cref="AdamKernel"/>'s arithmetic, which both kernels share; its remarks say how each
/// ATen operation rounds. <c>1 - lr * weight_decay</c> is computed in double, as Python does, then rounded to
/// float32 once.
/// </para>
/// </remarks>
internal static class AdamWKernel
{
    /// <inheritdoc cref="AdamKernel.Step"/>
    public static void Step(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        AdamKernel.Update(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new AdamKernel.Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: true));

    /// <summary>
    /// The naive oracle for <see cref="Step"/>: the same arguments, one element at a time in scalar code.
    /// </summary>
    /// <inheritdoc cref="Step" path="/param"/>
    public static void StepReference(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        AdamKernel.UpdateScalar(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new AdamKernel.Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: true), 0);
}
