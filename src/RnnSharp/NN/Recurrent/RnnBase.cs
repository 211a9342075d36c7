using System.Buffers;
using System.Globalization;
using System.Text;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// What <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> share, as PyTorch's <c>torch.nn.RNNBase</c>:
/// the configuration, the parameters (named, ordered and initialised as PyTorch's), the argument checks and the
/// forward pass on one recurrent engine. Not meant to be derived from outside RnnSharp.
/// </summary>
/// <remarks>
/// <para>
/// Shapes use PyTorch's letters: <c>L</c> sequence length, <c>N</c> batch size, <c>H_in</c> input size,
/// <c>H_out</c> the size of <c>h</c> (the hidden size, or an LSTM's <c>proj_size</c> when positive),
/// <c>H_cell</c> the hidden size, <c>D</c> = 2 if bidirectional else 1. The input is seq-first, <c>(L, N, H_in)</c>:
/// dimension 0 is time, as in PyTorch, unless <see cref="BatchFirst"/> is set.
/// </para>
/// <para>
/// Parameters are named and ordered as in PyTorch (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, an LSTM's <c>weight_hr_l0</c>, then <c>_reverse</c> for the backward direction and
/// <c>_l1</c>… for deeper layers) and are initialised from <c>U(−1/√H_cell, 1/√H_cell)</c> in that order, so that
/// after <see cref="Torch.ManualSeed(int)"/> they equal PyTorch's bit for bit. A forward call may run on several
/// threads at once as long as nothing changes the parameters meanwhile.
/// </para>
/// </remarks>
public abstract class RnnBase : Module
{
    private readonly FlatParameters _parameters;

    private protected RnnBase(
        RecurrentCellKernel cell, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst,
        float dropout, bool bidirectional, int projSize, Generator? generator)
    {
        RecurrentArguments.CheckSizes(inputSize, hiddenSize);

        if (numLayers <= 0)
        {
            ThrowHelper.ThrowMustBePositive("num_layers", numLayers, nameof(numLayers));
        }

        if (!(dropout >= 0f && dropout <= 1f))
        {
            ThrowHelper.ThrowDropoutOutOfRange(dropout, nameof(dropout));
        }

        if (projSize < 0)
        {
            ThrowHelper.ThrowProjSizeNegative(nameof(projSize));
        }

        if (projSize > 0 && projSize >= hiddenSize)
        {
            ThrowHelper.ThrowProjSizeTooLarge(nameof(projSize));
        }

        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        int directions = bidirectional ? 2 : 1;
        int state = projSize > 0 ? projSize : hiddenSize;
        int gates = cell.Gates * hiddenSize;

        long total = 0;
        for (int layer = 0; layer < numLayers; layer++)
        {
            int layerInput = layer == 0 ? inputSize : state * directions;
            long perDirection = ((long)gates * layerInput) + ((long)gates * state) + (bias ? 2L * gates : 0) + (projSize > 0 ? (long)state * hiddenSize : 0);
            total += perDirection * directions;
        }

        // One contiguous buffer holds every parameter in registration order; the parameters are views into it.
        _parameters = new FlatParameters(total, nameof(hiddenSize));
        var weights = new DirectionWeights[numLayers * directions];
        for (int layer = 0; layer < numLayers; layer++)
        {
            int layerInput = layer == 0 ? inputSize : state * directions;
            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(direction == 1 ? "_reverse" : string.Empty)}");
                weights[(layer * directions) + direction] = new DirectionWeights(
                    RegisterParameter("weight_ih" + suffix, _parameters, [gates, layerInput]),
                    RegisterParameter("weight_hh" + suffix, _parameters, [gates, state]),
                    bias ? RegisterParameter("bias_ih" + suffix, _parameters, [gates]) : null,
                    bias ? RegisterParameter("bias_hh" + suffix, _parameters, [gates]) : null,
                    projSize > 0 ? RegisterParameter("weight_hr" + suffix, _parameters, [state, hiddenSize]) : null);
            }
        }

        double p = double.Parse(dropout.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        Stack = new RecurrentStack(cell, inputSize, hiddenSize, state, numLayers, directions, batchFirst, p, _parameters, weights);
        ResetParameters(generator);
    }

    /// <summary>The number of features in the input, <c>H_in</c> (PyTorch's <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>The number of features in the hidden state, <c>H_cell</c> (PyTorch's <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>The number of stacked recurrent layers (PyTorch's <c>num_layers</c>).</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have bias vectors (PyTorch's <c>bias</c>).</summary>
    public bool Bias { get; }

    /// <summary>Whether input and output are <c>(N, L, H)</c> (PyTorch's <c>batch_first</c>).</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability between layers in training mode (PyTorch's <c>dropout</c>).</summary>
    public float Dropout { get; }

    /// <summary>Whether every layer also runs in reverse (PyTorch's <c>bidirectional</c>).</summary>
    public bool Bidirectional { get; }

    /// <summary><c>D</c>: 2 if bidirectional, else 1.</summary>
    internal int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>The engine that runs this module.</summary>
    internal RecurrentStack Stack { get; }

    /// <summary>Which kernels a forward call runs; tests and benchmarks pin one.</summary>
    internal RecurrentKernel Kernel
    {
        get => Stack.Kernel;
        set => Stack.Kernel = value;
    }

    /// <summary>PyTorch's op name for the <c>out=</c> error (<c>rnn_tanh</c>, <c>lstm</c>, <c>gru</c>).</summary>
    private protected abstract string OpName { get; }

    /// <summary>The name PyTorch gives a batch-first output's grad_fn (recorded from torch 1.13).</summary>
    private protected virtual string TransposeGradFnName => "TransposeBackward1";

    /// <summary>Whether a forward call now applies dropout between layers (training mode, <c>p &gt; 0</c>, several layers).</summary>
    private bool DropsOut => Training && Stack.DropoutProbability > 0 && NumLayers > 1;

    /// <summary>
    /// Re-draws every parameter from <c>U(−1/√H_cell, 1/√H_cell)</c> in registration order. Equivalent to
    /// <c>reset_parameters()</c>.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    public void ResetParameters(Generator? generator = null) => _parameters.ResetUniform(HiddenSize, generator);

    /// <inheritdoc/>
    protected override string ExtraRepr()
    {
        var s = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}"));
        if (Stack.Projects)
        {
            s.Append(CultureInfo.InvariantCulture, $", proj_size={Stack.StateSize}");
        }

        if (NumLayers != 1)
        {
            s.Append(CultureInfo.InvariantCulture, $", num_layers={NumLayers}");
        }

        if (!Bias)
        {
            s.Append(", bias=False");
        }

        if (BatchFirst)
        {
            s.Append(", batch_first=True");
        }

        if (Dropout != 0f)
        {
            s.Append(", dropout=").Append(PyFormat.Repr(Dropout));
        }

        if (Bidirectional)
        {
            s.Append(", bidirectional=True");
        }

        return s.ToString();
    }

    /// <summary>The forward pass into new tensors: output, h_n and (LSTM) c_n.</summary>
    private protected (Tensor Output, Tensor HN, Tensor? CN) ForwardCore(Tensor input, Tensor? h0, Tensor? c0)
    {
        ForwardShape shape = CheckArguments(input, h0, c0);
        // Every element of the results is written below, so they start uninitialised (RnnForwardTests checks it).
        Tensor output = Tensor.Empty(shape.Output());
        Tensor hN = Tensor.Empty(shape.State(Stack.StateSize));
        Tensor? cN = Stack.HasCellState ? Tensor.Empty(shape.State(HiddenSize)) : null;
        if (MustRecord(input, h0, c0))
        {
            string outputName = !shape.Batched ? "SqueezeBackward1" : BatchFirst ? TransposeGradFnName : Bidirectional ? "CatBackward0" : "StackBackward0";
            string stateName = !shape.Batched ? "SqueezeBackward1" : "StackBackward0";
            ForwardRecording(
                input, h0, c0, StepLayout.Dense(shape.SeqLen, shape.Batch), BatchFirst && shape.Batched, outputName, stateName, output, hN, cN);
        }
        else
        {
            Stack.Run(
                input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), c0 is null ? default : c0.AsReadOnlyMemory(),
                shape.SeqLen, shape.Batch, DropsOut, output.AsMemory(), hN.AsMemory(), cN is null ? default : cN.AsMemory());
        }

        return (output, hN, cN);
    }

    /// <summary>The forward pass into the caller's tensors; allocation-free once warm.</summary>
    private protected void ForwardIntoCore(Tensor input, Tensor? h0, Tensor? c0, Tensor output, Tensor hN, Tensor? cN)
    {
        ForwardShape shape = CheckArguments(input, h0, c0);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(hN);
        if (!shape.IsOutputShape(output))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(output), shape.Output(), output.Shape);
        }

        if (!shape.IsStateShape(hN, Stack.StateSize))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(hN), shape.State(Stack.StateSize), hN.Shape);
        }

        if (cN is not null && !shape.IsStateShape(cN, HiddenSize))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(cN), shape.State(HiddenSize), cN.Shape);
        }

        CheckNoOverlap(input, h0, c0, output, hN, cN);

        if (MustRecord(input, h0, c0))
        {
            ThrowHelper.ThrowOutArgumentsRequireGrad(OpName);
        }

        Stack.Run(
            input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), c0 is null ? default : c0.AsReadOnlyMemory(),
            shape.SeqLen, shape.Batch, DropsOut, output.AsMemory(), hN.AsMemory(), cN is null ? default : cN.AsMemory());
    }

    /// <summary>
    /// The forward pass over a packed sequence, as PyTorch's <c>RNNBase.forward</c> runs one: h0 (and c0) are permuted
    /// into the sorted order (<c>index_select(1, sorted_indices)</c>), the layers run over the packed rows, and h_n (and
    /// c_n) are permuted back (<c>index_select(1, unsorted_indices)</c>). The output's data has PyTorch's
    /// <c>CatBackward0</c> and the states <c>StackBackward0</c> (then <c>IndexSelectBackward0</c>) when recording.
    /// </summary>
    private protected (PackedSequence Output, Tensor HN, Tensor? CN) ForwardPackedCore(PackedSequence input, Tensor? h0, Tensor? c0)
    {
        StepLayout layout = CheckPackedArguments(input, h0, c0);
        Tensor data = input.Data;
        Tensor? sorted = input.SortedIndices, unsorted = input.UnsortedIndices;
        if (sorted is not null)
        {
            h0 = h0?.IndexSelect(1, sorted);
            c0 = c0?.IndexSelect(1, sorted);
        }

        int states = NumDirections * NumLayers;
        Tensor output = Tensor.Empty([layout.Rows, NumDirections * Stack.StateSize]);
        Tensor hN = Tensor.Empty([states, layout.Batch, Stack.StateSize]);
        Tensor? cN = Stack.HasCellState ? Tensor.Empty([states, layout.Batch, HiddenSize]) : null;
        if (MustRecord(data, h0, c0))
        {
            ForwardRecording(data, h0, c0, layout, transposed: false, "CatBackward0", "StackBackward0", output, hN, cN);
        }
        else
        {
            Stack.Run(
                data.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), c0 is null ? default : c0.AsReadOnlyMemory(),
                layout, DropsOut, output.AsMemory(), hN.AsMemory(), cN is null ? default : cN.AsMemory());
        }

        if (unsorted is not null)
        {
            hN = hN.IndexSelect(1, unsorted);
            cN = cN?.IndexSelect(1, unsorted);
        }

        return (new PackedSequence(output, input.BatchSizes, sorted, unsorted), hN, cN);
    }

    /// <summary>
    /// The packed forward into the caller's tensors: output data <c>(Σ batch_sizes, D·P)</c>, h_n (and c_n) in the
    /// caller's order of the sequences. The sort permutations are applied through pooled buffers, so once warm it
    /// allocates nothing.
    /// </summary>
    private protected void ForwardPackedIntoCore(PackedSequence input, Tensor? h0, Tensor? c0, Tensor output, Tensor hN, Tensor? cN)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckPackedShapes(input, h0, c0);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(hN);
        Tensor data = input.Data;
        ReadOnlySpan<long> batchSizes = input.BatchSizes.AsReadOnlyInt64Span();
        int rows = data.Size(0), batch = (int)batchSizes[0], states = NumDirections * NumLayers, state = Stack.StateSize;
        if (output.Dim != 2 || output.Size(0) != rows || output.Size(1) != NumDirections * state)
        {
            ThrowHelper.ThrowShapeMismatch(nameof(output), [rows, NumDirections * state], output.Shape);
        }

        if (hN.Dim != 3 || hN.Size(0) != states || hN.Size(1) != batch || hN.Size(2) != state)
        {
            ThrowHelper.ThrowShapeMismatch(nameof(hN), [states, batch, state], hN.Shape);
        }

        if (cN is not null && (cN.Dim != 3 || cN.Size(0) != states || cN.Size(1) != batch || cN.Size(2) != HiddenSize))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(cN), [states, batch, HiddenSize], cN.Shape);
        }

        CheckNoOverlap(data, h0, c0, output, hN, cN);

        if (MustRecord(data, h0, c0))
        {
            ThrowHelper.ThrowOutArgumentsRequireGrad(OpName);
        }

        ReadOnlySpan<long> sorted = input.SortedIndices is { } s ? s.AsReadOnlyInt64Span() : default;
        ReadOnlySpan<long> unsorted = input.UnsortedIndices is { } u ? u.AsReadOnlyInt64Span() : default;
        int stateLength = states * batch * state, cellLength = states * batch * HiddenSize;
        // One rented block for the step offsets and the gather positions (as RecurrentStack.Run rents one block): two
        // rentals of one size class would take the second from the pool's per-core stack, which other threads share.
        int[] offsets = ArrayPool<int>.Shared.Rent(batchSizes.Length + 1 + batch);
        float[] scratch = ArrayPool<float>.Shared.Rent(2 * (stateLength + cellLength));
        try
        {
            // h0, c0 into the sorted order (PyTorch's hx.index_select(1, sorted_indices)); results back into the caller's.
            Memory<float> h0Sorted = scratch.AsMemory(0, stateLength), c0Sorted = scratch.AsMemory(stateLength, cellLength);
            Memory<float> hNSorted = scratch.AsMemory(stateLength + cellLength, stateLength);
            Memory<float> cNSorted = scratch.AsMemory((2 * stateLength) + cellLength, cellLength);
            Span<int> order = offsets.AsSpan(batchSizes.Length + 1, batch);
            ReadOnlyMemory<float> h0Run = h0 is null ? default : Permute(h0.AsReadOnlyMemory(), sorted, states, state, order, h0Sorted);
            ReadOnlyMemory<float> c0Run = c0 is null ? default : Permute(c0.AsReadOnlyMemory(), sorted, states, HiddenSize, order, c0Sorted);
            Memory<float> hNRun = unsorted.IsEmpty ? hN.AsMemory() : hNSorted;
            Memory<float> cNRun = cN is null ? default : unsorted.IsEmpty ? cN.AsMemory() : cNSorted;
            Stack.Run(
                data.AsReadOnlyMemory(), h0Run, c0Run, StepLayout.Variable(batchSizes, offsets), DropsOut,
                output.AsMemory(), hNRun, cNRun);
            if (!unsorted.IsEmpty)
            {
                Permute(hNSorted, unsorted, states, state, order, hN.AsMemory());
                if (cN is not null)
                {
                    Permute(cNSorted, unsorted, states, HiddenSize, order, cN.AsMemory());
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<int>.Shared.Return(offsets);
        }
    }

    /// <summary>
    /// <c>destination[s, n, :] = source[s, index[n], :]</c> over <c>(S, N, size)</c> (PyTorch's <c>index_select(1, index)</c>,
    /// the indices checked by <see cref="RecurrentArguments.CheckBatchSizesOnly"/>), with <paramref name="positions"/> as
    /// scratch; the source itself when there is no permutation.
    /// </summary>
    private static ReadOnlyMemory<float> Permute(
        ReadOnlyMemory<float> source, ReadOnlySpan<long> index, int states, int size, Span<int> positions, Memory<float> destination)
    {
        if (index.IsEmpty)
        {
            return source;
        }

        for (int n = 0; n < positions.Length; n++)
        {
            positions[n] = (int)index[n];
        }

        GatherKernel.Gather(source.Span, states, positions.Length, size, positions, destination.Span);
        return destination;
    }

    /// <summary>
    /// PyTorch's checks of <c>forward</c> for a packed sequence (2-D data, its feature size, the states'
    /// <c>(D·num_layers, batch_sizes[0], ·)</c> shapes), plus the consistency of the batch sizes, which PyTorch
    /// leaves to the caller.
    /// </summary>
    private StepLayout CheckPackedArguments(PackedSequence input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckPackedShapes(input, h0, c0);
        return StepLayout.Variable(input.BatchSizes.AsReadOnlyInt64Span());
    }

    /// <summary>The checks of <see cref="CheckPackedArguments"/>, in that order; allocates nothing unless it throws.</summary>
    private void CheckPackedShapes(PackedSequence input, Tensor? h0, Tensor? c0)
    {
        Tensor data = input.Data;
        if (data.Dim != 2)
        {
            ThrowHelper.ThrowPackedInputRank(data.Dim, nameof(input));
        }

        if (data.Size(-1) != InputSize)
        {
            ThrowHelper.ThrowInputSize(InputSize, data.Size(-1), nameof(input));
        }

        RecurrentArguments.CheckBatchSizesOnly(input, nameof(input));
        int batch = (int)input.BatchSizes.AsReadOnlyInt64Span()[0];
        int states = NumDirections * NumLayers;
        CheckPackedState(h0, states, batch, Stack.StateSize, c0 is null ? null : "hidden[0]", nameof(h0));
        CheckPackedState(c0, states, batch, HiddenSize, "hidden[1]", nameof(c0));
        RecurrentArguments.CheckFloat32(data, h0, c0, nameof(h0), nameof(c0));
    }

    private static void CheckPackedState(Tensor? state, int states, int batch, int size, string? lstmName, string paramName)
    {
        if (state is null || (state.Dim == 3 && state.Size(0) == states && state.Size(1) == batch && state.Size(2) == size))
        {
            return;
        }

        int[] expected = [states, batch, size];

        if (lstmName is null)
        {
            ThrowHelper.ThrowHiddenSize(expected, state.Shape, paramName);
        }
        else
        {
            ThrowHelper.ThrowLstmStateSize(lstmName, expected, state.Shape, paramName);
        }
    }

    /// <summary>The destinations of an allocation-free forward share no memory with the inputs or with each other.</summary>
    private static void CheckNoOverlap(Tensor input, Tensor? h0, Tensor? c0, Tensor output, Tensor hN, Tensor? cN)
    {
        if (output.Overlaps(input) || output.Overlaps(hN) || (h0 is not null && output.Overlaps(h0))
            || (c0 is not null && output.Overlaps(c0)) || (cN is not null && output.Overlaps(cN)))
        {
            ThrowHelper.ThrowOverlap(nameof(output));
        }

        if (hN.Overlaps(input) || (h0 is not null && hN.Overlaps(h0)) || (c0 is not null && hN.Overlaps(c0)) || (cN is not null && hN.Overlaps(cN)))
        {
            ThrowHelper.ThrowOverlap(nameof(hN));
        }

        if (cN is not null && (cN.Overlaps(input) || (h0 is not null && cN.Overlaps(h0)) || (c0 is not null && cN.Overlaps(c0))))
        {
            ThrowHelper.ThrowOverlap(nameof(cN));
        }
    }

    /// <summary>PyTorch's checks of <c>forward</c>, in its order; allocates nothing unless it throws.</summary>
    private ForwardShape CheckArguments(Tensor input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim is not (2 or 3))
        {
            ThrowHelper.ThrowInputRank(TypeName, "2-D or 3-D", input.Dim, nameof(input));
        }

        bool batched = input.Dim == 3;
        CheckStateRanks(batched, h0, c0);
        int seqLen = batched && BatchFirst ? input.Size(1) : input.Size(0);
        int batch = batched ? (BatchFirst ? input.Size(0) : input.Size(1)) : 1;
        if (input.Size(-1) != InputSize)
        {
            ThrowHelper.ThrowInputSize(InputSize, input.Size(-1), nameof(input));
        }

        var shape = new ForwardShape(seqLen, batch, batched, BatchFirst, NumDirections * NumLayers, NumDirections * Stack.StateSize);
        CheckStateSize(shape, h0, Stack.StateSize, c0 is null ? null : "hidden[0]", nameof(h0));
        CheckStateSize(shape, c0, HiddenSize, "hidden[1]", nameof(c0));

        // PyTorch checks shapes first; the dtype fails in the first matrix product, before the empty-sequence check.
        RecurrentArguments.CheckFloat32(input, h0, c0, nameof(h0), nameof(c0));

        if (seqLen == 0)
        {
            ThrowHelper.ThrowEmptySequence(nameof(input));
        }

        return shape;
    }

    /// <summary>The ranks of h0 (and c0) against the input's, with PyTorch's messages.</summary>
    private static void CheckStateRanks(bool batched, Tensor? h0, Tensor? c0)
    {
        int expected = batched ? 3 : 2;
        if (c0 is not null && h0 is not null)
        {
            if (h0.Dim != expected || c0.Dim != expected)
            {
                ThrowHelper.ThrowLstmStateRank(batched, h0.Dim, c0.Dim, h0.Dim != expected ? nameof(h0) : nameof(c0));
            }
        }
        else if (h0 is not null && h0.Dim != expected)
        {
            ThrowHelper.ThrowHiddenRank(batched, h0.Dim, nameof(h0));
        }
    }

    /// <summary>PyTorch compares the (unsqueezed, for unbatched input) state against <c>(D·num_layers, N, size)</c>.</summary>
    private static void CheckStateSize(ForwardShape shape, Tensor? state, int size, string? lstmName, string paramName)
    {
        if (state is null)
        {
            return;
        }

        int layersGot = state.Size(0);
        int batchGot = shape.Batched ? state.Size(1) : 1;
        int sizeGot = state.Size(-1);
        if (layersGot != shape.StateCount || batchGot != shape.Batch || sizeGot != size)
        {
            if (lstmName is null)
            {
                ThrowHelper.ThrowHiddenSize([shape.StateCount, shape.Batch, size], [layersGot, batchGot, sizeGot], paramName);
            }
            else
            {
                ThrowHelper.ThrowLstmStateSize(lstmName, [shape.StateCount, shape.Batch, size], [layersGot, batchGot, sizeGot], paramName);
            }
        }
    }

    /// <summary>Whether a forward call must record a graph: grad mode is on and the input, a state or a parameter requires grad.</summary>
    private bool MustRecord(Tensor input, Tensor? h0, Tensor? c0) =>
        GradMode.IsEnabled
        && (input.RequiresGrad || (h0?.RequiresGrad ?? false) || (c0?.RequiresGrad ?? false) || Stack.AnyParameterRequiresGrad());

    /// <summary>
    /// The forward pass that keeps what back-propagation through time needs (in the node) and makes output, h_n (and
    /// c_n) outputs of one <see cref="RecurrentBackward"/>. PyTorch names their grad_fn after the op that produced
    /// each last (recorded from torch 1.13: unbatched input → all <c>SqueezeBackward1</c>; batch-first → output
    /// <c>TransposeBackward1</c> (LSTM: <c>TransposeBackward0</c>); bidirectional → output <c>CatBackward0</c>; h_n and
    /// c_n otherwise <c>StackBackward0</c>); where a state's name differs from output's, it gets a pass-through node
    /// of that name in front.
    /// </summary>
    private void ForwardRecording(
        Tensor input, Tensor? h0, Tensor? c0, StepLayout layout, bool transposed, string outputName, string stateName,
        Tensor output, Tensor hN, Tensor? cN)
    {
        var node = new RecurrentBackward(outputName, Stack, input, h0, c0, layout, transposed, DropsOut);
        try
        {
            Stack.Run(
                input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), c0 is null ? default : c0.AsReadOnlyMemory(),
                layout, DropsOut, output.AsMemory(), hN.AsMemory(), cN is null ? default : cN.AsMemory(), node);
        }
        catch
        {
            node.ReturnBuffers();
            throw;
        }

        output.SetGradFn(node, 0);
        hN.SetGradFn(node, 1);
        cN?.SetGradFn(node, 2);
        if (stateName != outputName)
        {
            hN.SetGradFn(new PassThroughBackward(stateName, hN));
            cN?.SetGradFn(new PassThroughBackward(stateName, cN));
        }
    }

    /// <summary>The sizes of one forward call, and the shapes of its results.</summary>
    private readonly record struct ForwardShape(int SeqLen, int Batch, bool Batched, bool BatchFirst, int StateCount, int Width)
    {
        public int[] Output() => !Batched ? [SeqLen, Width] : BatchFirst ? [Batch, SeqLen, Width] : [SeqLen, Batch, Width];

        public int[] State(int size) => Batched ? [StateCount, Batch, size] : [StateCount, size];

        /// <summary>Whether <paramref name="t"/> has the output's shape (without allocating).</summary>
        public bool IsOutputShape(Tensor t) => Batched
            ? t.Dim == 3 && t.Size(0) == (BatchFirst ? Batch : SeqLen) && t.Size(1) == (BatchFirst ? SeqLen : Batch) && t.Size(2) == Width
            : t.Dim == 2 && t.Size(0) == SeqLen && t.Size(1) == Width;

        /// <summary>Whether <paramref name="t"/> has a final state's shape (without allocating).</summary>
        public bool IsStateShape(Tensor t, int size) => Batched
            ? t.Dim == 3 && t.Size(0) == StateCount && t.Size(1) == Batch && t.Size(2) == size
            : t.Dim == 2 && t.Size(0) == StateCount && t.Size(1) == size;
    }
}
