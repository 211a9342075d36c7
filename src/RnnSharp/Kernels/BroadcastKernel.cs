using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>An element-wise operation applied to one contiguous row of a broadcast result (a statically dispatched callback).</summary>
internal interface IRowOp
{
    /// <summary>
    /// Writes one row: <paramref name="a"/> and <paramref name="b"/> are rows of the destination's length, or one
    /// element to broadcast when <paramref name="aScalar"/> / <paramref name="bScalar"/> is set.
    /// </summary>
    void Invoke(ReadOnlySpan<float> a, bool aScalar, ReadOnlySpan<float> b, bool bScalar, Span<float> destination);
}

/// <summary>
/// PyTorch's broadcasting for binary element-wise operations over contiguous row-major tensors: shapes are aligned at
/// their last dimension, and a dimension of length 1 (or a missing leading one) repeats to the other's length.
/// </summary>
internal static class BroadcastKernel
{
    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>, or PyTorch's error when they do not broadcast.</summary>
    public static int[] Shape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string paramName)
    {
        int rank = Math.Max(a.Length, b.Length);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
            {
                ThrowHelper.ThrowBroadcastMismatch(da, db, i, paramName);
            }

            shape[i] = da == 1 ? db : da;
        }

        return shape;
    }

    /// <summary>
    /// Applies <typeparamref name="TOp"/> to every row of <paramref name="destination"/> (shape <paramref name="shape"/>),
    /// reading <paramref name="a"/> (shape <paramref name="aShape"/>) and <paramref name="b"/> (shape <paramref name="bShape"/>)
    /// broadcast to it. The rows are as long as possible: trailing dimensions that neither input broadcasts (or that one
    /// broadcasts entirely) are merged, so that same-shape and tensor-by-scalar operations are one call.
    /// </summary>
    public static void Apply<TOp>(
        TOp op, ReadOnlySpan<float> a, ReadOnlySpan<int> aShape, ReadOnlySpan<float> b, ReadOnlySpan<int> bShape,
        Span<float> destination, ReadOnlySpan<int> shape)
        where TOp : struct, IRowOp
    {
        int rank = shape.Length;
        if (destination.IsEmpty)
        {
            return;
        }

        Span<int> aStride = stackalloc int[Math.Max(rank, 1)];
        Span<int> bStride = stackalloc int[Math.Max(rank, 1)];
        Strides(aShape, shape, aStride);
        Strides(bShape, shape, bStride);

        // Merge trailing dimensions into one row while each input is either contiguous over them or constant over them.
        int rowStart = rank;
        int row = 1;
        bool aScalar = true;
        bool bScalar = true;
        bool aFull = true;
        bool bFull = true;
        for (int d = rank - 1; d >= 0; d--)
        {
            bool aBroadcast = aStride[d] == 0 && shape[d] != 1;
            bool bBroadcast = bStride[d] == 0 && shape[d] != 1;
            bool aOk = aBroadcast ? aScalar : aFull;
            bool bOk = bBroadcast ? bScalar : bFull;
            if (!aOk || !bOk)
            {
                break;
            }

            if (shape[d] != 1)
            {
                aScalar &= aBroadcast;
                bScalar &= bBroadcast;
                aFull &= !aBroadcast;
                bFull &= !bBroadcast;
            }

            row *= shape[d];
            rowStart = d;
        }

        int aRow = aScalar ? 1 : row;
        int bRow = bScalar ? 1 : row;
        int rows = destination.Length / row;
        Span<int> index = stackalloc int[Math.Max(rowStart, 1)];
        index.Clear();
        int aOffset = 0;
        int bOffset = 0;
        for (int r = 0; r < rows; r++)
        {
            op.Invoke(a.Slice(aOffset, aRow), aScalar, b.Slice(bOffset, bRow), bScalar, destination.Slice(r * row, row));

            // Advance the odometer over the outer dimensions.
            for (int d = rowStart - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    aOffset += aStride[d];
                    bOffset += bStride[d];
                    break;
                }

                aOffset -= aStride[d] * (shape[d] - 1);
                bOffset -= bStride[d] * (shape[d] - 1);
                index[d] = 0;
            }
        }
    }

    /// <summary>Row-major element strides of <paramref name="inputShape"/> aligned to <paramref name="shape"/>, 0 where it broadcasts.</summary>
    private static void Strides(ReadOnlySpan<int> inputShape, ReadOnlySpan<int> shape, Span<int> strides)
    {
        int lead = shape.Length - inputShape.Length;
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            int size = d < lead ? 1 : inputShape[d - lead];
            strides[d] = size == 1 ? 0 : stride;
            stride *= size;
        }
    }
}

/// <summary><c>a + alpha·b</c> (a fused multiply-add when alpha ≠ 1, as ATen's CPU kernel computes it).</summary>
internal readonly struct AddRowOp(float alpha) : IRowOp
{
    public void Invoke(ReadOnlySpan<float> a, bool aScalar, ReadOnlySpan<float> b, bool bScalar, Span<float> destination)
    {
        if (alpha == 1f)
        {
            if (aScalar && bScalar)
            {
                destination.Fill(a[0] + b[0]);
            }
            else if (aScalar)
            {
                TensorPrimitives.Add(b, a[0], destination);
            }
            else if (bScalar)
            {
                TensorPrimitives.Add(a, b[0], destination);
            }
            else
            {
                TensorPrimitives.Add(a, b, destination);
            }

            return;
        }

        if (!aScalar && !bScalar)
        {
            TensorPrimitives.FusedMultiplyAdd(b, alpha, a, destination);
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = MathF.FusedMultiplyAdd(bScalar ? b[0] : b[i], alpha, aScalar ? a[0] : a[i]);
            }
        }
    }
}

/// <summary><c>a · b</c>.</summary>
internal readonly struct MulRowOp : IRowOp
{
    public void Invoke(ReadOnlySpan<float> a, bool aScalar, ReadOnlySpan<float> b, bool bScalar, Span<float> destination)
    {
        if (aScalar && bScalar)
        {
            destination.Fill(a[0] * b[0]);
        }
        else if (aScalar)
        {
            TensorPrimitives.Multiply(b, a[0], destination);
        }
        else if (bScalar)
        {
            TensorPrimitives.Multiply(a, b[0], destination);
        }
        else
        {
            TensorPrimitives.Multiply(a, b, destination);
        }
    }
}

/// <summary><c>a / b</c> (true division, as ATen's <c>div_true_kernel</c>; never a multiplication by the reciprocal).</summary>
internal readonly struct DivRowOp : IRowOp
{
    public void Invoke(ReadOnlySpan<float> a, bool aScalar, ReadOnlySpan<float> b, bool bScalar, Span<float> destination)
    {
        if (aScalar && bScalar)
        {
            destination.Fill(a[0] / b[0]);
        }
        else if (aScalar)
        {
            TensorPrimitives.Divide(a[0], b, destination);
        }
        else if (bScalar)
        {
            TensorPrimitives.Divide(a, b[0], destination);
        }
        else
        {
            TensorPrimitives.Divide(a, b, destination);
        }
    }
}

/// <summary>Copies <c>a</c> broadcast to the destination (<c>b</c> is ignored): PyTorch's <c>expand(...).contiguous()</c>.</summary>
internal readonly struct ExpandRowOp : IRowOp
{
    public void Invoke(ReadOnlySpan<float> a, bool aScalar, ReadOnlySpan<float> b, bool bScalar, Span<float> destination)
    {
        if (aScalar)
        {
            destination.Fill(a[0]);
        }
        else
        {
            a.CopyTo(destination);
        }
    }
}
