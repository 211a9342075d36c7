using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of <see cref="Linear.Forward"/>, fused into one node (llm.c's <c>matmul_backward</c>):
/// <c>dX = dY · W</c>, <c>dW = dYᵀ · X</c>, <c>db = Σ_rows dY</c>, with X seen as <c>(rows, in)</c> and dY as
/// <c>(rows, out)</c>. PyTorch records one to three nodes for the same computation (for a 3-D input with a bias
/// <c>ViewBackward0</c> over <c>AddmmBackward0</c> over <c>TBackward0</c>); this node carries the name of the one
/// PyTorch 1.13 puts on the output, which is all a user sees (see <see cref="NameFor"/>).
/// </summary>
internal sealed class LinearBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly int _rows;
    private readonly int _inFeatures;
    private readonly int _outFeatures;
    private readonly bool _hasBias;
    private SavedTensor _input;
    private SavedTensor _weight;

    public LinearBackward(Tensor input, Tensor weight, Tensor? bias, int rows)
    {
        _inputShape = input.Shape.ToArray();
        _rows = rows;
        _outFeatures = weight.Shape[0];
        _inFeatures = weight.Shape[1];
        _hasBias = bias is not null;
        _name = NameFor(input.Dim, _hasBias);
        SetInputs(input, weight, bias);
        // What backward reads: the weight for dX, the input for dW.
        if (NeedsInputGrad(0))
        {
            _weight = new SavedTensor(weight);
        }

        if (NeedsInputGrad(1))
        {
            _input = new SavedTensor(input);
        }
    }

    public override string Name => _name;

    /// <summary>The number of dimensions of the input.</summary>
    internal int InputRank => _inputShape.Length;

    /// <summary>Whether the layer added a bias.</summary>
    internal bool HasBias => _hasBias;

    internal override bool HasSavedTensors => true;

    /// <summary>Every gradient is a tensor of its own, allocated by <see cref="Backward"/>.</summary>
    internal override bool ReturnsOwnedGradients => true;

    /// <summary>
    /// The grad_fn name PyTorch 1.13 gives <c>F.linear</c>'s output, recorded for inputs of 1 to 5 dimensions:
    /// with a bias, 2-D inputs take <c>addmm</c> (<c>AddmmBackward0</c>), 3-D inputs are folded into a 2-D
    /// <c>addmm</c> and viewed back (<c>ViewBackward0</c>), other ranks <c>matmul</c> then add
    /// (<c>AddBackward0</c>); without one, <c>mm</c> (<c>MmBackward0</c>), a squeezed <c>mv</c>-like product for
    /// 1-D (<c>SqueezeBackward3</c>) or a folded <c>mm</c> (<c>UnsafeViewBackward0</c>).
    /// </summary>
    public static string NameFor(int inputDim, bool hasBias) => (inputDim, hasBias) switch
    {
        (2, true) => "AddmmBackward0",
        (3, true) => "ViewBackward0",
        (_, true) => "AddBackward0",
        (1, false) => "SqueezeBackward3",
        (2, false) => "MmBackward0",
        _ => "UnsafeViewBackward0",
    };

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null, null, null];
        }

        ReadOnlySpan<float> dy = g.AsReadOnlySpan();
        Tensor? dx = null, dw = null, db = null;
        if (NeedsInputGrad(0))
        {
            dx = Tensor.Empty((int[])_inputShape.Clone());
            LinearKernel.BackwardInput(dy, _weight.Unpack().AsReadOnlySpan(), dx.AsSpan(), _rows, _inFeatures, _outFeatures);
        }

        if (NeedsInputGrad(1))
        {
            dw = Tensor.Empty([_outFeatures, _inFeatures]);
            LinearKernel.BackwardWeight(dy, _input.Unpack().AsReadOnlySpan(), dw.AsSpan(), _rows, _inFeatures, _outFeatures);
        }

        if (_hasBias && NeedsInputGrad(2))
        {
            db = Tensor.Empty([_outFeatures]);
            LinearKernel.BackwardBias(dy, db.AsSpan(), _rows, _outFeatures);
        }

        return [dx, dw, db];
    }

    private protected override void ReleaseSaved()
    {
        _input = default;
        _weight = default;
    }
}
