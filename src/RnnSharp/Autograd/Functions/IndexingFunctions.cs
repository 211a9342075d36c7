using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of picking positions along one dimension — <c>SelectBackward0</c>, <c>SliceBackward0</c>,
/// <c>IndexSelectBackward0</c>, <c>IndexBackward0</c>: zeros of the input's shape with the gradient added back at
/// those positions (repeated positions add up, in order).
/// </summary>
internal sealed class GatherBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly int _dim;
    private readonly int[] _positions;

    public GatherBackward(string name, Tensor input, int dim, int[] positions)
    {
        _name = name;
        _inputShape = input.Shape.ToArray();
        _dim = dim;
        _positions = positions;
        SetInputs(input);
    }

    public override string Name => _name;

    /// <summary>The dimension picked along.</summary>
    internal int Dim => _dim;

    /// <summary>The positions picked, in <c>[0, size)</c>.</summary>
    internal ReadOnlySpan<int> Positions => _positions;

    /// <summary>The size of <see cref="Dim"/> in the input.</summary>
    internal int InputSize => _inputShape[_dim];

    /// <summary>Whether the caller counted a selected index from the end (<c>x[:, -1]</c>), which an export keeps for dynamic sizes.</summary>
    internal bool FromEnd { get; set; }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor result = Tensor.Zeros(_inputShape);
        (int outer, int size, int inner) = ShapeMath.Split(_inputShape, _dim);
        GatherKernel.ScatterAdd(gradOutputs[0]!.AsReadOnlySpan(), outer, size, inner, _positions, result.AsSpan());
        return [result];
    }
}
