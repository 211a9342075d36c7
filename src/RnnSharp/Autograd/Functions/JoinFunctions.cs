namespace RnnSharp.Autograd;

/// <summary><c>CatBackward0</c> / <c>StackBackward0</c>: each input's gradient is its block of the output's gradient.</summary>
internal sealed class JoinBackward : Node
{
    private readonly string _name;
    private readonly int _dim;
    private readonly int[] _sizes;
    private readonly int[][] _shapes;

    public JoinBackward(string name, IReadOnlyList<Tensor> inputs, int dim, int[] sizes)
    {
        _name = name;
        _dim = dim;
        _sizes = sizes;
        _shapes = new int[inputs.Count][];
        var list = new Tensor?[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            _shapes[i] = inputs[i].Shape.ToArray();
            list[i] = inputs[i];
        }

        SetInputs(list);
    }

    public override string Name => _name;

    /// <summary>The dimension joined along (new for a stack).</summary>
    internal int Dim => _dim;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        Tensor g = gradOutputs[0]!;
        (int outer, int total, int inner) = ShapeMath.Split(g.Shape, _dim);
        ReadOnlySpan<float> src = g.AsReadOnlySpan();
        var grads = new Tensor?[_sizes.Length];
        int at = 0;
        for (int t = 0; t < _sizes.Length; t++)
        {
            if (NeedsInputGrad(t))
            {
                Tensor r = Tensor.Zeros(_shapes[t]);
                Span<float> dst = r.AsSpan();
                int block = _sizes[t] * inner;
                for (int o = 0; o < outer; o++)
                {
                    src.Slice((o * total * inner) + (at * inner), block).CopyTo(dst.Slice(o * block, block));
                }

                grads[t] = r;
            }

            at += _sizes[t];
        }

        return grads;
    }
}
