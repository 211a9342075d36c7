namespace RnnSharp.Autograd;

/// <summary>The backward of a reshaping view (<c>ViewBackward0</c>, <c>ReshapeAliasBackward0</c>, <c>UnsafeViewBackward0</c>): the gradient in the input's shape.</summary>
internal sealed class ViewBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;

    public ViewBackward(string name, Tensor input)
    {
        _name = name;
        _inputShape = input.Shape.ToArray();
        SetInputs(input);
    }

    public override string Name => _name;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) =>
        [gradOutputs[0] is { } g ? g.Detach().View(_inputShape) : null];
}

/// <summary><c>SelectBackward0</c>: the gradient of <c>x.select(dim, index)</c> is zeros with the gradient placed at that index.</summary>
internal sealed class SelectBackward : Node
{
    private readonly int[] _inputShape;
    private readonly int _dim;
    private readonly int _index;

    public SelectBackward(Tensor input, int dim, int index)
    {
        _inputShape = input.Shape.ToArray();
        _dim = dim;
        _index = index;
        SetInputs(input);
    }

    public override string Name => "SelectBackward0";

    /// <summary>The dimension selected along.</summary>
    internal int Dim => _dim;

    /// <summary>The selected position, in <c>[0, size)</c>.</summary>
    internal int Index => _index;

    /// <summary>The size of <see cref="Dim"/> in the input.</summary>
    internal int InputSize => _inputShape[_dim];

    /// <summary>Whether the caller counted the index from the end (<c>x[-1]</c>), which an export keeps for dynamic sizes.</summary>
    internal bool FromEnd { get; set; }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        Tensor result = Tensor.Zeros(_inputShape);
        int outer = 1;
        for (int d = 0; d < _dim; d++)
        {
            outer *= _inputShape[d];
        }

        int inner = g.NumElements / Math.Max(outer, 1);
        int size = _inputShape[_dim];
        ReadOnlySpan<float> src = g.AsReadOnlySpan();
        Span<float> dst = result.AsSpan();
        for (int o = 0; o < outer; o++)
        {
            src.Slice(o * inner, inner).CopyTo(dst.Slice(((o * size) + _index) * inner, inner));
        }

        return [result];
    }
}

/// <summary><c>CloneBackward0</c>: the gradient passes through unchanged.</summary>
internal sealed class CloneBackward : Node
{
    public CloneBackward(Tensor input) => SetInputs(input);

    public override string Name => "CloneBackward0";

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [gradOutputs[0]];
}
