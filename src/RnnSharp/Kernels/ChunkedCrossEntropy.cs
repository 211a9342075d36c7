namespace RnnSharp.Kernels;

/// <summary>
/// <c>log_softmax</c> over the classes and the class-index cross-entropy backward for large inputs, cut into blocks
/// of whole batch rows that helper threads share (the caller takes part). Rows are independent, so every element is
/// computed by the single-threaded kernels with the same arithmetic: results do not depend on the thread count.
/// </summary>
internal sealed class ChunkedCrossEntropy : IChunkedWork
{
    /// <summary>
    /// Below this many elements (about 0.1 ms of one core) the work stays on the calling thread. Above it the split
    /// gains, the hand-off included: the 512 × 128 logits of the LSTM small training step, at two threads, took the
    /// loss from 179 to 81 µs (measured; the limit was 2^18 before).
    /// </summary>
    private const int ParallelElements = 1 << 15;

    [ThreadStatic]
    private static ChunkedCrossEntropy? t_instance;

    private bool _backward;
    private ReadOnlyMemory<float> _input;
    private ReadOnlyMemory<float> _gradOutput;
    private ReadOnlyMemory<long> _target;
    private Memory<float> _destination;
    private ClassLayout _layout;
    private int _rowsPerChunk;
    private float[] _weight = [];
    private long _ignoreIndex;
    private double _labelSmoothing;
    private Reduction _reduction;
    private float _totalWeight;

    private ChunkedCrossEntropy()
    {
    }

    /// <summary><see cref="LogSoftmaxKernel.Forward"/> over dimension 1 of input <c>(batch, classes, inner)</c> into destination.</summary>
    public static void LogSoftmax(ReadOnlyMemory<float> input, ClassLayout layout, Memory<float> destination)
    {
        ChunkedCrossEntropy job = t_instance ??= new ChunkedCrossEntropy();
        job._backward = false;
        job._input = input;
        job._destination = destination;
        job._layout = layout;
        job.Execute();
    }

    /// <summary>
    /// <see cref="CrossEntropyKernel.BackwardIndices"/>: gradOutput <c>(batch, inner)</c> for <see cref="Reduction.None"/>,
    /// <c>(1)</c> otherwise; logProbs and gradInput <c>(batch, classes, inner)</c>; target <c>(batch, inner)</c>.
    /// </summary>
    public static void BackwardIndices(
        ReadOnlyMemory<float> gradOutput, ReadOnlyMemory<float> logProbs, ReadOnlyMemory<long> target, float[] weight,
        ClassLayout layout, long ignoreIndex, double labelSmoothing, Reduction reduction, float totalWeight, Memory<float> gradInput)
    {
        ChunkedCrossEntropy job = t_instance ??= new ChunkedCrossEntropy();
        job._backward = true;
        job._input = logProbs;
        job._gradOutput = gradOutput;
        job._target = target;
        job._weight = weight;
        job._layout = layout;
        job._ignoreIndex = ignoreIndex;
        job._labelSmoothing = labelSmoothing;
        job._reduction = reduction;
        job._totalWeight = totalWeight;
        job._destination = gradInput;
        job.Execute();
    }

    /// <inheritdoc/>
    public void Run(int chunk)
    {
        int first = chunk * _rowsPerChunk;
        int rows = Math.Min(_rowsPerChunk, _layout.Batch - first);
        int slab = _layout.Classes * _layout.Inner;
        ReadOnlySpan<float> input = _input.Span.Slice(first * slab, rows * slab);
        Span<float> destination = _destination.Span.Slice(first * slab, rows * slab);
        if (!_backward)
        {
            LogSoftmaxKernel.Forward(input, rows, _layout.Classes, _layout.Inner, destination);
            return;
        }

        var layout = _layout with { Batch = rows };
        ReadOnlySpan<float> gradOutput = _reduction == Reduction.None
            ? _gradOutput.Span.Slice(first * _layout.Inner, layout.Count)
            : _gradOutput.Span;
        CrossEntropyKernel.BackwardIndices(
            gradOutput, input, _target.Span.Slice(first * _layout.Inner, layout.Count), _weight, layout, _ignoreIndex,
            _labelSmoothing, _reduction, _totalWeight, destination);
    }

    private void Execute()
    {
        int threads = Torch.GetNumThreads();
        long elements = (long)_layout.Batch * _layout.Classes * _layout.Inner;
        HelperTeam? team = threads > 1 && elements >= ParallelElements && _layout.Batch > 1
            ? HelperTeam.TryAcquire(threads - 1)
            : null;
        try
        {
            int target = team is null ? 1 : 4 * (team.Helpers + 1);
            _rowsPerChunk = Math.Max(1, (_layout.Batch + target - 1) / target);
            int chunks = _layout.Batch == 0 ? 0 : (_layout.Batch + _rowsPerChunk - 1) / _rowsPerChunk;
            if (team is null)
            {
                HelperTeam.RunInline(this, chunks);
            }
            else
            {
                team.Run(this, chunks);
            }
        }
        finally
        {
            team?.Release();
            _input = default;
            _gradOutput = default;
            _target = default;
            _destination = default;
            _weight = [];
        }
    }
}
