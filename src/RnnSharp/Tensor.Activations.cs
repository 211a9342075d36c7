using System.Numerics.Tensors;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Element-wise functions and softmax.</summary>
public partial class Tensor
{
    /// <summary>Element-wise hyperbolic tangent. Equivalent to <c>tensor.tanh()</c> (<c>TanhBackward0</c>).</summary>
    /// <returns>A new tensor.</returns>
    public Tensor Tanh() => Unary(UnaryKind.Tanh);

    /// <summary>Element-wise <c>max(x, 0)</c>. Equivalent to <c>tensor.relu()</c> (<c>ReluBackward0</c>; the gradient at 0 is 0, as in PyTorch).</summary>
    /// <returns>A new tensor.</returns>
    public Tensor Relu() => Unary(UnaryKind.Relu);

    /// <summary>Element-wise logistic sigmoid <c>1 / (1 + exp(-x))</c>. Equivalent to <c>tensor.sigmoid()</c> (<c>SigmoidBackward0</c>).</summary>
    /// <returns>A new tensor.</returns>
    public Tensor Sigmoid() => Unary(UnaryKind.Sigmoid);

    /// <summary>Element-wise exponential. Equivalent to <c>tensor.exp()</c> (<c>ExpBackward0</c>).</summary>
    /// <returns>A new tensor.</returns>
    public Tensor Exp() => Unary(UnaryKind.Exp);

    /// <summary>Element-wise natural logarithm. Equivalent to <c>tensor.log()</c> (<c>LogBackward0</c>).</summary>
    /// <returns>A new tensor.</returns>
    public Tensor Log() => Unary(UnaryKind.Log);

    /// <summary>
    /// Softmax along <paramref name="dim"/>: <c>exp(x - max) / Σ exp(x - max)</c>. Equivalent to <c>tensor.softmax(dim)</c> (<c>SoftmaxBackward0</c>).
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <returns>A new tensor of the same shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public Tensor Softmax(int dim) => SoftmaxCore(dim, log: false);

    /// <summary>
    /// Log-softmax along <paramref name="dim"/>: <c>x - max - log Σ exp(x - max)</c>. Equivalent to <c>tensor.log_softmax(dim)</c> (<c>LogSoftmaxBackward0</c>).
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <returns>A new tensor of the same shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public Tensor LogSoftmax(int dim) => SoftmaxCore(dim, log: true);

    private Tensor SoftmaxCore(int dim, bool log)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        (int outer, int size, int inner) = ShapeMath.Split(_shape, d);
        Tensor result = Empty((int[])_shape.Clone());
        SoftmaxOps.Forward(AsReadOnlySpan(), outer, size, inner, log, result.Writable);
        return MustRecord(this) ? result.SetGradFn(new SoftmaxBackward(this, result, d, log)) : result;
    }

    private Tensor Unary(UnaryKind kind)
    {
        ReadOnlySpan<float> x = AsReadOnlySpan();
        Tensor result = Empty((int[])_shape.Clone());
        Span<float> y = result.Writable;
        switch (kind)
        {
            case UnaryKind.Tanh:
                Kernels.TanhKernel.Forward(x, y);
                break;
            case UnaryKind.Relu:
                TensorPrimitives.Max(x, 0f, y);
                break;
            case UnaryKind.Sigmoid:
                SigmoidInDouble(x, y);
                break;
            case UnaryKind.Exp:
                TensorPrimitives.Exp(x, y);
                break;
            default:
                TensorPrimitives.Log(x, y);
                break;
        }

        return MustRecord(this) ? result.SetGradFn(new UnaryBackward(kind, this, result)) : result;
    }

    /// <summary>
    /// Sigmoid computed in double (vectorised) and rounded once, so that the float result is the correctly rounded
    /// value almost always, as ATen's 1-ulp Sleef kernels nearly always are: backward formulas such as
    /// <c>y(1 − y)</c> amplify a last-bit difference in y far beyond the gradient's own rounding. (Tanh has its own
    /// kernel, <see cref="Kernels.TanhKernel"/>, because tanh in double still cancels near 0.)
    /// </summary>
    private static void SigmoidInDouble(ReadOnlySpan<float> x, Span<float> y)
    {
        const int Chunk = 512;
        Span<double> buffer = stackalloc double[Chunk];
        for (int start = 0; start < x.Length; start += Chunk)
        {
            int n = Math.Min(Chunk, x.Length - start);
            Span<double> d = buffer[..n];
            TensorPrimitives.ConvertChecked<float, double>(x.Slice(start, n), d);
            TensorPrimitives.Sigmoid<double>(d, d);

            TensorPrimitives.ConvertTruncating<double, float>(d, y.Slice(start, n));
        }
    }
}
