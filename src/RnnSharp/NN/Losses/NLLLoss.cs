using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.NLLLoss</c>: the negative log-likelihood of class-index targets given log-probabilities
/// (e.g. <see cref="LogSoftmax"/>'s output): <c>loss[n] = −w[t[n]]·x[n, t[n]]</c>, 0 where <c>t[n]</c> is
/// <see cref="IgnoreIndex"/>; the mean is weighted, <c>Σ loss / Σ w[t]</c> over the targets not ignored.
/// </summary>
/// <remarks>
/// Shapes use PyTorch's letters: input <c>(N, C)</c>, <c>(N, C, d1, …)</c> or <c>(C)</c>; target int64
/// <c>(N)</c>, <c>(N, d1, …)</c> or <c>()</c> with values in <c>[0, C)</c>. The output's grad_fn is named as in
/// PyTorch 1.13: <c>NllLossBackward0</c> for 1-D and 2-D inputs, <c>NllLoss2DBackward0</c> for higher ranks
/// (<c>ViewBackward0</c> for an unreduced 3-D or 5-D+ input). The class weight is not part of <see cref="Module.StateDict"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1709", Justification = "PyTorch's class name, torch.nn.NLLLoss.")]
public sealed class NLLLoss : Module
{
    private readonly float[] _weight;

    /// <summary>Creates the loss. Equivalent to <c>torch.nn.NLLLoss(weight, ignore_index=ignore_index, reduction=reduction)</c>.</summary>
    /// <param name="weight">A manual rescaling weight per class <c>(C)</c>; all ones when <see langword="null"/>. It is copied.</param>
    /// <param name="ignoreIndex">A class index whose targets contribute neither loss nor gradient.</param>
    /// <param name="reduction">How the per-target losses are reduced.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="weight"/> is an int64 tensor.</exception>
    public NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    {
        ClassTargets.CheckReduction(reduction, nameof(reduction));
        Weight = weight?.Detach().Clone();
        _weight = Weight is null ? [] : Weight.ToArray();
        IgnoreIndex = ignoreIndex;
        Reduction = reduction;
    }

    /// <summary>The class weight <c>(C)</c>, or <see langword="null"/>. Equivalent to <c>loss.weight</c>.</summary>
    public Tensor? Weight { get; }

    /// <summary>The ignored class index. Equivalent to <c>loss.ignore_index</c>.</summary>
    public long IgnoreIndex { get; }

    /// <summary>The reduction. Equivalent to <c>loss.reduction</c>.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc/>
    protected override string TypeName => "NLLLoss";

    /// <summary>Computes the loss. Equivalent to <c>loss(input, target)</c>.</summary>
    /// <param name="input">Log-probabilities <c>(N, C)</c>, <c>(N, C, d1, …)</c> or <c>(C)</c>.</param>
    /// <param name="target">Class indices, int64, the input's shape without <c>C</c>.</param>
    /// <returns>The loss: 0-d for <see cref="Reduction.Mean"/> and <see cref="Reduction.Sum"/>, the target's shape otherwise.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A target is out of range (PyTorch: <c>Target 7 is out of bounds.</c>).</exception>
    /// <exception cref="ArgumentException">
    /// The input is 0-d (<c>Expected 1 or more dimensions (got 0)</c>), the shapes do not fit, the weight is not
    /// <c>(C)</c>, or the target is not int64 (<c>expected scalar type Long but found Float</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">The input is an int64 tensor.</exception>
    public Tensor Forward(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ClassLayout layout = ClassTargets.Check(input, target, Weight, IgnoreIndex);
        Tensor output = Tensor.Empty(ClassTargets.OutputShape(target.Shape, Reduction));
        float total = NllLossKernel.Forward(
            input.AsReadOnlySpan(), target.AsReadOnlyInt64Span(), _weight, layout, IgnoreIndex, Reduction, output.AsSpan());
        if (Tensor.MustRecord(input))
        {
            output.SetGradFn(new ClassIndexLossBackward(
                ClassTargets.NllName(input.Dim, Reduction), input, target, null, _weight, layout, IgnoreIndex, 0, Reduction, total));
        }

        return output;
    }
}
