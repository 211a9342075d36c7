using System.Diagnostics.CodeAnalysis;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Element-wise arithmetic with PyTorch's broadcasting: the operators <c>+ - * /</c> between tensors and with
/// <see cref="float"/> scalars, unary minus, and the named forms <see cref="Add(Tensor, float)"/>, <see cref="Sub(Tensor, float)"/>,
/// <see cref="Mul(Tensor)"/>, <see cref="Div(Tensor)"/>.
/// </summary>
[SuppressMessage("Usage", "CA2225", Justification = "The named alternates are PyTorch's: Add, Sub, Mul, Div, Neg.")]
public partial class Tensor
{
    /// <summary>Adds two tensors, broadcasting their shapes. Equivalent to <c>a + b</c> in PyTorch.</summary>
    /// <param name="a">The first tensor.</param>
    /// <param name="b">The second tensor.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast (PyTorch: <c>The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1</c>).</exception>
    public static Tensor operator +(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Add(b);
    }

    /// <summary>Adds a scalar to every element. Equivalent to <c>a + b</c> in PyTorch (<c>AddBackward0</c>).</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of <paramref name="a"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is <see langword="null"/>.</exception>
    public static Tensor operator +(Tensor a, float b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Add(b);
    }

    /// <summary>Adds a scalar to every element. Equivalent to <c>a + b</c> in PyTorch (<c>AddBackward0</c>).</summary>
    /// <param name="a">The scalar.</param>
    /// <param name="b">The tensor.</param>
    /// <returns>A new tensor of <paramref name="b"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="b"/> is <see langword="null"/>.</exception>
    public static Tensor operator +(float a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.Add(a);
    }

    /// <summary>Subtracts <paramref name="b"/> from <paramref name="a"/>, broadcasting. Equivalent to <c>a - b</c> in PyTorch.</summary>
    /// <param name="a">The tensor subtracted from.</param>
    /// <param name="b">The tensor subtracted.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator -(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Sub(b);
    }

    /// <summary>Subtracts a scalar from every element. Equivalent to <c>a - b</c> in PyTorch (<c>SubBackward0</c>).</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of <paramref name="a"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is <see langword="null"/>.</exception>
    public static Tensor operator -(Tensor a, float b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Sub(b);
    }

    /// <summary>Subtracts every element from a scalar. Equivalent to <c>a - b</c> in PyTorch (<c>torch.rsub</c>, <c>RsubBackward1</c>).</summary>
    /// <param name="a">The scalar.</param>
    /// <param name="b">The tensor.</param>
    /// <returns>A new tensor of <paramref name="b"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="b"/> is <see langword="null"/>.</exception>
    public static Tensor operator -(float a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        Tensor result = Binary(Scalar(a), b, new AddRowOp(-1f), nameof(b));
        return MustRecord(b) ? result.SetGradFn(new RsubBackward(b, a)) : result;
    }

    /// <summary>Negates every element. Equivalent to <c>-a</c> in PyTorch (<c>NegBackward0</c>).</summary>
    /// <param name="a">The tensor.</param>
    /// <returns>A new tensor of the same shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is <see langword="null"/>.</exception>
    public static Tensor operator -(Tensor a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Neg();
    }

    /// <summary>Multiplies two tensors element-wise, broadcasting. Equivalent to <c>a * b</c> in PyTorch.</summary>
    /// <param name="a">The first tensor.</param>
    /// <param name="b">The second tensor.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator *(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Mul(b);
    }

    /// <summary>Multiplies every element by a scalar. Equivalent to <c>a * b</c> in PyTorch (<c>MulBackward0</c>).</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar.</param>
    /// <returns>A new tensor of <paramref name="a"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is <see langword="null"/>.</exception>
    public static Tensor operator *(Tensor a, float b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Mul(b);
    }

    /// <summary>Multiplies every element by a scalar. Equivalent to <c>a * b</c> in PyTorch (<c>MulBackward0</c>).</summary>
    /// <param name="a">The scalar.</param>
    /// <param name="b">The tensor.</param>
    /// <returns>A new tensor of <paramref name="b"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="b"/> is <see langword="null"/>.</exception>
    public static Tensor operator *(float a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        return b.Mul(a);
    }

    /// <summary>Divides element-wise, broadcasting. Equivalent to <c>a / b</c> in PyTorch (true division).</summary>
    /// <param name="a">The dividend.</param>
    /// <param name="b">The divisor.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException">A tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator /(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Div(b);
    }

    /// <summary>Divides every element by a scalar. Equivalent to <c>a / b</c> in PyTorch (<c>DivBackward0</c>).</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="b">The scalar divisor.</param>
    /// <returns>A new tensor of <paramref name="a"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="a"/> is <see langword="null"/>.</exception>
    public static Tensor operator /(Tensor a, float b)
    {
        ArgumentNullException.ThrowIfNull(a);
        return a.Div(b);
    }

    /// <summary>
    /// Divides a scalar by every element. Equivalent to <c>a / b</c> in PyTorch, which computes
    /// <c>b.reciprocal() * a</c> (two roundings, <c>MulBackward0</c>); so does RnnSharp.
    /// </summary>
    /// <param name="a">The scalar dividend.</param>
    /// <param name="b">The tensor of divisors.</param>
    /// <returns>A new tensor of <paramref name="b"/>'s shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="b"/> is <see langword="null"/>.</exception>
    public static Tensor operator /(float a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(b);
        Tensor reciprocal = Binary(Scalar(1f), b, default(DivRowOp), nameof(b));
        Tensor result = Binary(reciprocal, Scalar(a), default(MulRowOp), nameof(b));
        return MustRecord(b) ? result.SetGradFn(new ReciprocalMulBackward(b, reciprocal, a)) : result;
    }

    /// <summary>
    /// Returns <c>this + alpha·other</c>, broadcasting. Equivalent to <c>torch.add(self, other, alpha=alpha)</c>
    /// (<c>AddBackward0</c>); with <paramref name="alpha"/> ≠ 1 each element is one fused multiply-add, as in ATen.
    /// </summary>
    /// <param name="other">The tensor to add.</param>
    /// <param name="alpha">The multiplier of <paramref name="other"/>.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Tensor Add(Tensor other, float alpha = 1f)
    {
        ArgumentNullException.ThrowIfNull(other);
        Tensor result = Binary(this, other, new AddRowOp(alpha), nameof(other));
        return MustRecord(this, other) ? result.SetGradFn(new AddBackward(this, other, alpha, negate: false)) : result;
    }

    /// <summary>Adds a scalar to every element. Equivalent to <c>tensor + other</c> (<c>AddBackward0</c>).</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>A new tensor of this shape.</returns>
    public Tensor Add(float other)
    {
        Tensor result = Binary(this, Scalar(other), new AddRowOp(1f), nameof(other));
        return MustRecord(this) ? result.SetGradFn(new AddBackward(this, null, 1f, negate: false, other)) : result;
    }

    /// <summary>Returns <c>this - alpha·other</c>, broadcasting. Equivalent to <c>torch.sub(self, other, alpha=alpha)</c> (<c>SubBackward0</c>).</summary>
    /// <param name="other">The tensor to subtract.</param>
    /// <param name="alpha">The multiplier of <paramref name="other"/>.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Tensor Sub(Tensor other, float alpha = 1f)
    {
        ArgumentNullException.ThrowIfNull(other);
        Tensor result = Binary(this, other, new AddRowOp(-alpha), nameof(other));
        return MustRecord(this, other) ? result.SetGradFn(new AddBackward(this, other, alpha, negate: true)) : result;
    }

    /// <summary>Subtracts a scalar from every element. Equivalent to <c>tensor - other</c> (<c>SubBackward0</c>).</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>A new tensor of this shape.</returns>
    public Tensor Sub(float other)
    {
        Tensor result = Binary(this, Scalar(other), new AddRowOp(-1f), nameof(other));
        return MustRecord(this) ? result.SetGradFn(new AddBackward(this, null, 1f, negate: true, other)) : result;
    }

    /// <summary>Multiplies element-wise, broadcasting. Equivalent to <c>torch.mul(self, other)</c> (<c>MulBackward0</c>).</summary>
    /// <param name="other">The other factor.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Tensor Mul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Tensor result = Binary(this, other, default(MulRowOp), nameof(other));
        return MustRecord(this, other) ? result.SetGradFn(new MulBackward(this, other)) : result;
    }

    /// <summary>Multiplies every element by a scalar. Equivalent to <c>tensor * other</c> (<c>MulBackward0</c>).</summary>
    /// <param name="other">The scalar.</param>
    /// <returns>A new tensor of this shape.</returns>
    public Tensor Mul(float other)
    {
        Tensor result = Binary(this, Scalar(other), default(MulRowOp), nameof(other));
        return MustRecord(this) ? result.SetGradFn(new ScaleBackward("MulBackward0", this, other, divide: false)) : result;
    }

    /// <summary>Divides element-wise, broadcasting. Equivalent to <c>torch.div(self, other)</c> (true division, <c>DivBackward0</c>).</summary>
    /// <param name="other">The divisor.</param>
    /// <returns>A new tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public Tensor Div(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Tensor result = Binary(this, other, default(DivRowOp), nameof(other));
        return MustRecord(this, other) ? result.SetGradFn(new DivBackward(this, other)) : result;
    }

    /// <summary>Divides every element by a scalar. Equivalent to <c>tensor / other</c> (true division, <c>DivBackward0</c>).</summary>
    /// <param name="other">The scalar divisor.</param>
    /// <returns>A new tensor of this shape.</returns>
    public Tensor Div(float other)
    {
        Tensor result = Binary(this, Scalar(other), default(DivRowOp), nameof(other));
        return MustRecord(this) ? result.SetGradFn(new ScaleBackward("DivBackward0", this, other, divide: true)) : result;
    }

    /// <summary>Negates every element. Equivalent to <c>torch.neg(self)</c> (<c>NegBackward0</c>).</summary>
    /// <returns>A new tensor of this shape.</returns>
    public Tensor Neg()
    {
        Tensor result = Empty((int[])_shape.Clone());
        System.Numerics.Tensors.TensorPrimitives.Negate(AsReadOnlySpan(), result.Writable);
        return MustRecord(this) ? result.SetGradFn(new NegBackward(this)) : result;
    }

    /// <summary>A fresh result's storage for writing, without counting a write (nothing can have saved it yet).</summary>
    private Span<float> Writable => _storage.AsSpan(_offset, _numel);

    /// <summary>A 0-d tensor holding <paramref name="value"/>, as PyTorch wraps a Python number.</summary>
    private static Tensor Scalar(float value) => new([value], 0, [], 1, new StorageVersion());

    /// <summary><typeparamref name="TOp"/> over <paramref name="a"/> and <paramref name="b"/> broadcast together, into a new tensor; no autograd record.</summary>
    internal static Tensor Binary<TOp>(Tensor a, Tensor b, TOp op, string paramName)
        where TOp : struct, IRowOp
    {
        int[] shape = a.ShapeEquals(b._shape) ? (int[])a._shape.Clone() : BroadcastKernel.Shape(a._shape, b._shape, paramName);
        Tensor result = Empty(shape);
        BroadcastKernel.Apply(op, a.AsReadOnlySpan(), a._shape, b.AsReadOnlySpan(), b._shape, result.Writable, shape);
        return result;
    }

    /// <summary>This tensor repeated along broadcast dimensions to <paramref name="shape"/> (a copy): PyTorch's <c>expand(shape).contiguous()</c>.</summary>
    internal Tensor ExpandTo(int[] shape)
    {
        if (ShapeEquals(shape))
        {
            return this;
        }

        Tensor result = Empty((int[])shape.Clone());
        ReadOnlySpan<float> self = AsReadOnlySpan();
        BroadcastKernel.Apply(default(ExpandRowOp), self, _shape, self, _shape, result.Writable, shape);
        return result;
    }

    /// <summary>
    /// The gradient of a broadcast input: this gradient summed over the dimensions that broadcasting added or
    /// repeated, so that it has <paramref name="shape"/> (PyTorch's <c>sum_to</c>).
    /// </summary>
    internal Tensor SumTo(ReadOnlySpan<int> shape)
    {
        if (ShapeEquals(shape))
        {
            return this;
        }

        Tensor g = this;
        int lead = _shape.Length - shape.Length;
        if (lead > 0)
        {
            int leading = 1;
            for (int d = 0; d < lead; d++)
            {
                leading *= _shape[d];
            }

            g = g.SumDimRaw(leading, 1, g._numel / Math.Max(leading, 1), _shape[lead..]);
        }

        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1 && g._shape[d] != 1)
            {
                int outer = 1;
                for (int e = 0; e < d; e++)
                {
                    outer *= g._shape[e];
                }

                int[] kept = (int[])g._shape.Clone();
                kept[d] = 1;
                g = g.SumDimRaw(g._shape[d], outer, g._numel / Math.Max(outer * g._shape[d], 1), kept);
            }
        }

        return g;
    }
}
