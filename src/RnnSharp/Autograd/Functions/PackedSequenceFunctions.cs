using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// <c>PackPaddedSequenceBackward0</c>: the gradient of the packed data, put back into the padded input's layout, zeros
/// where the input was padding.
/// </summary>
internal sealed class PackPaddedSequenceBackward : Node
{
    private readonly int[] _inputShape;
    private readonly bool _batchFirst;
    private readonly long[] _batchSizes;

    public PackPaddedSequenceBackward(Tensor input, bool batchFirst, long[] batchSizes)
    {
        _inputShape = input.Shape.ToArray();
        _batchFirst = batchFirst;
        _batchSizes = batchSizes;
        SetInputs(input);
    }

    public override string Name => "PackPaddedSequenceBackward0";

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        // gradOutputs[0]: (Σ batch_sizes, *) -> input: (T, B, *) or (B, T, *)
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        (int steps, int batch, int inner) = RnnUtils.PaddedLayout(_inputShape, _batchFirst);
        Tensor result = Tensor.Zeros(_inputShape);
        PackKernel.Pad(g.AsReadOnlySpan(), _batchSizes, steps, batch, inner, _batchFirst, 0f, result.AsSpan());
        return [result];
    }
}

/// <summary>
/// The backward of <c>pad_packed_sequence</c>: the padded output's gradient, packed again (padding gets none). PyTorch
/// 1.13 builds the padded output by slice assignment (<c>CopySlices</c>) and transposes it for <c>batch_first</c>
/// (<c>TransposeBackward0</c>): the node carries the name of the last of those steps.
/// </summary>
internal sealed class PadPackedSequenceBackward : Node
{
    private readonly int[] _dataShape;
    private readonly long[] _batchSizes;
    private readonly bool _batchFirst;
    private readonly int _steps;

    public PadPackedSequenceBackward(Tensor data, long[] batchSizes, bool batchFirst, int steps)
    {
        _dataShape = data.Shape.ToArray();
        _batchSizes = batchSizes;
        _batchFirst = batchFirst;
        _steps = steps;
        SetInputs(data);
    }

    public override string Name => _batchFirst ? "TransposeBackward0" : "CopySlices";

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        // gradOutputs[0]: (T_total, B, *) or (B, T_total, *) -> data: (Σ batch_sizes, *)
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        int batch = _batchSizes.Length == 0 ? 0 : (int)_batchSizes[0];
        int inner = RnnUtils.RowSize(_dataShape, 1);
        Tensor result = Tensor.Zeros(_dataShape);
        PackKernel.Pack(g.AsReadOnlySpan(), _steps, batch, inner, _batchFirst, _batchSizes, result.AsSpan());
        return [result];
    }
}

/// <summary>
/// <c>CopySlices</c> of <c>pad_sequence</c> (PyTorch copies each sequence into a slice of the padded output): each
/// sequence's gradient is its own rows of the output's gradient.
/// </summary>
internal sealed class PadSequenceBackward : Node
{
    private readonly int[][] _shapes;
    private readonly bool _batchFirst;

    public PadSequenceBackward(IReadOnlyList<Tensor> sequences, bool batchFirst)
    {
        _batchFirst = batchFirst;
        _shapes = new int[sequences.Count][];
        var inputs = new Tensor?[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            _shapes[i] = sequences[i].Shape.ToArray();
            inputs[i] = sequences[i];
        }

        SetInputs(inputs);
    }

    public override string Name => "CopySlices";

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        // gradOutputs[0]: (T, B, *) or (B, T, *) -> sequence i: (L_i, *)
        var grads = new Tensor?[_shapes.Length];
        if (gradOutputs[0] is not { } g)
        {
            return grads;
        }

        (int steps, int batch, int inner) = RnnUtils.PaddedLayout(g.Shape, _batchFirst);
        ReadOnlySpan<float> src = g.AsReadOnlySpan();
        for (int i = 0; i < _shapes.Length; i++)
        {
            if (!NeedsInputGrad(i))
            {
                continue;
            }

            Tensor r = Tensor.Zeros(_shapes[i]);
            Span<float> dst = r.AsSpan();
            for (int t = 0; t < _shapes[i][0]; t++)
            {
                int from = (_batchFirst ? (i * steps) + t : (t * batch) + i) * inner;
                src.Slice(from, inner).CopyTo(dst.Slice(t * inner, inner));
            }

            grads[i] = r;
        }

        return grads;
    }
}
