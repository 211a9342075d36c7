using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// PyTorch's checks of a class-index loss's arguments (ATen's <c>nll_loss_nd</c>, <c>nll_loss</c>,
/// <c>nll_loss2d</c>), in its order, and the layout the kernels take: input <c>(N, C, d1, …)</c> or <c>(C)</c>,
/// target <c>(N, d1, …)</c> or <c>()</c> of int64 class indices, weight <c>(C)</c> or none.
/// </summary>
internal static class ClassTargets
{
    /// <summary>Checks the arguments and returns the layout and the shape of the unreduced loss (the target's).</summary>
    public static ClassLayout Check(Tensor input, Tensor target, Tensor? weight, long ignoreIndex)
    {
        ReadOnlySpan<int> x = input.Shape, t = target.Shape;
        if (x.Length < 1)
        {
            ThrowHelper.ThrowLossNoDimensions(x.Length, nameof(input));
        }

        if (x.Length != 1 && (t.Length == 0 || x[0] != t[0]))
        {
            ThrowHelper.ThrowLossBatch(x[0], t.Length == 0 ? 1 : t[0], nameof(target));
        }

        if (x.Length is 1 or 2)
        {
            if (t.Length > 1)
            {
                ThrowHelper.ThrowLossMultiTarget(nameof(target));
            }
        }
        else if (x.Length == 4)
        {
            if (t.Length != 3 || t[1] != x[2] || t[2] != x[3])
            {
                ThrowHelper.ThrowLoss2dSize(x, t, nameof(target));
            }
        }
        else if (!t[1..].SequenceEqual(x[2..]))
        {
            int[] expected = [x[0], .. x[2..]];
            ThrowHelper.ThrowLossTargetSize(expected, t, nameof(target));
        }

        int classes = x.Length == 1 ? x[0] : x[1];
        if (weight is not null && weight.NumElements != classes)
        {
            ThrowHelper.ThrowLossWeightSize(classes, weight.Shape, nameof(weight));
        }

        if (target.DType != DType.Int64)
        {
            ThrowHelper.ThrowLossTargetDType(DType.Int64, target.DType, nameof(target));
        }

        int batch = x.Length == 1 ? 1 : x[0];
        int inner = 1;
        foreach (int d in x.Length > 2 ? x[2..] : [])
        {
            inner *= d;
        }

        int bad = NllLossKernel.FindInvalidTarget(target.AsReadOnlyInt64Span(), classes, ignoreIndex);
        if (bad >= 0)
        {
            ThrowHelper.ThrowLossTargetOutOfBounds(target.AsReadOnlyInt64Span()[bad], nameof(target));
        }

        return new ClassLayout(batch, classes, inner);
    }

    /// <summary>
    /// The grad_fn name PyTorch 1.13 gives <c>nll_loss</c>'s output (also <c>cross_entropy</c>'s without label
    /// smoothing), recorded: <c>nll_loss</c> for 1-D and 2-D inputs, <c>nll_loss2d</c> for 4-D ones, and for 3-D or
    /// 5-D and more a reshaped <c>nll_loss2d</c>, whose unreduced result is viewed back (<c>ViewBackward0</c>).
    /// </summary>
    public static string NllName(int inputDim, Reduction reduction) => inputDim switch
    {
        1 or 2 => "NllLossBackward0",
        4 => "NllLoss2DBackward0",
        _ => reduction == Reduction.None ? "ViewBackward0" : "NllLoss2DBackward0",
    };

    /// <summary>The shape of a loss: the target's for <see cref="Reduction.None"/>, 0-d otherwise.</summary>
    public static int[] OutputShape(ReadOnlySpan<int> unreduced, Reduction reduction) =>
        reduction == Reduction.None ? unreduced.ToArray() : [];

    /// <summary>Checks <paramref name="reduction"/> at the public boundary.</summary>
    public static void CheckReduction(Reduction reduction, string paramName)
    {
        if (reduction is not (Reduction.None or Reduction.Mean or Reduction.Sum))
        {
            throw new ArgumentOutOfRangeException(paramName, reduction, "reduction must be None, Mean or Sum");
        }
    }
}
