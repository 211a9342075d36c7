using System.Numerics.Tensors;
using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>The element-wise functions with a backward node.</summary>
internal enum UnaryKind
{
    Tanh,
    Relu,
    Sigmoid,
    Exp,
    Log,
}

/// <summary>
/// <c>TanhBackward0</c> <c>g·(1 − y²)</c>, <c>ReluBackward0</c> <c>y &gt; 0 ? g : 0</c>, <c>SigmoidBackward0</c>
/// <c>g·(1 − y)·y</c>, <c>ExpBackward0</c> <c>g·y</c>, <c>LogBackward0</c> <c>g / x</c> — ATen's formulas, from the
/// saved output y (the input x for log).
/// </summary>
internal sealed class UnaryBackward : Node
{
    private readonly UnaryKind _kind;
    private SavedTensor _saved;

    public UnaryBackward(UnaryKind kind, Tensor input, Tensor output)
    {
        _kind = kind;
        _saved = kind == UnaryKind.Log ? new SavedTensor(input) : new SavedTensor(output, this);
        SetInputs(input);
    }

    /// <summary>Which function.</summary>
    internal UnaryKind Kind => _kind;

    public override string Name => _kind switch
    {
        UnaryKind.Tanh => "TanhBackward0",
        UnaryKind.Relu => "ReluBackward0",
        UnaryKind.Sigmoid => "SigmoidBackward0",
        UnaryKind.Exp => "ExpBackward0",
        _ => "LogBackward0",
    };

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        ReadOnlySpan<float> g = gradOutputs[0]!.AsReadOnlySpan();
        Tensor savedTensor = _saved.Unpack();
        ReadOnlySpan<float> s = savedTensor.AsReadOnlySpan();
        Tensor result = Tensor.Zeros(savedTensor.Shape.ToArray());
        Span<float> r = result.AsSpan();
        switch (_kind)
        {
            case UnaryKind.Tanh:
                TensorPrimitives.Multiply(s, s, r);
                TensorPrimitives.Subtract(1f, r, r);
                TensorPrimitives.Multiply(g, r, r);
                break;
            case UnaryKind.Relu:
                for (int i = 0; i < r.Length; i++)
                {
                    r[i] = s[i] <= 0f ? 0f : g[i];
                }

                break;
            case UnaryKind.Sigmoid:
                TensorPrimitives.Subtract(1f, s, r);
                TensorPrimitives.Multiply(g, r, r);
                TensorPrimitives.Multiply(r, s, r);
                break;
            case UnaryKind.Exp:
                TensorPrimitives.Multiply(g, s, r);
                break;
            default:
                TensorPrimitives.Divide(g, s, r);
                break;
        }

        return [result];
    }

    private protected override void ReleaseSaved() => _saved = default;
}

/// <summary><c>SoftmaxBackward0</c> / <c>LogSoftmaxBackward0</c>, from the saved output.</summary>
internal sealed class SoftmaxBackward : Node
{
    private readonly int _dim;
    private readonly bool _log;
    private SavedTensor _output;

    public SoftmaxBackward(Tensor input, Tensor output, int dim, bool log)
    {
        _dim = dim;
        _log = log;
        _output = new SavedTensor(output, this);
        SetInputs(input);
    }

    public override string Name => _log ? "LogSoftmaxBackward0" : "SoftmaxBackward0";

    /// <summary>The (non-negative) dimension normalised over.</summary>
    internal int Dim => _dim;

    /// <summary>Whether this is log-softmax.</summary>
    internal bool Log => _log;

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor y = _output.Unpack();
        (int outer, int size, int inner) = ShapeMath.Split(y.Shape, _dim);
        Tensor result = Tensor.Zeros(y.Shape.ToArray());
        SoftmaxOps.Backward(gradOutputs[0]!.AsReadOnlySpan(), y.AsReadOnlySpan(), outer, size, inner, _log, result.AsSpan());
        return [result];
    }

    private protected override void ReleaseSaved() => _output = default;
}
