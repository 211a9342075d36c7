namespace RnnSharp.Autograd;

/// <summary><c>PermuteBackward0</c>, <c>TransposeBackward0</c>, <c>TBackward0</c>: the gradient permuted back by the inverse permutation.</summary>
internal sealed class PermuteBackward : Node
{
    private readonly string _name;
    private readonly int[] _inverse;

    public PermuteBackward(string name, Tensor input, int[] perm)
    {
        _name = name;
        _inverse = new int[perm.Length];
        for (int d = 0; d < perm.Length; d++)
        {
            _inverse[perm[d]] = d;
        }

        SetInputs(input);
    }

    public override string Name => _name;

    /// <summary>The permutation the forward applied: output dimension d is input dimension <c>Perm[d]</c>.</summary>
    internal int[] Perm
    {
        get
        {
            int[] perm = new int[_inverse.Length];
            for (int d = 0; d < perm.Length; d++)
            {
                perm[_inverse[d]] = d;
            }

            return perm;
        }
    }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs) => [gradOutputs[0]!.PermuteRaw(_inverse)];
}
