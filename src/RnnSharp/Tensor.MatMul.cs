using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>The matrix product with <c>torch.matmul</c>'s rules for every rank.</summary>
public partial class Tensor
{
    /// <summary>
    /// The matrix product, as <c>torch.matmul(self, other)</c>: 1-D·1-D is a dot product (0-d result,
    /// <c>DotBackward0</c>); 2-D·1-D a matrix-vector product (<c>MvBackward0</c>); 1-D·2-D a vector-matrix product
    /// (<c>SqueezeBackward3</c>); 2-D·2-D a matrix product (<c>MmBackward0</c>); with more dimensions, the last two are
    /// matrices and the leading ones are batch dimensions that broadcast (<c>UnsafeViewBackward0</c>, or
    /// <c>CloneBackward0</c> for a matrix times a batch, the names PyTorch 1.13 records). A 1-D operand is treated as a
    /// row (left) or column (right) and that dimension is removed from the result.
    /// </summary>
    /// <param name="other">The right operand: <c>(k)</c>, <c>(k, n)</c> or <c>(*, k, n)</c>.</param>
    /// <returns>A new tensor: <c>(*, m, n)</c> for <c>(*, m, k)·(*, k, n)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An operand is 0-d, the inner lengths differ (PyTorch: <c>mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)</c>
    /// and its other wordings per rank), or the batch dimensions do not broadcast.
    /// </exception>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int ra = _shape.Length;
        int rb = other._shape.Length;
        if (ra == 0 || rb == 0)
        {
            ThrowHelper.ThrowMatMulScalar(ra, rb, nameof(other));
        }

        int m = ra == 1 ? 1 : _shape[ra - 2];
        int k = _shape[ra - 1];
        int k2 = rb == 1 ? other._shape[0] : other._shape[rb - 2];
        int n = rb == 1 ? 1 : other._shape[rb - 1];
        int[] batchA = ra > 2 ? _shape[..(ra - 2)] : [];
        int[] batchB = rb > 2 ? other._shape[..(rb - 2)] : [];
        int[] batch = BroadcastKernel.Shape(batchA, batchB, nameof(other));
        if (k != k2)
        {
            ThrowMatMulMismatch(ra, rb, m, k, k2, n, batch, batchA, nameof(other));
        }

        int[] shape = [.. batch, .. (ra > 1 ? [m] : Array.Empty<int>()), .. (rb > 1 ? [n] : Array.Empty<int>())];
        (int[] aIndex, int[] bIndex) = MatMulBackward.BatchIndices(batch, batchA, batchB);
        Tensor result = Empty(shape);
        ReadOnlySpan<float> a = AsReadOnlySpan();
        ReadOnlySpan<float> b = other.AsReadOnlySpan();
        Span<float> c = result.Writable;
        for (int t = 0; t < aIndex.Length; t++)
        {
            MatMulKernel.Multiply(
                a.Slice(aIndex[t] * m * k, m * k), b.Slice(bIndex[t] * k * n, k * n), m, k, n, accumulate: false, c.Slice(t * m * n, m * n));
        }

        if (!MustRecord(this, other))
        {
            return result;
        }

        string name = (ra, rb) switch
        {
            (1, 1) => "DotBackward0",
            (2, 1) => "MvBackward0",
            (1, 2) => "SqueezeBackward3",
            (2, 2) => "MmBackward0",
            (2, _) => "CloneBackward0",
            _ => "UnsafeViewBackward0",
        };
        return result.SetGradFn(new MatMulBackward(name, this, other, m, k, n, aIndex, bIndex));
    }

    private static void ThrowMatMulMismatch(int ra, int rb, int m, int k, int k2, int n, int[] batch, int[] batchA, string paramName)
    {
        int batchCount = 1;
        foreach (int s in batch)
        {
            batchCount *= s;
        }

        int foldedA = 1;
        foreach (int s in batchA)
        {
            foldedA *= s;
        }

        switch (ra, rb)
        {
            case (1, 1):
                ThrowHelper.ThrowDotSizes(k, k2, paramName);
                break;
            case (2, 1):
                ThrowHelper.ThrowMvSizes(m, k, k2, paramName);
                break;
            case (1 or 2, 2):
                ThrowHelper.ThrowMatMulShapes(m, k, k2, n, paramName);
                break;
            case (_, 1 or 2):
                ThrowHelper.ThrowMatMulShapes(foldedA * m, k, k2, n, paramName);
                break;
            default:
                ThrowHelper.ThrowBmmSizes(batchCount, k, batchCount, k2, paramName);
                break;
        }
    }
}
