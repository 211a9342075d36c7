namespace RnnSharp.Autograd;

/// <summary>
/// <c>SumBackward0/1</c>, <c>MeanBackward0/1</c>: the gradient repeated over the reduced dimensions (and divided
/// by the number of elements averaged, after repeating, as ATen's <c>mean_backward</c> does).
/// </summary>
internal sealed class SumBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly int[] _keptShape;
    private readonly int _count;
    private readonly bool _mean;

    /// <summary><paramref name="reduced"/> flags the reduced dimensions; empty means all.</summary>
    public SumBackward(string name, Tensor input, bool[] reduced, bool mean)
    {
        _name = name;
        _inputShape = input.Shape.ToArray();
        _keptShape = input.KeptShape(reduced);
        int kept = 1;
        foreach (int s in _keptShape)
        {
            kept *= s;
        }

        _count = kept == 0 ? 0 : input.NumElements / kept;
        _mean = mean;
        SetInputs(input);
    }

    public override string Name => _name;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor g = gradOutputs[0]!.Detach().View(_keptShape).ExpandTo(_inputShape);
        return [_mean ? g / _count : g];
    }
}
