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
/// dimension 0 is time, as in PyTorch, unless <see cref="RnnBase.BatchFirst"/> is set.
/// </para>
/// <para>
/// Parameters are named and ordered as in PyTorch (<c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>,
/// <c>bias_hh_l0</c>, then <c>_reverse</c> for the backward direction and <c>_l1</c>… for deeper layers) and are
/// initialised from <c>U(−1/√H_out, 1/√H_out)</c> in that order, so that after <see cref="Torch.ManualSeed(int)"/>
/// they equal PyTorch's bit for bit. <see cref="Forward(Tensor, Tensor?)"/> may be called from several threads at
/// once as long as nothing changes the parameters meanwhile.
/// </para>
/// </remarks>
public sealed class Rnn : RnnBase
{
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
        : base(CellFor(inputSize, hiddenSize, nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, generator)
    {
        Nonlinearity = nonlinearity;
    }

    /// <summary>The activation (PyTorch's <c>nonlinearity</c>).</summary>
    public Nonlinearity Nonlinearity { get; }

    /// <inheritdoc/>
    protected override string TypeName => "RNN";

    /// <inheritdoc/>
    private protected override string OpName => Nonlinearity == Nonlinearity.Tanh ? "rnn_tanh" : "rnn_relu";

    /// <summary>
    /// Runs the RNN over a sequence. Equivalent to <c>output, h_n = rnn(input, h0)</c>.
    /// </summary>
    /// <param name="input">
    /// The sequence: <c>(L, N, H_in)</c>, or <c>(N, L, H_in)</c> with <see cref="RnnBase.BatchFirst"/>, or <c>(L, H_in)</c>
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
    /// <paramref name="input"/> is not 2-D or 3-D, its last dimension is not <see cref="RnnBase.InputSize"/>, its sequence is
    /// empty, or <paramref name="h0"/> does not have the expected rank or shape. Messages are PyTorch's, e.g.
    /// <c>input.size(-1) must be equal to input_size. Expected 4, got 3</c>; or either is an int64 tensor
    /// (<c>mat1 and mat2 must have the same dtype</c>).
    /// </exception>
    public RnnOutput Forward(Tensor input, Tensor? h0 = null)
    {
        (Tensor output, Tensor hN, _) = ForwardCore(input, h0, null);
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
    public void Forward(Tensor input, Tensor? h0, Tensor output, Tensor hN) => ForwardIntoCore(input, h0, null, output, hN, null);

    /// <summary>PyTorch checks the nonlinearity before anything else.</summary>
    private static ElmanCellKernel CellFor(int inputSize, int hiddenSize, Nonlinearity nonlinearity)
    {
        RecurrentArguments.Check(inputSize, hiddenSize, nonlinearity);
        return ElmanCellKernel.For(nonlinearity);
    }

    /// <summary>
    /// Runs the RNN over a batch of variable-length sequences: equivalent to <c>output, h_n = rnn(input, h0)</c> with a
    /// <c>PackedSequence</c>. Each sequence runs over its own length only (a step multiplies only the sequences
    /// still running), and a bidirectional layer's reverse direction starts each sequence at its own end.
    /// </summary>
    /// <param name="input">
    /// The sequences, packed (<see cref="RnnUtils.PackPaddedSequence(Tensor, Tensor, bool, bool)"/>, <see cref="RnnUtils.PackSequence"/>): data
    /// <c>(Σ batch_sizes, H_in)</c>.
    /// </param>
    /// <param name="h0">
    /// The initial hidden state of every layer and direction, <c>(D·num_layers, N, H_out)</c>, in the caller's order of the sequences (permuted by the input's sorted indices, as PyTorch does).
    /// Zeros when <see langword="null"/>.
    /// </param>
    /// <returns>
    /// The packed output and each sequence's final state, in the caller's order; see <see cref="PackedRnnOutput"/>. Recorded for
    /// <see cref="Tensor.Backward"/> as the tensor form is.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The data is not 2-D or its last dimension is not <see cref="RnnBase.InputSize"/>, <paramref name="h0"/> does not have
    /// the shape <c>(D·num_layers, batch_sizes[0], ·)</c> (PyTorch's messages), or the batch sizes are not positive,
    /// non-increasing and summing to the data's rows.
    /// </exception>
    public PackedRnnOutput Forward(PackedSequence input, Tensor? h0 = null)
    {
        (PackedSequence output, Tensor hN, _) = ForwardPackedCore(input, h0, null);
        return new PackedRnnOutput(output, hN);
    }

    /// <summary>
    /// Runs the RNN over a packed batch, writing into tensors the caller owns: the allocation-free form of
    /// <see cref="Forward(PackedSequence, Tensor?)"/> for serving variable-length batches. Once warm it allocates nothing.
    /// </summary>
    /// <param name="input">The packed sequences, as for <see cref="Forward(PackedSequence, Tensor?)"/>.</param>
    /// <param name="h0">The initial hidden state, in the caller's order; zeros when <see langword="null"/>.</param>
    /// <param name="output">Receives the packed output's data: <c>(Σ batch_sizes, D·H_out)</c>, rows as the input's.</param>
    /// <param name="hN">Receives each sequence's final <c>h</c>, <c>(D·num_layers, N, H_out)</c>, in the caller's order.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An argument fails a check of <see cref="Forward(PackedSequence, Tensor?)"/>; a destination has the wrong
    /// shape or shares memory with an input or another destination.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The call would have to record a graph (grad mode on and something requires grad), which PyTorch refuses for
    /// <c>out=</c> arguments: run inference inside <see cref="Torch.NoGrad"/>.
    /// </exception>
    public void Forward(PackedSequence input, Tensor? h0, Tensor output, Tensor hN) => ForwardPackedIntoCore(input, h0, null, output, hN, null);
}
