using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.GRU</c>: a multi-layer gated recurrent unit RNN applied to a sequence.
/// </summary>
/// <remarks>
/// For each element of the input sequence, each layer computes, with PyTorch's gate order r, z, n
/// (<c>weight_ih_l0</c> is <c>(3·H_out, H_in)</c>): <c>r = σ(W_ir x + b_ir + W_hr h + b_hr)</c>,
/// <c>z = σ(W_iz x + b_iz + W_hz h + b_hz)</c>, <c>n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))</c> (<c>b_hn</c>
/// inside the product with <c>r</c>, as PyTorch has it), <c>h_t = (1 − z) ⊙ n + z ⊙ h_(t−1)</c>. Layers after the
/// first read the previous layer's <c>h_t</c> (with dropout in training mode). See <see cref="RnnBase"/> for shapes,
/// parameter names and initialisation.
/// </remarks>
public sealed class Gru : RnnBase
{
    /// <summary>
    /// Creates a GRU with freshly initialised parameters. Equivalent to
    /// <c>torch.nn.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)</c>.
    /// </summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in the hidden state, <c>H_out</c>.</param>
    /// <param name="numLayers">The number of stacked recurrent layers.</param>
    /// <param name="bias">Whether the layers have the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="batchFirst">Whether input and output are <c>(N, L, H)</c> instead of <c>(L, N, H)</c>. <c>h0</c> and <c>h_n</c> are not affected.</param>
    /// <param name="dropout">
    /// The probability of zeroing each output element of every layer but the last, in training mode. As in
    /// PyTorch, the value is taken as the decimal written (<c>0.3f</c> is 0.3).
    /// </param>
    /// <param name="bidirectional">Whether to add a reverse direction to every layer.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="inputSize"/>, <paramref name="hiddenSize"/> or <paramref name="numLayers"/> is not positive, or
    /// <paramref name="dropout"/> is outside <c>[0, 1]</c>.
    /// </exception>
    public Gru(
        int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        float dropout = 0f, bool bidirectional = false, Generator? generator = null)
        : base(GruCellKernel.Instance, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, generator)
    {
    }

    /// <inheritdoc/>
    protected override string TypeName => "GRU";

    /// <inheritdoc/>
    private protected override string OpName => "gru";

    /// <summary>
    /// Runs the GRU over a sequence. Equivalent to <c>output, h_n = gru(input, h0)</c>.
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
    /// The output at every step and the final hidden state; see <see cref="RnnOutput"/>. When grad mode is on and
    /// the input, <paramref name="h0"/> or a parameter requires grad, both are outputs of one recorded
    /// backward-through-time node. Under <see cref="Torch.NoGrad"/> nothing is recorded.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 2-D or 3-D, its last dimension is not <see cref="RnnBase.InputSize"/>, its
    /// sequence is empty, or <paramref name="h0"/> does not have the expected rank or shape (PyTorch's messages).
    /// </exception>
    public RnnOutput Forward(Tensor input, Tensor? h0 = null)
    {
        (Tensor output, Tensor hN, _) = ForwardCore(input, h0, null);
        return new RnnOutput(output, hN);
    }

    /// <summary>
    /// Runs the GRU over a sequence, writing into tensors the caller owns: the allocation-free form of
    /// <see cref="Forward(Tensor, Tensor?)"/> for hot paths. Once warm it allocates nothing.
    /// </summary>
    /// <param name="input">The sequence, shaped as for <see cref="Forward(Tensor, Tensor?)"/>.</param>
    /// <param name="h0">The initial hidden state, shaped as for <see cref="Forward(Tensor, Tensor?)"/>; zeros when <see langword="null"/>.</param>
    /// <param name="output">Receives the output; must have exactly the shape <see cref="RnnOutput.Output"/> would have.</param>
    /// <param name="hN">Receives the final hidden state; must have exactly the shape <see cref="RnnOutput.HN"/> would have.</param>
    /// <exception cref="ArgumentNullException"><paramref name="input"/>, <paramref name="output"/> or <paramref name="hN"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An argument fails a check of <see cref="Forward(Tensor, Tensor?)"/>; a destination has the wrong shape or
    /// shares memory with an input or the other destination.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The call would have to record a graph (grad mode on and something requires grad), which PyTorch refuses for
    /// <c>out=</c> arguments: run inference inside <see cref="Torch.NoGrad"/>.
    /// </exception>
    public void Forward(Tensor input, Tensor? h0, Tensor output, Tensor hN) => ForwardIntoCore(input, h0, null, output, hN, null);

    /// <summary>
    /// Runs the GRU over a batch of variable-length sequences: equivalent to <c>output, h_n = gru(input, h0)</c> with a
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
    /// Runs the GRU over a packed batch, writing into tensors the caller owns: the allocation-free form of
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
