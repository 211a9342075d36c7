using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The fused backward of <see cref="CrossEntropyLoss"/> and <see cref="NLLLoss"/> (class-index targets) with respect
/// to the input: <see cref="CrossEntropyKernel.BackwardIndices"/> (which ends in log_softmax's backward) or
/// <see cref="NllLossKernel.Backward"/>. PyTorch records log_softmax and nll_loss (and for label smoothing a few more
/// nodes) where this is one node; it carries the name PyTorch gives the output.
/// </summary>
internal sealed class ClassIndexLossBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly float[] _weight;
    private readonly ClassLayout _layout;
    private readonly long _ignoreIndex;
    private readonly double _labelSmoothing;
    private readonly Reduction _reduction;
    private readonly float _totalWeight;
    private SavedTensor _target;
    private float[]? _logProbs;

    /// <summary>
    /// For cross entropy: <paramref name="logProbs"/> is log_softmax(input, 1), rented from the shared pool; the node
    /// returns it when the graph is freed. For nll_loss: null.
    /// </summary>
    public ClassIndexLossBackward(
        string name, Tensor input, Tensor target, float[]? logProbs, float[] weight, ClassLayout layout, long ignoreIndex,
        double labelSmoothing, Reduction reduction, float totalWeight)
    {
        _name = name;
        _inputShape = input.Shape.ToArray();
        _logProbs = logProbs;
        _weight = weight;
        _layout = layout;
        _ignoreIndex = ignoreIndex;
        _labelSmoothing = labelSmoothing;
        _reduction = reduction;
        _totalWeight = totalWeight;
        _target = new SavedTensor(target);
        SetInputs(input);
    }

    public override string Name => _name;

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        Tensor gradInput = Tensor.Empty((int[])_inputShape.Clone());
        Tensor target = _target.Unpack();
        float[]? logProbs = _logProbs;
        if (logProbs is null)
        {
            NllLossKernel.Backward(
                g.AsReadOnlySpan(), target.AsReadOnlyInt64Span(), _weight, _layout, _ignoreIndex, _reduction, _totalWeight, gradInput.AsSpan());
        }
        else
        {
            ChunkedCrossEntropy.BackwardIndices(
                g.AsReadOnlyMemory(), logProbs, target.AsReadOnlyInt64Memory(), _weight, _layout, _ignoreIndex, _labelSmoothing,
                _reduction, _totalWeight, gradInput.AsMemory());
        }

        return [gradInput];
    }

    private protected override void ReleaseSaved()
    {
        _target = default;
        if (Interlocked.Exchange(ref _logProbs, null) is { } logProbs)
        {
            System.Buffers.ArrayPool<float>.Shared.Return(logProbs);
        }
    }
}

/// <summary>
/// The fused backward of <see cref="CrossEntropyLoss"/> with class-probability targets, with respect to the input
/// (<see cref="CrossEntropyKernel.BackwardProbabilities"/>). PyTorch's output node is <c>DivBackward1</c> for the mean,
/// <c>NegBackward0</c> otherwise. No gradient flows to the target.
/// </summary>
internal sealed class ProbabilityLossBackward : Node
{
    private readonly string _name;
    private readonly int[] _inputShape;
    private readonly float[] _logProbs;
    private readonly float[] _weight;
    private readonly ClassLayout _layout;
    private readonly double _labelSmoothing;
    private readonly Reduction _reduction;
    private SavedTensor _target;

    public ProbabilityLossBackward(
        Tensor input, Tensor target, float[] logProbs, float[] weight, ClassLayout layout, double labelSmoothing, Reduction reduction)
    {
        _name = reduction == Reduction.Mean ? "DivBackward1" : "NegBackward0";
        _inputShape = input.Shape.ToArray();
        _logProbs = logProbs;
        _weight = weight;
        _layout = layout;
        _labelSmoothing = labelSmoothing;
        _reduction = reduction;
        _target = new SavedTensor(target);
        SetInputs(input);
    }

    public override string Name => _name;

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        Tensor gradInput = Tensor.Empty((int[])_inputShape.Clone());
        CrossEntropyKernel.BackwardProbabilities(
            g.AsReadOnlySpan(), _logProbs, _target.Unpack().AsReadOnlySpan(), _weight, _layout, _labelSmoothing, _reduction,
            gradInput.AsSpan());
        return [gradInput];
    }

    private protected override void ReleaseSaved() => _target = default;
}

/// <summary><c>MseLossBackward0</c>: the gradients of <see cref="MSELoss"/> with respect to the input and the target.</summary>
internal sealed class MseLossBackward : Node
{
    private readonly Reduction _reduction;
    private SavedTensor _input;
    private SavedTensor _target;

    public MseLossBackward(Tensor input, Tensor target, Reduction reduction)
    {
        _reduction = reduction;
        _input = new SavedTensor(input);
        _target = new SavedTensor(target);
        SetInputs(input, target);
    }

    public override string Name => "MseLossBackward0";

    internal override bool HasSavedTensors => true;

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null, null];
        }

        Tensor input = _input.Unpack(), target = _target.Unpack();
        Tensor? gradInput = null, gradTarget = null;
        if (NeedsInputGrad(0))
        {
            gradInput = Tensor.Empty(input.Shape.ToArray());
            MseLossKernel.Backward(g.AsReadOnlySpan(), input.AsReadOnlySpan(), target.AsReadOnlySpan(), _reduction, gradInput.AsSpan());
        }

        if (NeedsInputGrad(1))
        {
            // PyTorch's mse_loss_backward(grad, target, input): the input's formula with the two swapped.
            gradTarget = Tensor.Empty(target.Shape.ToArray());
            MseLossKernel.Backward(g.AsReadOnlySpan(), target.AsReadOnlySpan(), input.AsReadOnlySpan(), _reduction, gradTarget.AsSpan());
        }

        return [gradInput, gradTarget];
    }

    private protected override void ReleaseSaved()
    {
        _input = default;
        _target = default;
    }
}

/// <summary><c>LogSoftmaxBackward0</c>: <c>gradInput = gradOutput − exp(output) · Σ_dim gradOutput</c>, from the saved output.</summary>
internal sealed class LogSoftmaxBackward : Node
{
    private readonly int _outer;
    private readonly int _dim;
    private readonly int _inner;
    private SavedTensor _output;

    public LogSoftmaxBackward(Tensor input, int outer, int dim, int inner)
    {
        _outer = outer;
        _dim = dim;
        _inner = inner;
        SetInputs(input);
    }

    public override string Name => "LogSoftmaxBackward0";

    internal override bool HasSavedTensors => true;

    /// <summary>Saves the output, which backward reads; called once the output has this node as its grad_fn.</summary>
    public void SaveOutput(Tensor output) => _output = new SavedTensor(output, this);

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (gradOutputs[0] is not { } g)
        {
            return [null];
        }

        Tensor output = _output.Unpack();
        Tensor gradInput = Tensor.Empty(output.Shape.ToArray());
        LogSoftmaxKernel.Backward(g.AsReadOnlySpan(), output.AsReadOnlySpan(), _outer, _dim, _inner, gradInput.AsSpan());
        return [gradInput];
    }

    private protected override void ReleaseSaved() => _output = default;
}
