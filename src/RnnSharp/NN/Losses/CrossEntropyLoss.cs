using System.Buffers;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.CrossEntropyLoss</c>: <c>log_softmax</c> over the class dimension followed by the negative
/// log-likelihood of the targets, with optional class weights, an ignored class index and label smoothing.
/// </summary>
/// <remarks>
/// <para>
/// Shapes use PyTorch's letters: the input holds unnormalised scores <c>(N, C)</c>, <c>(N, C, d1, …)</c> or
/// <c>(C)</c>. The target is either class indices — an int64 tensor <c>(N)</c>, <c>(N, d1, …)</c> or <c>()</c> with
/// values in <c>[0, C)</c> or <see cref="IgnoreIndex"/> — or class probabilities, a float32 tensor of the input's shape.
/// With indices, <c>loss[n] = −w[t]·((1 − ε)·y[n, t] + (ε / C)·Σ_c (w[c] / w[t])·y[n, c])</c> for
/// <c>y = log_softmax(x, 1)</c>, and the mean is weighted: <c>Σ loss / Σ w[t]</c> over the targets not ignored (NaN
/// when all are). With probabilities the mean divides by <c>N·d1·…</c>.
/// </para>
/// <para>
/// The forward pass records one fused backward node (the gradient with respect to the input only: a probability target
/// gets none), named as PyTorch names the output's grad_fn: <c>NllLossBackward0</c> for <c>(N, C)</c> indices,
/// <c>AddBackward0</c> with label smoothing, <c>DivBackward1</c> for the mean over probabilities. The class weight is
/// not a parameter, and unlike PyTorch's registered buffer it is not part of <see cref="Module.StateDict"/>.
/// </para>
/// </remarks>
public sealed class CrossEntropyLoss : Module
{
    private readonly float[] _weight;

    /// <summary>Creates the loss. Equivalent to <c>torch.nn.CrossEntropyLoss(weight, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)</c>.</summary>
    /// <param name="weight">A manual rescaling weight per class <c>(C)</c>; all ones when <see langword="null"/>. It is copied.</param>
    /// <param name="ignoreIndex">A class index whose targets contribute neither loss nor gradient (index targets only).</param>
    /// <param name="reduction">How the per-target losses are reduced.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the targets become a mix of the given class and the uniform distribution.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="weight"/> is an int64 tensor.</exception>
    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        ClassTargets.CheckReduction(reduction, nameof(reduction));
        Weight = weight?.Detach().Clone();
        _weight = Weight is null ? [] : Weight.ToArray();
        IgnoreIndex = ignoreIndex;
        Reduction = reduction;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The class weight <c>(C)</c>, or <see langword="null"/>. Equivalent to <c>loss.weight</c>.</summary>
    public Tensor? Weight { get; }

    /// <summary>The ignored class index. Equivalent to <c>loss.ignore_index</c>.</summary>
    public long IgnoreIndex { get; }

    /// <summary>The reduction. Equivalent to <c>loss.reduction</c>.</summary>
    public Reduction Reduction { get; }

    /// <summary>ε. Equivalent to <c>loss.label_smoothing</c>.</summary>
    public double LabelSmoothing { get; }

    /// <summary>Computes the loss. Equivalent to <c>loss(input, target)</c>.</summary>
    /// <param name="input">Scores <c>(N, C)</c>, <c>(N, C, d1, …)</c> or <c>(C)</c>.</param>
    /// <param name="target">Class indices (int64, the input's shape without <c>C</c>) or probabilities (float32, the input's shape).</param>
    /// <returns>The loss: 0-d for <see cref="Reduction.Mean"/> and <see cref="Reduction.Sum"/>, the target's shape (without <c>C</c>) otherwise.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// ε is above 1 (PyTorch: <c>label_smoothing must be between 0.0 and 1.0. Got: 1.5</c>) or a target index is out of
    /// range (<c>Target 7 is out of bounds.</c>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// The shapes do not fit (<c>Expected input batch_size (3) to match target batch_size (4).</c>, <c>0D or 1D target
    /// tensor expected, multi-target not supported</c>, …), the weight is not <c>(C)</c>, or the target has the wrong
    /// dtype (<c>Expected floating point type for target with class probabilities, got Long</c>, <c>expected scalar type
    /// Long but found Float</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">The input is an int64 tensor.</exception>
    public Tensor Forward(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (LabelSmoothing > 1)
        {
            ThrowHelper.ThrowLabelSmoothing(LabelSmoothing, nameof(LabelSmoothing));
        }

        return input.ShapeEquals(target.Shape) ? ForwardProbabilities(input, target) : ForwardIndices(input, target);
    }

    private Tensor ForwardIndices(Tensor input, Tensor target)
    {
        ClassLayout layout = ClassTargets.Check(input, target, Weight, IgnoreIndex);
        float[] logProbs = LogSoftmax(input, layout, pooled: true);
        Tensor output = Tensor.Empty(ClassTargets.OutputShape(target.Shape, Reduction));
        float total = CrossEntropyKernel.ForwardIndices(
            logProbs, target.AsReadOnlyInt64Span(), _weight, layout, IgnoreIndex, LabelSmoothing, Reduction, output.AsSpan());
        if (Tensor.MustRecord(input))
        {
            // The node keeps the pooled log-probabilities and returns them when the graph is freed.
            string name = LabelSmoothing > 0 ? "AddBackward0" : ClassTargets.NllName(input.Dim, Reduction);
            output.SetGradFn(new ClassIndexLossBackward(
                name, input, target, logProbs, _weight, layout, IgnoreIndex, LabelSmoothing, Reduction, total));
        }
        else
        {
            ArrayPool<float>.Shared.Return(logProbs);
        }

        return output;
    }

    private Tensor ForwardProbabilities(Tensor input, Tensor target)
    {
        if (target.DType != DType.Float32)
        {
            ThrowHelper.ThrowProbabilityTargetDType(target.DType, nameof(target));
        }

        ReadOnlySpan<int> x = input.Shape;
        if (x.Length == 0)
        {
            ThrowHelper.ThrowLossNoDimensions(0, nameof(input));
        }

        int classes = x.Length == 1 ? x[0] : x[1];
        if (Weight is not null && Weight.NumElements != classes)
        {
            ThrowHelper.ThrowLossWeightSize(classes, Weight.Shape, nameof(input));
        }

        var layout = new ClassLayout(x.Length == 1 ? 1 : x[0], classes, x.Length > 2 ? ShapeMath.CheckedNumel(x[2..], nameof(input)) : 1);
        float[] logProbs = LogSoftmax(input, layout, pooled: false);
        int[] unreduced = x.Length == 1 ? [] : [x[0], .. x[2..]];
        Tensor output = Tensor.Empty(ClassTargets.OutputShape(unreduced, Reduction));
        CrossEntropyKernel.ForwardProbabilities(logProbs, target.AsReadOnlySpan(), _weight, layout, LabelSmoothing, Reduction, output.AsSpan());
        if (Tensor.MustRecord(input))
        {
            output.SetGradFn(new ProbabilityLossBackward(input, target, logProbs, _weight, layout, LabelSmoothing, Reduction));
        }

        return output;
    }

    /// <summary>
    /// <c>log_softmax(input, 1)</c> into a new array, or with <paramref name="pooled"/> into one rented from the shared
    /// pool (possibly longer) that the caller returns (kept for the backward pass).
    /// </summary>
    private static float[] LogSoftmax(Tensor input, ClassLayout layout, bool pooled)
    {
        float[] logProbs = pooled ? ArrayPool<float>.Shared.Rent(input.NumElements) : GC.AllocateUninitializedArray<float>(input.NumElements);
        ChunkedCrossEntropy.LogSoftmax(input.AsReadOnlyMemory(), layout, logProbs);
        return logProbs;
    }
}
