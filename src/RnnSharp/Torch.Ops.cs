using RnnSharp.Autograd;

namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// Joins tensors along an existing dimension. Equivalent to <c>torch.cat(tensors, dim)</c> (<c>CatBackward0</c>).
    /// </summary>
    /// <param name="tensors">The tensors; all of the same rank and of equal length in every dimension but <paramref name="dim"/>.</param>
    /// <param name="dim">The dimension to join along; negative values count from the end.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensors"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The list is empty, or the shapes do not fit (PyTorch: <c>Sizes of tensors must match except in dimension 0. ...</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            ThrowHelper.ThrowCatEmpty(nameof(tensors));
        }

        Tensor first = tensors[0];
        ArgumentNullException.ThrowIfNull(first, nameof(tensors));
        int d = ShapeMath.NormalizeDim(dim, first.Dim, nameof(dim));
        int[] sizes = new int[tensors.Count];
        for (int t = 0; t < tensors.Count; t++)
        {
            Tensor x = tensors[t];
            ArgumentNullException.ThrowIfNull(x, nameof(tensors));
            if (x.Dim != first.Dim)
            {
                ThrowHelper.ThrowCatRanks(first.Dim, x.Dim, nameof(tensors));
            }

            for (int e = 0; e < first.Dim; e++)
            {
                if (e != d && x.Shape[e] != first.Shape[e])
                {
                    ThrowHelper.ThrowCatSizes(d, first.Shape[e], x.Shape[e], t, nameof(tensors));
                }
            }

            sizes[t] = x.Dim == 0 ? 1 : x.Shape[d];
        }

        int[] shape = first.Shape.ToArray();
        shape[d] = sizes.Sum();
        return RnnSharp.Tensor.Join(tensors, d, sizes, shape, "CatBackward0");
    }

    /// <summary>
    /// Joins tensors of the same shape along a new dimension. Equivalent to <c>torch.stack(tensors, dim)</c> (<c>StackBackward0</c>).
    /// </summary>
    /// <param name="tensors">The tensors; all of the same shape.</param>
    /// <param name="dim">Where the new dimension goes, in <c>[-Dim - 1, Dim]</c>.</param>
    /// <returns>A new tensor with one more dimension, of length <c>tensors.Count</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensors"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The list is empty, or the shapes differ (PyTorch: <c>stack expects each tensor to be equal size, ...</c>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            ThrowHelper.ThrowStackEmpty(nameof(tensors));
        }

        Tensor first = tensors[0];
        ArgumentNullException.ThrowIfNull(first, nameof(tensors));
        for (int t = 1; t < tensors.Count; t++)
        {
            ArgumentNullException.ThrowIfNull(tensors[t], nameof(tensors));
            if (!tensors[t].ShapeEquals(first.Shape))
            {
                ThrowHelper.ThrowStackSizes(first.Shape, tensors[t].Shape, t, nameof(tensors));
            }
        }

        int d = ShapeMath.NormalizeDim(dim, first.Dim + 1, nameof(dim));
        int[] shape = [.. first.Shape[..d], tensors.Count, .. first.Shape[d..]];
        int[] sizes = new int[tensors.Count];
        Array.Fill(sizes, 1);
        return RnnSharp.Tensor.Join(tensors, d, sizes, shape, "StackBackward0");
    }

    /// <summary>The matrix product of two tensors. Equivalent to <c>torch.matmul(input, other)</c>; see <see cref="Tensor.MatMul(Tensor)"/>.</summary>
    /// <param name="input">The left operand.</param>
    /// <param name="other">The right operand.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException">An operand is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes cannot be multiplied.</exception>
    public static Tensor MatMul(Tensor input, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.MatMul(other);
    }

    /// <summary>Softmax along <paramref name="dim"/>. Equivalent to <c>torch.softmax(input, dim)</c>; see <see cref="Tensor.Softmax(int)"/>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="dim">The dimension.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public static Tensor Softmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Softmax(dim);
    }

    /// <summary>Log-softmax along <paramref name="dim"/>. Equivalent to <c>torch.log_softmax(input, dim)</c>; see <see cref="Tensor.LogSoftmax(int)"/>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="dim">The dimension.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public static Tensor LogSoftmax(Tensor input, int dim)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.LogSoftmax(dim);
    }

    /// <summary>Element-wise tanh. Equivalent to <c>torch.tanh(input)</c> (<c>TanhBackward0</c>).</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    public static Tensor Tanh(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Tanh();
    }

    /// <summary>Element-wise sigmoid. Equivalent to <c>torch.sigmoid(input)</c> (<c>SigmoidBackward0</c>).</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    public static Tensor Sigmoid(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sigmoid();
    }

    /// <summary>Element-wise ReLU. Equivalent to <c>torch.relu(input)</c> (<c>ReluBackward0</c>).</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    public static Tensor Relu(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Relu();
    }

    /// <summary>Indices of the maxima along <paramref name="dim"/>. Equivalent to <c>torch.argmax(input, dim, keepdim)</c>; see <see cref="Tensor.Argmax(int, bool)"/>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Keep the reduced dimension with length 1.</param>
    /// <returns>An int64 tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    /// <exception cref="ArgumentException">The dimension is empty.</exception>
    public static Tensor Argmax(Tensor input, int dim, bool keepdim = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Argmax(dim, keepdim);
    }
}

/// <summary>Joining tensors (<see cref="Torch.Cat"/>, <see cref="Torch.Stack"/>).</summary>
public partial class Tensor
{
    /// <summary>
    /// Copies <paramref name="tensors"/> one after another along <paramref name="dim"/> of <paramref name="shape"/>, where
    /// tensor t contributes <c>sizes[t]</c> positions; records <paramref name="name"/>.
    /// </summary>
    internal static Tensor Join(IReadOnlyList<Tensor> tensors, int dim, int[] sizes, int[] shape, string name)
    {
        Tensor result = Empty(shape);
        (int outer, int total, int inner) = ShapeMath.Split(shape, dim);
        Span<float> dst = result.Writable;
        int at = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            ReadOnlySpan<float> src = tensors[t].AsReadOnlySpan();
            int block = sizes[t] * inner;
            for (int o = 0; o < outer; o++)
            {
                src.Slice(o * block, block).CopyTo(dst.Slice((o * total * inner) + (at * inner), block));
            }

            at += sizes[t];
        }

        bool record = false;
        foreach (Tensor t in tensors)
        {
            record |= MustRecord(t);
        }

        return record ? result.SetGradFn(new JoinBackward(name, tensors, dim, sizes)) : result;
    }
}
