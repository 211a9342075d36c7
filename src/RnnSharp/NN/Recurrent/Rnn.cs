using System.Buffers;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.RNN</c>: a multi-layer Elman RNN with tanh or ReLU, applied to a sequence.
/// </summary>
/// <remarks>
/// <para>
/// For each element of the input sequence, each layer computes
/// <c>h_t = act(x_t · W_ihᵀ + b_ih + h_(t−1) · W_hhᵀ + b_hh)</c>, where <c>x_t</c> is the input at time
/// <c>t</c> (for layers after the first, the previous layer's output at <c>t</c>, with dropout in training
/// mode), <c>h_(t−1)</c> the layer's hidden state at <c>t − 1</c> (or from <c>h0</c> at <c>t = 0</c>) and
/// <c>act</c> is tanh or ReLU. A bidirectional RNN runs a second set of layers from the end of the sequence
/// to its start and concatenates both directions' features.
/// </para>
/// <para>
/// Shapes use PyTorch's letters: <c>L</c> sequence length, <c>N</c> batch size, <c>H_in</c> input size,
/// <c>H_out</c> hidden size, <c>D</c> = 2 if bidirectional else 1. The input is seq-first, <c>(L, N, H_in)</c>:
/// dimension 0 is time, as in PyTorch, unless <see cref="BatchFirst"/> is set.
/// </para>
/// <para>
/// Parameters are named and ordered as in PyTorch (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, then <c>_reverse</c> for the backward direction and <c>_l1</c>… for deeper layers) and are
/// initialised from <c>U(−1/√H_out, 1/√H_out)</c> in that order, so that after <see cref="Torch.ManualSeed(int)"/>
/// they equal PyTorch's bit for bit. <see cref="Forward(Tensor, Tensor?)"/> may be called from several threads at
/// once as long as nothing changes the parameters meanwhile.
/// </para>
/// </remarks>
public sealed partial class Rnn : Module
{
    private readonly FlatParameters _parameters;
    private readonly DirectionWeights[] _weights;
    private readonly double _dropout;
    private PackedRecurrentWeights? _packed;

    /// <summary>
    /// Creates an RNN with freshly initialised parameters. Equivalent to
    /// <c>torch.nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional)</c>.
    /// </summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in the hidden state, <c>H_out</c>.</param>
    /// <param name="numLayers">The number of stacked recurrent layers.</param>
    /// <param name="nonlinearity">The activation, <see cref="Nonlinearity.Tanh"/> (default) or <see cref="Nonlinearity.Relu"/>.</param>
    /// <param name="bias">Whether the layers have the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="batchFirst">Whether input and output are <c>(N, L, H)</c> instead of <c>(L, N, H)</c>. <c>h0</c> and <c>h_n</c> are not affected.</param>
    /// <param name="dropout">
    /// The probability of zeroing each output element of every layer but the last, in training mode. As in
    /// PyTorch, the value is taken as the decimal written (<c>0.3f</c> is 0.3).
    /// </param>
    /// <param name="bidirectional">Whether to add a reverse direction to every layer.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="inputSize"/>, <paramref name="hiddenSize"/> or <paramref name="numLayers"/> is not positive,
    /// <paramref name="dropout"/> is outside <c>[0, 1]</c>, or <paramref name="nonlinearity"/> is not a defined value.
    /// </exception>
    public Rnn(
        int inputSize, int hiddenSize, int numLayers = 1, Nonlinearity nonlinearity = Nonlinearity.Tanh,
        bool bias = true, bool batchFirst = false, float dropout = 0f, bool bidirectional = false,
        Generator? generator = null)
    {
        RecurrentArguments.Check(inputSize, hiddenSize, nonlinearity);

        if (numLayers <= 0)
        {
            ThrowHelper.ThrowMustBePositive("num_layers", numLayers, nameof(numLayers));
        }

        if (!(dropout >= 0f && dropout <= 1f))
        {
            ThrowHelper.ThrowDropoutOutOfRange(dropout, nameof(dropout));
        }

        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Nonlinearity = nonlinearity;
        Bias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        _dropout = double.Parse(dropout.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        int directions = NumDirections;
        long total = 0;
        for (int layer = 0; layer < numLayers; layer++)
        {
            int layerInput = layer == 0 ? inputSize : hiddenSize * directions;
            long perDirection = ((long)hiddenSize * layerInput) + ((long)hiddenSize * hiddenSize) + (bias ? 2L * hiddenSize : 0);
            total += perDirection * directions;
        }

        // One contiguous buffer holds every parameter in registration order; the parameters are views into it.
        _parameters = new FlatParameters(total, nameof(hiddenSize));
        _weights = new DirectionWeights[numLayers * directions];
        for (int layer = 0; layer < numLayers; layer++)
        {
            int layerInput = layer == 0 ? inputSize : hiddenSize * directions;
            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(direction == 1 ? "_reverse" : string.Empty)}");
                var w = new DirectionWeights(
                    RegisterParameter("weight_ih" + suffix, _parameters, [hiddenSize, layerInput]),
                    RegisterParameter("weight_hh" + suffix, _parameters, [hiddenSize, hiddenSize]),
                    bias ? RegisterParameter("bias_ih" + suffix, _parameters, [hiddenSize]) : null,
                    bias ? RegisterParameter("bias_hh" + suffix, _parameters, [hiddenSize]) : null);
                _weights[(layer * directions) + direction] = w;
            }
        }

        ResetParameters(generator);
    }

    /// <summary>The number of features in the input, <c>H_in</c> (PyTorch's <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>The number of features in the hidden state, <c>H_out</c> (PyTorch's <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>The number of stacked recurrent layers (PyTorch's <c>num_layers</c>).</summary>
    public int NumLayers { get; }

    /// <summary>The activation (PyTorch's <c>nonlinearity</c>).</summary>
    public Nonlinearity Nonlinearity { get; }

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

    /// <inheritdoc/>
    protected override string TypeName => "RNN";

    /// <summary>
    /// Re-draws every parameter from <c>U(−1/√H_out, 1/√H_out)</c> in registration order. Equivalent to
    /// <c>rnn.reset_parameters()</c>.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    public void ResetParameters(Generator? generator = null) => _parameters.ResetUniform(HiddenSize, generator);

    /// <summary>
    /// Runs the RNN over a sequence. Equivalent to <c>output, h_n = rnn(input, h0)</c>.
    /// </summary>
    /// <param name="input">
    /// The sequence: <c>(L, N, H_in)</c>, or <c>(N, L, H_in)</c> with <see cref="BatchFirst"/>, or <c>(L, H_in)</c>
    /// for a single unbatched sequence.
    /// </param>
    /// <param name="h0">
    /// The initial hidden state of every layer and direction: <c>(D·num_layers, N, H_out)</c>, or
    /// <c>(D·num_layers, H_out)</c> for unbatched input. Zeros when <see langword="null"/>.
    /// </param>
    /// <returns>
    /// The output at every time step and the final hidden state; see <see cref="RnnOutput"/> for their shapes. When grad
    /// mode is on and the input, <paramref name="h0"/> or a parameter requires grad (parameters do by default), both are
    /// outputs of one recorded backward-through-time node, so that <see cref="Tensor.Backward"/> on anything computed
    /// from either gives the gradients of the input, <paramref name="h0"/> and every parameter. Under
    /// <see cref="Torch.NoGrad"/> nothing is recorded and nothing is kept.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 2-D or 3-D, its last dimension is not <see cref="InputSize"/>, its sequence is
    /// empty, or <paramref name="h0"/> does not have the expected rank or shape. Messages are PyTorch's, e.g.
    /// <c>input.size(-1) must be equal to input_size. Expected 4, got 3</c>; or either is an int64 tensor
    /// (<c>mat1 and mat2 must have the same dtype</c>).
    /// </exception>
    public RnnOutput Forward(Tensor input, Tensor? h0 = null)
    {
        ForwardShape shape = CheckArguments(input, h0);
        // Every element of both results is written below, so they start uninitialised (RnnForwardTests checks it).
        Tensor output = Tensor.Empty(shape.Output());
        Tensor hN = Tensor.Empty(shape.HN());
        if (MustRecord(input, h0))
        {
            ForwardRecording(input, h0, shape, output, hN);
        }
        else
        {
            Run(input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), shape.SeqLen, shape.Batch, output.AsMemory(), hN.AsSpan());
        }

        return new RnnOutput(output, hN);
    }

    /// <summary>
    /// Runs the RNN over a sequence, writing into tensors the caller owns: the allocation-free form of
    /// <see cref="Forward(Tensor, Tensor?)"/> for hot paths (PyTorch's <c>out=</c> style). Once warm it allocates nothing.
    /// </summary>
    /// <param name="input">The sequence, shaped as for <see cref="Forward(Tensor, Tensor?)"/>.</param>
    /// <param name="h0">The initial hidden state, shaped as for <see cref="Forward(Tensor, Tensor?)"/>; zeros when <see langword="null"/>.</param>
    /// <param name="output">Receives the output; must have exactly the shape <see cref="RnnOutput.Output"/> would have.</param>
    /// <param name="hN">Receives the final hidden state; must have exactly the shape <see cref="RnnOutput.HN"/> would have.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/>, <paramref name="output"/> or <paramref name="hN"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An argument fails a check of <see cref="Forward(Tensor, Tensor?)"/>; <paramref name="output"/> or
    /// <paramref name="hN"/> has the wrong shape; or a destination shares memory with an input or with the other destination.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The call would have to record a graph: grad mode is on and the input, <paramref name="h0"/> or a parameter
    /// requires grad (parameters do by default). As PyTorch refuses <c>out=</c> for such tensors, with its message
    /// (<c>rnn_tanh(): functions with out=... arguments don't support automatic differentiation, but one of the
    /// arguments requires grad.</c>): run inference inside <see cref="Torch.NoGrad"/>.
    /// </exception>
    public void Forward(Tensor input, Tensor? h0, Tensor output, Tensor hN)
    {
        ForwardShape shape = CheckArguments(input, h0);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(hN);
        if (!shape.IsOutputShape(output))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(output), shape.Output(), output.Shape);
        }

        if (!shape.IsHNShape(hN))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(hN), shape.HN(), hN.Shape);
        }

        if (output.Overlaps(input) || output.Overlaps(hN) || (h0 is not null && output.Overlaps(h0)))
        {
            ThrowHelper.ThrowOverlap(nameof(output));
        }

        if (hN.Overlaps(input) || (h0 is not null && hN.Overlaps(h0)))
        {
            ThrowHelper.ThrowOverlap(nameof(hN));
        }

        if (MustRecord(input, h0))
        {
            ThrowHelper.ThrowOutArgumentsRequireGrad(Nonlinearity == Nonlinearity.Tanh ? "rnn_tanh" : "rnn_relu");
        }

        Run(input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), shape.SeqLen, shape.Batch, output.AsMemory(), hN.AsSpan());
    }

    /// <summary>PyTorch's checks of <c>RNN.forward</c>, in its order; allocates nothing unless it throws.</summary>
    private ForwardShape CheckArguments(Tensor input, Tensor? h0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim is not (2 or 3))
        {
            ThrowHelper.ThrowInputRank("RNN", "2-D or 3-D", input.Dim, nameof(input));
        }

        bool batched = input.Dim == 3;
        if (h0 is not null && h0.Dim != (batched ? 3 : 2))
        {
            ThrowHelper.ThrowHiddenRank(batched, h0.Dim, nameof(h0));
        }

        int seqLen = batched && BatchFirst ? input.Size(1) : input.Size(0);
        int batch = batched ? (BatchFirst ? input.Size(0) : input.Size(1)) : 1;
        if (input.Size(-1) != InputSize)
        {
            ThrowHelper.ThrowInputSize(InputSize, input.Size(-1), nameof(input));
        }

        var shape = new ForwardShape(seqLen, batch, batched, BatchFirst, NumDirections * NumLayers, HiddenSize, NumDirections * HiddenSize);
        if (h0 is not null)
        {
            // PyTorch compares the (unsqueezed, for unbatched input) h0 against (D*num_layers, N, H_out).
            int layersGot = h0.Size(0);
            int batchGot = batched ? h0.Size(1) : 1;
            int hiddenGot = h0.Size(-1);
            if (layersGot != shape.StateCount || batchGot != batch || hiddenGot != HiddenSize)
            {
                ThrowHelper.ThrowHiddenSize([shape.StateCount, batch, HiddenSize], [layersGot, batchGot, hiddenGot], nameof(h0));
            }
        }

        // PyTorch checks shapes first; the dtype fails in the first matrix product, before the empty-sequence check.
        if (input.DType != DType.Float32)
        {
            ThrowHelper.ThrowMatMulDType(nameof(input));
        }

        if (h0 is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(nameof(h0));
        }

        if (seqLen == 0)
        {
            ThrowHelper.ThrowEmptySequence(nameof(input));
        }

        return shape;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
    {
        var s = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}"));
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

    /// <summary>Whether a forward call now applies dropout between layers (training mode, <c>p &gt; 0</c>, several layers).</summary>
    private bool DropsOut => Training && _dropout > 0 && NumLayers > 1;

    /// <summary>Which kernels <see cref="Forward(Tensor, Tensor?)"/> runs; tests and benchmarks pin one.</summary>
    internal RecurrentKernel Kernel { get; set; } = RecurrentKernel.Auto;

    /// <summary>The packed weights for the current parameter values (repacked after any parameter write).</summary>
    private PackedRecurrentWeights GetPackedWeights() =>
        PackedRecurrentWeights.Current(Volatile.Read(ref _packed), _parameters.Version)
        ?? PackedRecurrentWeights.Pack(
            ref _packed, _parameters.Version, Array.ConvertAll(_weights, w => (w.WeightIh, w.WeightHh, w.BiasIh, w.BiasHh)));

    /// <summary>
    /// The forward pass on validated buffers. input is laid out as the caller's tensor (batch-first or not);
    /// h0 is <c>(D·num_layers, N, H)</c> or empty for zeros; output and hN are written completely. With
    /// <paramref name="tape"/>, every layer's outputs (seq-first) and dropout masks are kept in it for the backward.
    /// </summary>
    private void Run(
        ReadOnlyMemory<float> input, ReadOnlyMemory<float> h0, int seqLen, int batch, Memory<float> output, Span<float> hN,
        RnnBackward? tape = null)
    {
        int directions = NumDirections;
        int hidden = HiddenSize;
        int width = directions * hidden;
        int stepState = batch * hidden;
        int rows = seqLen * batch;
        if (rows == 0)
        {
            return; // batch of 0: nothing to compute (the outputs are empty).
        }

        // Batch-first data is transposed once so that every layer runs seq-first, as ATen does.
        bool transpose = BatchFirst && batch > 1 && seqLen > 1;
        bool dropout = tape?.Dropout ?? DropsOut;
        int layerBuffers = NumLayers == 1 ? 0 : Math.Min(NumLayers - 1, 2);

        PackedRecurrentWeights? packed = (tape?.Packed ?? Kernel.UsesPacked(HiddenSize)) ? GetPackedWeights() : null;
        HelperTeam? team = packed is null ? null : AcquireTeam(seqLen, batch);
        float[] inputT = transpose ? ArrayPool<float>.Shared.Rent(rows * InputSize) : [];
        float[] outputT = transpose ? ArrayPool<float>.Shared.Rent(rows * width) : [];
        float[] layerOut = ArrayPool<float>.Shared.Rent(layerBuffers * rows * width);
        float[] gates = ArrayPool<float>.Shared.Rent(rows * hidden);
        float[] state = ArrayPool<float>.Shared.Rent(3 * stepState);
        try
        {
            ReadOnlyMemory<float> layerInput = input[..(rows * InputSize)];
            if (transpose)
            {
                SwapFirstTwoDims(layerInput.Span, inputT, batch, seqLen, InputSize);
                layerInput = inputT.AsMemory(0, rows * InputSize);
            }

            Memory<float> zeros = state.AsMemory(2 * stepState, stepState);
            zeros.Span.Clear();
            for (int layer = 0; layer < NumLayers; layer++)
            {
                bool last = layer == NumLayers - 1;
                Memory<float> destination = tape is not null ? tape.Hidden(layer)
                    : !last
                    ? layerOut.AsMemory((layer % 2) * rows * width, rows * width)
                    : transpose ? outputT.AsMemory(0, rows * width) : output[..(rows * width)];
                int layerInputSize = layer == 0 ? InputSize : width;
                for (int direction = 0; direction < directions; direction++)
                {
                    int index = (layer * directions) + direction;
                    ReadOnlyMemory<float> directionH0 = h0.IsEmpty ? zeros : h0.Slice(index * stepState, stepState);
                    Span<float> directionHN = hN.Slice(index * stepState, stepState);
                    if (packed is not null)
                    {
                        PackedRecurrentLayer.Run(
                            layerInput, seqLen, batch, packed.Directions[index], directionH0, reverse: direction == 1,
                            Nonlinearity, destination, width, direction * hidden, directionHN, gates, team);
                    }
                    else
                    {
                        DirectionWeights w = _weights[index];
                        ReferenceRecurrentLayer.Run(
                            layerInput.Span, seqLen, batch, layerInputSize, hidden,
                            w.WeightIh.AsReadOnlySpan(), w.WeightHh.AsReadOnlySpan(),
                            w.BiasIh is null ? default : w.BiasIh.AsReadOnlySpan(),
                            w.BiasHh is null ? default : w.BiasHh.AsReadOnlySpan(),
                            directionH0.Span, reverse: direction == 1, Nonlinearity,
                            destination.Span, width, direction * hidden, directionHN,
                            gates, state.AsSpan(0, stepState), state.AsSpan(stepState, stepState));
                    }
                }

                if (!last && dropout)
                {
                    if (tape is null)
                    {
                        ApplyDropout(destination.Span, _dropout);
                    }
                    else
                    {
                        // The next layer reads the dropped-out copy; the tape keeps the layer's own states and the mask.
                        Span<float> mask = tape.Mask(layer).Span;
                        FillDropoutMask(mask, _dropout);
                        Memory<float> dropped = layerOut.AsMemory(0, rows * width);
                        TensorPrimitives.Multiply(destination.Span, mask, dropped.Span);
                        destination = dropped;
                    }
                }

                layerInput = destination;
            }

            if (transpose)
            {
                ReadOnlySpan<float> top = tape is null ? outputT.AsSpan(0, rows * width) : tape.Hidden(NumLayers - 1).Span;
                SwapFirstTwoDims(top, output.Span, seqLen, batch, width);
            }
            else if (tape is not null)
            {
                tape.Hidden(NumLayers - 1).Span.CopyTo(output.Span);
            }
        }
        finally
        {
            team?.Release();
            ArrayPool<float>.Shared.Return(state);
            ArrayPool<float>.Shared.Return(gates);
            ArrayPool<float>.Shared.Return(layerOut);
            if (transpose)
            {
                ArrayPool<float>.Shared.Return(outputT);
                ArrayPool<float>.Shared.Return(inputT);
            }
        }
    }

    /// <summary>
    /// Helper threads for this call when it is big enough to gain from them (see <see cref="Torch.SetNumThreads"/>),
    /// otherwise <see langword="null"/>: small calls never pay for a thread hand-off.
    /// </summary>
    internal HelperTeam? AcquireTeam(int seqLen, int batch)
    {
        int threads = Torch.GetNumThreads();
        if (threads <= 1)
        {
            return null;
        }

        return PackedRecurrentLayer.WantsHelpers(seqLen, batch, Math.Max(InputSize, NumDirections * HiddenSize), HiddenSize)
            ? HelperTeam.TryAcquire(Math.Min(threads, PackedGemm.Panels(HiddenSize)) - 1) // no more threads than column panels
            : null;
    }

    /// <summary>
    /// PyTorch's <c>at::dropout(x, p, train=true)</c> on the CPU, in place: a mask from <c>bernoulli_(1 − p)</c> on
    /// the global generator, scaled by <c>1 / (1 − p)</c>; all zeros when <c>p = 1</c>.
    /// </summary>
    private static void ApplyDropout(Span<float> values, double p)
    {
        if (p >= 1)
        {
            TensorPrimitives.Multiply(values, 0f, values); // PyTorch multiplies by zero (NaN stays NaN).
            return;
        }

        float[] mask = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            Span<float> m = mask.AsSpan(0, values.Length);
            FillDropoutMask(m, p);
            TensorPrimitives.Multiply(values, m, values);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(mask);
        }
    }

    /// <summary>
    /// PyTorch's dropout mask for <c>p &lt; 1</c>: <c>bernoulli_(1 − p)</c> on the global generator, divided by
    /// <c>1 − p</c>. <c>x ⊙ mask</c> is the dropout's forward and <c>g ⊙ mask</c> its backward.
    /// </summary>
    private static void FillDropoutMask(Span<float> mask, double p)
    {
        if (p >= 1)
        {
            mask.Clear(); // PyTorch multiplies by zero without drawing.
            return;
        }

        Torch.DefaultGenerator.FillBernoulli(mask, 1 - p);
        TensorPrimitives.Multiply(mask, 1f / (float)(1 - p), mask);
    }

    /// <summary>Copies a <c>(A, B, C)</c> block into <c>(B, A, C)</c> order.</summary>
    internal static void SwapFirstTwoDims(ReadOnlySpan<float> source, Span<float> destination, int a, int b, int c)
    {
        for (int i = 0; i < a; i++)
        {
            for (int j = 0; j < b; j++)
            {
                source.Slice(((i * b) + j) * c, c).CopyTo(destination.Slice(((j * a) + i) * c, c));
            }
        }
    }

    /// <summary>The sizes of one forward call, and the shapes of its results.</summary>
    private readonly record struct ForwardShape(int SeqLen, int Batch, bool Batched, bool BatchFirst, int StateCount, int Hidden, int Width)
    {
        public int[] Output() => !Batched ? [SeqLen, Width] : BatchFirst ? [Batch, SeqLen, Width] : [SeqLen, Batch, Width];

        public int[] HN() => Batched ? [StateCount, Batch, Hidden] : [StateCount, Hidden];

        /// <summary>Whether <paramref name="t"/> has the output's shape (without allocating).</summary>
        public bool IsOutputShape(Tensor t) => Batched
            ? t.Dim == 3 && t.Size(0) == (BatchFirst ? Batch : SeqLen) && t.Size(1) == (BatchFirst ? SeqLen : Batch) && t.Size(2) == Width
            : t.Dim == 2 && t.Size(0) == SeqLen && t.Size(1) == Width;

        /// <summary>Whether <paramref name="t"/> has h_n's shape (without allocating).</summary>
        public bool IsHNShape(Tensor t) => Batched
            ? t.Dim == 3 && t.Size(0) == StateCount && t.Size(1) == Batch && t.Size(2) == Hidden
            : t.Dim == 2 && t.Size(0) == StateCount && t.Size(1) == Hidden;
    }

    /// <summary>The parameter views of one direction of one layer.</summary>
    internal sealed record DirectionWeights(Tensor WeightIh, Tensor WeightHh, Tensor? BiasIh, Tensor? BiasHh);
}
