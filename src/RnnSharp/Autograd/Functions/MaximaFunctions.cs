namespace RnnSharp.Autograd;

/// <summary>
/// <c>MaxBackward0</c> / <c>TopkBackward0</c>: each gradient element goes to the input position its value was
/// taken from; the rest is zero. <c>indices</c> is laid out <c>(outer, count, inner)</c> around the dimension.
/// </summary>
internal sealed class PickBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly int _dim;
    private readonly int _count;
    private readonly long[] _indices;

    public PickBackward(string name, Tensor input, int dim, int count, long[] indices)
    {
        _name = name;
        _inputShape = input.Shape.ToArray();
        _dim = dim;
        _count = count;
        _indices = indices;
        SetInputs(input);
    }

    public override string Name => _name;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        ReadOnlySpan<float> g = gradOutputs[0]!.AsReadOnlySpan();
        Tensor result = Tensor.Zeros(_inputShape);
        Span<float> r = result.AsSpan();
        (int outer, int size, int inner) = ShapeMath.Split(_inputShape, _dim);
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < _count; j++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int at = (((o * _count) + j) * inner) + i;
                    r[(((o * size) + (int)_indices[at]) * inner) + i] += g[at];
                }
            }
        }

        return [result];
    }
}

/// <summary><c>MaxBackward1</c> of <c>max()</c> over all elements: the gradient divided evenly among the elements equal to the maximum (ATen's <c>evenly_distribute_backward</c>).</summary>
internal sealed class MaxAllBackward : Node
{
    private readonly float _max;
    private SavedTensor _input;

    public MaxAllBackward(Tensor input, float max)
    {
        _max = max;
        _input = new SavedTensor(input);
        SetInputs(input);
    }

    public override string Name => "MaxBackward1";

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor input = _input.Unpack();
        ReadOnlySpan<float> x = input.AsReadOnlySpan();
        bool nan = float.IsNaN(_max);
        int count = 0;
        foreach (float v in x)
        {
            count += v == _max || (nan && float.IsNaN(v)) ? 1 : 0;
        }

        float share = gradOutputs[0]!.Item() / count;
        Tensor result = Tensor.Zeros(input.Shape.ToArray());
        Span<float> r = result.AsSpan();
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] == _max || (nan && float.IsNaN(x[i])))
            {
                r[i] = share;
            }
        }

        return [result];
    }

    private protected override void ReleaseSaved() => _input = default;
}
