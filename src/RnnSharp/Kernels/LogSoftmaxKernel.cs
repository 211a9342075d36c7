namespace RnnSharp.Kernels;

/// <summary>
/// PyTorch's <c>torch.log_softmax(x, dim)</c> on a contiguous float32 tensor viewed as <c>(outer, dim, inner)</c>:
/// <c>y = (x − max) − log Σ exp(x − max)</c>, in ATen's order, and its backward <c>gradInput = gradOutput − exp(output) · Σ_dim gradOutput</c>.
/// The loops are <see cref="SoftmaxFamily"/>'s; the double-precision oracles sit beside them.
/// </summary>
internal static class LogSoftmaxKernel
{
    /// <summary>
    /// input, destination <c>(outer, dim, inner)</c>. Does not allocate; <paramref name="destination"/> may be
    /// <paramref name="input"/> (in place) but must not otherwise overlap it.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int outer, int dim, int inner, Span<float> destination) =>
        SoftmaxFamily.Forward(input, outer, dim, inner, log: true, destination);

    /// <summary>
    /// gradOutput, output (what <see cref="Forward"/> wrote), gradInput <c>(outer, dim, inner)</c>:
    /// <c>gradInput = gradOutput − exp(output) · Σ_dim gradOutput</c>. Does not allocate; <paramref name="gradInput"/> may be
    /// <paramref name="gradOutput"/> or <paramref name="output"/> but must not otherwise overlap them.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, Span<float> gradInput) =>
        SoftmaxFamily.Backward(gradOutput, output, outer, dim, inner, log: true, gradInput);

    /// <summary>The naive oracle for <see cref="Forward"/>: scalar, in double, rounded once.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, int outer, int dim, int inner, Span<float> destination) =>
        SoftmaxFamily.ForwardReference(input, outer, dim, inner, log: true, destination);

    /// <summary>The naive oracle for <see cref="Backward"/>: scalar, in double, rounded once.</summary>
    public static void BackwardReference(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, Span<float> gradInput) =>
        SoftmaxFamily.BackwardReference(gradOutput, output, outer, dim, inner, log: true, gradInput);
}
