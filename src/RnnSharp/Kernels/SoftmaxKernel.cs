namespace RnnSharp.Kernels;

/// <summary>
/// PyTorch's <c>torch.softmax(x, dim)</c> on a contiguous float32 tensor viewed as <c>(outer, dim, inner)</c>:
/// <c>y = exp(x − max) · (1 / Σ exp(x − max))</c>, in ATen's order, and its backward <c>gradInput = (gradOutput − Σ_dim gradOutput · output) · output</c>.
/// The loops are <see cref="SoftmaxFamily"/>'s; the double-precision oracles sit beside them.
/// </summary>
internal static class SoftmaxKernel
{
    /// <summary>
    /// input, destination <c>(outer, dim, inner)</c>. Does not allocate; <paramref name="destination"/> may be
    /// <paramref name="input"/> (in place) but must not otherwise overlap it.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int outer, int dim, int inner, Span<float> destination) =>
        SoftmaxFamily.Forward(input, outer, dim, inner, log: false, destination);

    /// <summary>
    /// gradOutput, output (what <see cref="Forward"/> wrote), gradInput <c>(outer, dim, inner)</c>:
    /// <c>gradInput = (gradOutput − Σ_dim gradOutput · output) · output</c>. Does not allocate; <paramref name="gradInput"/> may be
    /// <paramref name="gradOutput"/> or <paramref name="output"/> but must not otherwise overlap them.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, Span<float> gradInput) =>
        SoftmaxFamily.Backward(gradOutput, output, outer, dim, inner, log: false, gradInput);

    /// <summary>The naive oracle for <see cref="Forward"/>: scalar, in double, rounded once.</summary>
    public static void ForwardReference(ReadOnlySpan<float> input, int outer, int dim, int inner, Span<float> destination) =>
        SoftmaxFamily.ForwardReference(input, outer, dim, inner, log: false, destination);

    /// <summary>The naive oracle for <see cref="Backward"/>: scalar, in double, rounded once.</summary>
    public static void BackwardReference(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, Span<float> gradInput) =>
        SoftmaxFamily.BackwardReference(gradOutput, output, outer, dim, inner, log: false, gradInput);
}
