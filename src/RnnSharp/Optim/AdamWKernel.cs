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
    /// <summary>
    /// Updates <paramref name="param"/>, <paramref name="expAvg"/>, <paramref name="expAvgSq"/> and (with
    /// <paramref name="amsgrad"/>) <paramref name="maxExpAvgSq"/>, all <c>(n)</c>, in place from
    /// <paramref name="grad"/> <c>(n)</c>. Vectorised; does not allocate. Hyper-parameters are PyTorch's, in its
    /// order, with <c>betas</c> as <paramref name="beta1"/>, <paramref name="beta2"/>.
    /// </summary>
    /// <param name="param">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="expAvg">PyTorch's <c>exp_avg</c> (zeros before the first step).</param>
    /// <param name="expAvgSq">PyTorch's <c>exp_avg_sq</c> (zeros before the first step).</param>
    /// <param name="maxExpAvgSq">PyTorch's <c>max_exp_avg_sq</c>; may be empty without amsgrad.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Term added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay (PyTorch's default for AdamW is 1e-2).</param>
    /// <param name="amsgrad">Use the running maximum of the second moment.</param>
    /// <param name="maximize">Ascend instead of descending (negates the gradient).</param>
    /// <param name="step">The step number after PyTorch's <c>step_t += 1</c>: 1 on the first step.</param>
    public static void Step(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        AdamKernel.Update(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new AdamKernel.Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: true));

    /// <summary>
    /// The naive oracle for <see cref="Step"/>: the same arguments, one element at a time in scalar code.
    /// </summary>
    /// <param name="param">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="expAvg">PyTorch's <c>exp_avg</c>.</param>
    /// <param name="expAvgSq">PyTorch's <c>exp_avg_sq</c>.</param>
    /// <param name="maxExpAvgSq">PyTorch's <c>max_exp_avg_sq</c>; may be empty without amsgrad.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Term added to the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment.</param>
    /// <param name="maximize">Ascend instead of descending.</param>
    /// <param name="step">The step number, 1 on the first step.</param>
    public static void StepReference(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        AdamKernel.UpdateScalar(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new AdamKernel.Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: true), 0);
}
