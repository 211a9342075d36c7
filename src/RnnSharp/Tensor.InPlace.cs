using System.Diagnostics.CodeAnalysis;
using System.Numerics.Tensors;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// In-place arithmetic, PyTorch's methods with a trailing underscore: each writes into this tensor (counting a write
/// in its version, so that a graph that saved it refuses to backward, in PyTorch's words) and returns it. A leaf that
/// requires grad may only be modified under <see cref="Torch.NoGrad"/>, as in PyTorch. On a tensor with a graph,
/// the operation is recorded on it (its <see cref="GradFn"/> becomes the operation's node); writes through a view do
/// not rewrite the graph of the tensor it views, as PyTorch's would.
/// </summary>
[SuppressMessage("Naming", "CA1707", Justification = "PyTorch's trailing underscore marks an in-place method.")]
public partial class Tensor
{
    /// <summary>Adds <c>alpha·other</c> (broadcast to this shape) in place. Equivalent to <c>tensor.add_(other, alpha=alpha)</c>.</summary>
    /// <param name="other">The tensor to add; it must broadcast to this tensor's shape.</param>
    /// <param name="alpha">The multiplier of <paramref name="other"/> (a fused multiply-add per element when not 1, as in ATen).</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The broadcast shape is not this shape (PyTorch: <c>output with shape [3] doesn't match the broadcast shape [2, 3]</c>).</exception>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Add_(Tensor other, float alpha = 1f)
    {
        ArgumentNullException.ThrowIfNull(other);
        Node? node = MustRecord(this, other) ? new AddBackward(this, other, alpha, negate: false) : null;
        return InPlace(other, new AddRowOp(alpha), node, nameof(other));
    }

    /// <summary>Adds a scalar in place. Equivalent to <c>tensor.add_(other)</c>.</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Add_(float other)
    {
        Node? node = MustRecord(this) ? new AddBackward(this, null, 1f, negate: false, other) : null;
        return InPlace(Scalar(other), new AddRowOp(1f), node, nameof(other));
    }

    /// <summary>Subtracts <c>alpha·other</c> (broadcast to this shape) in place. Equivalent to <c>tensor.sub_(other, alpha=alpha)</c>.</summary>
    /// <param name="other">The tensor to subtract; it must broadcast to this tensor's shape.</param>
    /// <param name="alpha">The multiplier of <paramref name="other"/>.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The broadcast shape is not this shape.</exception>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Sub_(Tensor other, float alpha = 1f)
    {
        ArgumentNullException.ThrowIfNull(other);
        Node? node = MustRecord(this, other) ? new AddBackward(this, other, alpha, negate: true) : null;
        return InPlace(other, new AddRowOp(-alpha), node, nameof(other));
    }

    /// <summary>Subtracts a scalar in place. Equivalent to <c>tensor.sub_(other)</c>.</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Sub_(float other)
    {
        Node? node = MustRecord(this) ? new AddBackward(this, null, 1f, negate: true, other) : null;
        return InPlace(Scalar(other), new AddRowOp(-1f), node, nameof(other));
    }

    /// <summary>Multiplies by <paramref name="other"/> (broadcast to this shape) in place. Equivalent to <c>tensor.mul_(other)</c>.</summary>
    /// <param name="other">The factor; it must broadcast to this tensor's shape.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The broadcast shape is not this shape.</exception>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Mul_(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Node? node = MustRecord(this, other) ? new MulBackward(this, other, other.RequiresGrad ? Clone().Detach() : null) : null;
        return InPlace(other, default(MulRowOp), node, nameof(other));
    }

    /// <summary>Multiplies by a scalar in place. Equivalent to <c>tensor.mul_(other)</c>.</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Mul_(float other)
    {
        Node? node = MustRecord(this) ? new ScaleBackward("MulBackward0", this, other, divide: false) : null;
        return InPlace(Scalar(other), default(MulRowOp), node, nameof(other));
    }

    /// <summary>Divides by <paramref name="other"/> (broadcast to this shape) in place. Equivalent to <c>tensor.div_(other)</c>.</summary>
    /// <param name="other">The divisor; it must broadcast to this tensor's shape.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The broadcast shape is not this shape.</exception>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Div_(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Node? node = MustRecord(this, other) ? new DivBackward(this, other, other.RequiresGrad ? Clone().Detach() : null) : null;
        return InPlace(other, default(DivRowOp), node, nameof(other));
    }

    /// <summary>Divides by a scalar in place. Equivalent to <c>tensor.div_(other)</c>.</summary>
    /// <param name="other">The scalar divisor.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Div_(float other)
    {
        Node? node = MustRecord(this) ? new ScaleBackward("DivBackward0", this, other, divide: true) : null;
        return InPlace(Scalar(other), default(DivRowOp), node, nameof(other));
    }

    /// <summary>Sets every element to zero. Equivalent to <c>tensor.zero_()</c>.</summary>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Zero_() => Overwrite(0f, "ZeroBackward0");

    /// <summary>Sets every element to <paramref name="value"/>. Equivalent to <c>tensor.fill_(value)</c>.</summary>
    /// <param name="value">The new value of every element.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Fill_(float value) => Overwrite(value, "FillBackward2");

    /// <summary>
    /// Limits every element to <c>[min, max]</c> in place (a bound left <see langword="null"/> does not apply).
    /// Equivalent to <c>tensor.clamp_(min, max)</c> (<c>ClampBackward1</c>).
    /// </summary>
    /// <param name="min">The lower bound, or <see langword="null"/>.</param>
    /// <param name="max">The upper bound, or <see langword="null"/>.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="ArgumentException">Both bounds are <see langword="null"/> (PyTorch: <c>At least one of 'min' or 'max' must not be None</c>).</exception>
    /// <exception cref="InvalidOperationException">This is a leaf that requires grad, outside <see cref="Torch.NoGrad"/>.</exception>
    public Tensor Clamp_(float? min = null, float? max = null)
    {
        if (min is null && max is null)
        {
            throw new ArgumentException("At least one of 'min' or 'max' must not be None", nameof(min));
        }

        CheckInPlaceAllowed();
        Node? node = MustRecord(this)
            ? new ClampBackward(this, Clone().Detach(), min ?? float.NegativeInfinity, max ?? float.PositiveInfinity)
            : null;
        Span<float> x = AsSpan();
        if (min is { } lo)
        {
            TensorPrimitives.Max(x, lo, x);
        }

        if (max is { } hi)
        {
            TensorPrimitives.Min(x, hi, x);
        }

        return node is null ? this : SetGradFn(node);
    }

    private Tensor Overwrite(float value, string name)
    {
        CheckInPlaceAllowed();
        Node? node = MustRecord(this) ? new OverwriteBackward(name, this) : null;
        AsSpan().Fill(value);
        return node is null ? this : SetGradFn(node);
    }

    private Tensor InPlace<TOp>(Tensor other, TOp op, Node? node, string paramName)
        where TOp : struct, IRowOp
    {
        CheckInPlaceAllowed();
        if (!ShapeEquals(other._shape))
        {
            int[] shape = BroadcastKernel.Shape(_shape, other._shape, paramName);
            if (!ShapeEquals(shape))
            {
                ThrowHelper.ThrowInPlaceBroadcast(_shape, shape, paramName);
            }
        }

        ReadOnlySpan<float> b = other.AsReadOnlySpan();
        Span<float> self = AsSpan();
        BroadcastKernel.Apply(op, self, _shape, b, other._shape, self, _shape);
        return node is null ? this : SetGradFn(node);
    }
}
