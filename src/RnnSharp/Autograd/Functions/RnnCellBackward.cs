using System.Buffers;
using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of <see cref="RnnCell.Forward"/>: one step of back-propagation through time, run by the same layer
/// kernels as <see cref="RecurrentBackward"/> with a sequence of length 1. PyTorch names it after the cell's last op:
/// <c>TanhBackward0</c> or <c>ReluBackward0</c>, and <c>SqueezeBackward1</c> for unbatched input.
/// </summary>
/// <remarks>
/// Shapes: input <c>(N, I)</c>, hx and the result <c>(N, H)</c> (unbatched: <c>N = 1</c>). Saved, as PyTorch saves
/// them: the result (the activation's derivative reads it), the input when <c>dW_ih</c> is needed, hx when
/// <c>dW_hh</c> is, <c>W_ih</c> when the input needs a gradient and <c>W_hh</c> when hx does.
/// </remarks>
internal sealed class RnnCellBackward : Node
{
    private readonly string _name;
    private readonly Nonlinearity _nonlinearity;
    private readonly bool _packed;
    private readonly int _batch;
    private readonly Tensor[] _parameters;
    private SavedTensor _result;
    private SavedTensor _input;
    private SavedTensor _hx;
    private SavedTensor _weightIh;
    private SavedTensor _weightHh;

    public RnnCellBackward(
        Tensor result, Tensor input, Tensor? hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh,
        Nonlinearity nonlinearity, bool packed, int batch)
    {
        bool batched = input.Dim == 2;
        _name = !batched ? "SqueezeBackward1" : nonlinearity == Nonlinearity.Tanh ? "TanhBackward0" : "ReluBackward0";
        _nonlinearity = nonlinearity;
        _packed = packed;
        _batch = batch;
        _parameters = biasIh is not null && biasHh is not null ? [weightIh, weightHh, biasIh, biasHh] : [weightIh, weightHh];
        _result = new SavedTensor(result, this);
        if (weightIh.RequiresGrad)
        {
            _input = new SavedTensor(input);
        }

        if (hx is not null && weightHh.RequiresGrad)
        {
            _hx = new SavedTensor(hx);
        }

        if (input.RequiresGrad)
        {
            _weightIh = new SavedTensor(weightIh);
        }

        if (hx?.RequiresGrad ?? false)
        {
            _weightHh = new SavedTensor(weightHh);
        }

        var edges = new Tensor?[2 + _parameters.Length];
        edges[0] = input;
        edges[1] = hx;
        _parameters.CopyTo(edges, 2);
        SetInputs(edges);
    }

    public override string Name => _name;

    internal override bool HasSavedTensors => true;

    private protected override void ReleaseSaved()
    {
        _result = default;
        _input = default;
        _hx = default;
        _weightIh = default;
        _weightHh = default;
    }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        var grads = new Tensor?[2 + _parameters.Length];
        Tensor result = _result.Unpack();
        Tensor? input = _input.HasValue ? _input.Unpack() : null;
        Tensor? hx = _hx.HasValue ? _hx.Unpack() : null;
        Tensor? weightIh = _weightIh.HasValue ? _weightIh.Unpack() : null;
        Tensor? weightHh = _weightHh.HasValue ? _weightHh.Unpack() : null;
        int inputSize = _parameters[0].Size(1), hidden = _parameters[1].Size(0);
        if (NeedsInputGrad(0))
        {
            grads[0] = Tensor.Zeros(input?.Shape.ToArray() ?? (result.Dim == 2 ? [_batch, inputSize] : [inputSize]));
        }

        if (NeedsInputGrad(1))
        {
            grads[1] = Tensor.Zeros(result.Shape.ToArray());
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (NeedsInputGrad(2 + i))
            {
                grads[2 + i] = Tensor.Zeros(_parameters[i].Shape.ToArray());
            }
        }

        if (gradOutputs[0] is not { } g || _batch * hidden == 0)
        {
            return grads;
        }

        var saved = new RecurrentLayerSaved
        {
            Input = input is null ? default : input.AsReadOnlySpan(),
            Hidden = result.AsReadOnlyMemory(),
            H0 = hx is null ? default : hx.AsReadOnlyMemory(),
            WeightIh = weightIh is null ? default : weightIh.AsReadOnlySpan(),
            WeightHh = weightHh is null ? default : weightHh.AsReadOnlySpan(),
            GradOutput = g.AsReadOnlyMemory(),
            SeqLen = 1,
            Batch = _batch,
            InputSize = inputSize,
            HiddenSize = hidden,
            Width = hidden,
            Nonlinearity = _nonlinearity,
        };
        Tensor? biasGrad = _parameters.Length == 4 ? grads[4] ?? grads[5] : null;
        var gradients = new RecurrentLayerGradients
        {
            Input = grads[0] is { } gi ? gi.AsMemory() : default,
            H0 = grads[1] is { } gh ? gh.AsMemory() : default,
            WeightIh = grads[2] is { } gw ? gw.AsMemory() : default,
            WeightHh = grads[3] is { } gu ? gu.AsMemory() : default,
            Bias = biasGrad is null ? default : biasGrad.AsMemory(),
        };
        int length = _packed
            ? PackedRecurrentLayer.BackwardWorkspaceLength(1, _batch, inputSize, hidden)
            : ReferenceRecurrentLayer.BackwardWorkspaceLength(1, _batch, hidden);
        float[] workspace = ArrayPool<float>.Shared.Rent(length);
        try
        {
            if (_packed)
            {
                PackedRecurrentLayer.Backward(saved, gradients, workspace);
            }
            else
            {
                ReferenceRecurrentLayer.Backward(saved, gradients, workspace);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(workspace);
        }

        if (biasGrad is not null && grads[5] is { } other && !ReferenceEquals(other, biasGrad))
        {
            biasGrad.AsReadOnlySpan().CopyTo(other.AsSpan());
        }

        return grads;
    }
}
