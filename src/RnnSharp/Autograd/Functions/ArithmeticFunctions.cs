namespace RnnSharp.Autograd;

/// <summary>
/// <c>AddBackward0</c> / <c>SubBackward0</c> of <c>a ± alpha·b</c> (b absent for a scalar):
/// the gradient summed back to each input's shape, times <c>±alpha</c> for <c>b</c>.
/// </summary>
internal sealed class AddBackward : Node
{
    private readonly int[] _aShape;
    private readonly int[]? _bShape;
    private readonly float _alpha;
    private readonly bool _negate;

    public AddBackward(Tensor a, Tensor? b, float alpha, bool negate, float scalar = 0f)
    {
        Scalar = scalar;
        _aShape = a.Shape.ToArray();
        _bShape = b?.Shape.ToArray();
        _alpha = alpha;
        _negate = negate;
        SetInputs(a, b);
    }

    public override string Name => _negate ? "SubBackward0" : "AddBackward0";

    /// <summary>The multiplier of <c>b</c>.</summary>
    internal float Alpha => _alpha;

    /// <summary>Whether the operation subtracts.</summary>
    internal bool Negate => _negate;

    /// <summary>The scalar added or subtracted when there is no <c>b</c>.</summary>
    internal float Scalar { get; }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor g = gradOutputs[0]!;
        Tensor? ga = NeedsInputGrad(0) ? g.SumTo(_aShape) : null;
        Tensor? gb = null;
        if (NeedsInputGrad(1))
        {
            // PyTorch: maybe_multiply(-grad, alpha) for sub, maybe_multiply(grad, alpha) for add, then sum_to.
            Tensor scaled = _negate ? (_alpha == 1f ? -g : (-g) * _alpha) : (_alpha == 1f ? g : g * _alpha);
            gb = scaled.SumTo(_bShape!);
        }

        return [ga, gb];
    }
}

/// <summary><c>RsubBackward1</c> of <c>scalar - x</c>: the negated gradient.</summary>
internal sealed class RsubBackward : Node
{
    public RsubBackward(Tensor input, float scalar)
    {
        Scalar = scalar;
        SetInputs(input);
    }

    public override string Name => "RsubBackward1";

    /// <summary>The scalar the input is subtracted from.</summary>
    internal float Scalar { get; }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [-gradOutputs[0]!];
}

/// <summary><c>NegBackward0</c>: the negated gradient.</summary>
internal sealed class NegBackward : Node
{
    public NegBackward(Tensor input) => SetInputs(input);

    public override string Name => "NegBackward0";

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [-gradOutputs[0]!];
}

/// <summary><c>MulBackward0</c> of <c>a * b</c>: <c>grad·b</c> and <c>grad·a</c>, each summed back to its input's shape.</summary>
internal sealed class MulBackward : Node
{
    private readonly int[] _aShape;
    private readonly int[] _bShape;
    private SavedTensor _a;
    private SavedTensor _b;

    /// <summary>
    /// Saves only what the wanted gradients need (b for a's gradient, a for b's); <paramref name="aValue"/> is a's
    /// value before an in-place multiplication overwrote it.
    /// </summary>
    public MulBackward(Tensor a, Tensor b, Tensor? aValue = null)
    {
        _aShape = a.Shape.ToArray();
        _bShape = b.Shape.ToArray();
        SetInputs(a, b);
        if (NeedsInputGrad(1))
        {
            _a = new SavedTensor(aValue ?? a);
        }

        if (NeedsInputGrad(0))
        {
            _b = new SavedTensor(b);
        }
    }

    public override string Name => "MulBackward0";

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor g = gradOutputs[0]!;
        Tensor? ga = NeedsInputGrad(0) ? (g * _b.Unpack()).SumTo(_aShape) : null;
        Tensor? gb = NeedsInputGrad(1) ? (g * _a.Unpack()).SumTo(_bShape) : null;
        return [ga, gb];
    }

    private protected override void ReleaseSaved()
    {
        _a = default;
        _b = default;
    }
}

/// <summary>
/// <c>DivBackward0</c> of <c>a / b</c>: <c>grad / b</c> for a and <c>-grad · ((a / b) / b)</c> for b (ATen's
/// <c>div_tensor_other_backward</c>), each summed back to its input's shape.
/// </summary>
internal sealed class DivBackward : Node
{
    private readonly int[] _aShape;
    private readonly int[] _bShape;
    private SavedTensor _a;
    private SavedTensor _b;

    /// <summary><paramref name="aValue"/> is a's value before an in-place division overwrote it.</summary>
    public DivBackward(Tensor a, Tensor b, Tensor? aValue = null)
    {
        _aShape = a.Shape.ToArray();
        _bShape = b.Shape.ToArray();
        SetInputs(a, b);
        if (NeedsInputGrad(1))
        {
            _a = new SavedTensor(aValue ?? a);
        }

        _b = new SavedTensor(b);
    }

    public override string Name => "DivBackward0";

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor g = gradOutputs[0]!;
        Tensor b = _b.Unpack();
        Tensor? ga = NeedsInputGrad(0) ? (g / b).SumTo(_aShape) : null;
        Tensor? gb = NeedsInputGrad(1) ? ((-g) * (_a.Unpack() / b / b)).SumTo(_bShape) : null;
        return [ga, gb];
    }

    private protected override void ReleaseSaved()
    {
        _a = default;
        _b = default;
    }
}

/// <summary><c>MulBackward0</c> / <c>DivBackward0</c> of a tensor times or divided by a scalar: the gradient scaled the same way.</summary>
internal sealed class ScaleBackward : Node
{
    private readonly string _name;
    private readonly float _scalar;
    private readonly bool _divide;

    public ScaleBackward(string name, Tensor input, float scalar, bool divide)
    {
        _name = name;
        _scalar = scalar;
        _divide = divide;
        SetInputs(input);
    }

    public override string Name => _name;

    /// <summary>The scalar factor or divisor.</summary>
    internal float Scalar => _scalar;

    /// <summary>Whether the input is divided by <see cref="Scalar"/> (else multiplied).</summary>
    internal bool Divide => _divide;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) =>
        [_divide ? gradOutputs[0]! / _scalar : gradOutputs[0]! * _scalar];
}

/// <summary>
/// <c>MulBackward0</c> of <c>scalar / x</c>, which PyTorch computes as <c>x.reciprocal() * scalar</c>: the gradient
/// goes through the multiplication and then <c>ReciprocalBackward0</c> (<c>-grad · r²</c>, r the reciprocal).
/// </summary>
internal sealed class ReciprocalMulBackward : Node
{
    private readonly float _scalar;
    private SavedTensor _reciprocal;

    public ReciprocalMulBackward(Tensor input, Tensor reciprocal, float scalar)
    {
        _scalar = scalar;
        _reciprocal = new SavedTensor(reciprocal);
        SetInputs(input);
    }

    public override string Name => "MulBackward0";

    /// <summary>The scalar divided by the input.</summary>
    internal float Scalar => _scalar;

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor r = _reciprocal.Unpack();
        return [(-(gradOutputs[0]! * _scalar)) * (r * r)];
    }

    private protected override void ReleaseSaved() => _reciprocal = default;
}

/// <summary><c>ZeroBackward0</c> / <c>FillBackward2</c> of <c>zero_()</c> / <c>fill_(value)</c>: the overwritten tensor gets a zero gradient.</summary>
internal sealed class OverwriteBackward : Node
{
    private readonly string _name;
    private readonly int[] _shape;

    public OverwriteBackward(string name, Tensor input)
    {
        _name = name;
        _shape = input.Shape.ToArray();
        SetInputs(input);
    }

    public override string Name => _name;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [Tensor.Zeros(_shape)];
}

/// <summary><c>ClampBackward1</c>: the gradient where <c>min ≤ x ≤ max</c> held (x before clamping), zero elsewhere.</summary>
internal sealed class ClampBackward : Node
{
    private readonly float _min;
    private readonly float _max;
    private SavedTensor _input;

    public ClampBackward(Tensor input, Tensor inputValue, float min, float max)
    {
        _min = min;
        _max = max;
        _input = new SavedTensor(inputValue);
        SetInputs(input);
    }

    public override string Name => "ClampBackward1";

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor x = _input.Unpack();
        ReadOnlySpan<float> xs = x.AsReadOnlySpan();
        ReadOnlySpan<float> g = gradOutputs[0]!.AsReadOnlySpan();
        Tensor result = Tensor.Zeros(x.Shape.ToArray());
        Span<float> r = result.AsSpan();
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = xs[i] >= _min && xs[i] <= _max ? g[i] : 0f;
        }

        return [result];
    }

    private protected override void ReleaseSaved() => _input = default;
}
