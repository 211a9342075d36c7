using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.MSELoss</c>: the squared error <c>(x − y)²</c> per element, reduced by the mean (the
/// default) or the sum. Differentiable with respect to both the input and the target (<c>MseLossBackward0</c>).
/// </summary>
/// <remarks>
/// The input and the target must have the same shape. PyTorch also broadcasts a target of another shape, with a warning
/// that this is likely a mistake; RnnSharp refuses it.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1709", Justification = "PyTorch's class name, torch.nn.MSELoss.")]
public sealed class MSELoss : Module
{
    /// <summary>Creates the loss. Equivalent to <c>torch.nn.MSELoss(reduction=reduction)</c>.</summary>
    /// <param name="reduction">How the per-element losses are reduced.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="reduction"/> is not a defined value.</exception>
    public MSELoss(Reduction reduction = Reduction.Mean)
    {
        ClassTargets.CheckReduction(reduction, nameof(reduction));
        Reduction = reduction;
    }

    /// <summary>The reduction. Equivalent to <c>loss.reduction</c>.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc/>
    protected override string TypeName => "MSELoss";

    /// <summary>Computes the loss. Equivalent to <c>loss(input, target)</c>.</summary>
    /// <param name="input">Any shape <c>(*)</c>.</param>
    /// <param name="target">The same shape as the input.</param>
    /// <returns>The loss: 0-d for <see cref="Reduction.Mean"/> and <see cref="Reduction.Sum"/>, the input's shape otherwise.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The shapes differ (PyTorch: <c>The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 1</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">The input or the target is an int64 tensor.</exception>
    public Tensor Forward(Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.ShapeEquals(target.Shape))
        {
            ThrowHelper.ThrowBroadcastMismatch(input.Shape, target.Shape, nameof(target));
        }

        Tensor output = Tensor.Empty(Reduction == Reduction.None ? input.Shape.ToArray() : []);
        MseLossKernel.Forward(input.AsReadOnlySpan(), target.AsReadOnlySpan(), Reduction, output.AsSpan());
        if (Tensor.MustRecord(input, target))
        {
            output.SetGradFn(new MseLossBackward(input, target, Reduction));
        }

        return output;
    }
}
