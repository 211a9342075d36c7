using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.LSTM</c>: a multi-layer long short-term memory RNN applied to a sequence.
/// </summary>
/// <remarks>
/// <para>
/// For each element of the input sequence, each layer computes, with PyTorch's gate order i, f, g, o
/// (<c>weight_ih_l0</c> is <c>(4·H_cell, H_in)</c>, its rows the four gates' blocks in that order):
/// <c>i = σ(W_ii x + b_ii + W_hi h + b_hi)</c>, <c>f = σ(W_if x + b_if + W_hf h + b_hf)</c>,
/// <c>g = tanh(W_ig x + b_ig + W_hg h + b_hg)</c>, <c>o = σ(W_io x + b_io + W_ho h + b_ho)</c>,
/// <c>c_t = f ⊙ c_(t−1) + i ⊙ g</c>, <c>h_t = o ⊙ tanh(c_t)</c> — and, when <see cref="ProjSize"/> is positive,
/// <c>h_t = W_hr · h_t</c> (<c>weight_hr_l0</c>, <c>(proj_size, H_cell)</c>), so that <c>h</c> has
/// <c>H_out = proj_size</c> features. Layers after the first read the previous layer's <c>h_t</c> (with dropout
/// in training mode). See <see cref="RnnBase"/> for shapes, parameter names and initialisation.
/// </para>
/// </remarks>
public sealed class Lstm : RnnBase
{
    /// <summary>
    /// Creates an LSTM with freshly initialised parameters. Equivalent to
    /// <c>torch.nn.LSTM(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size)</c>.
    /// </summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in the cell state, <c>H_cell</c> (and in <c>h</c> without projection).</param>
    /// <param name="numLayers">The number of stacked recurrent layers.</param>
    /// <param name="bias">Whether the layers have the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="batchFirst">Whether input and output are <c>(N, L, H)</c> instead of <c>(L, N, H)</c>. The states are not affected.</param>
    /// <param name="dropout">
    /// The probability of zeroing each output element of every layer but the last, in training mode. As in
    /// PyTorch, the value is taken as the decimal written (<c>0.3f</c> is 0.3).
    /// </param>
    /// <param name="bidirectional">Whether to add a reverse direction to every layer.</param>
    /// <param name="projSize">When positive, the size <c>H_out</c> of <c>h</c>, projected from <c>H_cell</c> by <c>weight_hr</c>; 0 for none.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="inputSize"/>, <paramref name="hiddenSize"/> or <paramref name="numLayers"/> is not positive,
    /// <paramref name="dropout"/> is outside <c>[0, 1]</c>, or <paramref name="projSize"/> is negative or not smaller
    /// than <paramref name="hiddenSize"/> (PyTorch's <c>proj_size has to be smaller than hidden_size</c>).
    /// </exception>
    public Lstm(
        int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        float dropout = 0f, bool bidirectional = false, int projSize = 0, Generator? generator = null)
        : base(LstmCellKernel.Instance, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, generator)
    {
        ProjSize = projSize;
    }

    /// <summary>The size of <c>h</c> when projected, or 0 (PyTorch's <c>proj_size</c>).</summary>
    public int ProjSize { get; }

    /// <inheritdoc/>
    protected override string TypeName => "LSTM";

    /// <inheritdoc/>
    private protected override string OpName => "lstm";

    /// <inheritdoc/>
    private protected override string TransposeGradFnName => "TransposeBackward0";

    /// <summary>
    /// Runs the LSTM over a sequence. Equivalent to <c>output, (h_n, c_n) = lstm(input, (h0, c0))</c>.
    /// </summary>
    /// <param name="input">
    /// The sequence: <c>(L, N, H_in)</c>, or <c>(N, L, H_in)</c> with <see cref="RnnBase.BatchFirst"/>, or <c>(L, H_in)</c>
    /// for a single unbatched sequence.
    /// </param>
    /// <param name="state">
    /// The initial states of every layer and direction: <c>h0</c> <c>(D·num_layers, N, H_out)</c> and <c>c0</c>
    /// <c>(D·num_layers, N, H_cell)</c> (without <c>N</c> for unbatched input). Zeros when <see langword="null"/>.
    /// </param>
    /// <returns>
    /// The output at every step and the final states; see <see cref="LstmOutput"/>. When grad mode is on and the
    /// input, a state or a parameter requires grad (parameters do by default), all three are outputs of one recorded
    /// backward-through-time node, so <see cref="Tensor.Backward"/> on anything computed from them gives the gradients
    /// of the input, <c>h0</c>, <c>c0</c> and every parameter. Under <see cref="Torch.NoGrad"/> nothing is recorded.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or a state is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 2-D or 3-D, its last dimension is not <see cref="RnnBase.InputSize"/>, its
    /// sequence is empty, or a state does not have the expected rank or shape; messages are PyTorch's, e.g.
    /// <c>Expected hidden[1] size (1, 3, 20), got [1, 3, 10]</c>.
    /// </exception>
    public LstmOutput Forward(Tensor input, (Tensor H0, Tensor C0)? state = null)
    {
        (Tensor? h0, Tensor? c0) = Unpack(state);
        (Tensor output, Tensor hN, Tensor? cN) = ForwardCore(input, h0, c0);
        return new LstmOutput(output, hN, cN!);
    }

    /// <summary>
    /// Runs the LSTM over a sequence, writing into tensors the caller owns: the allocation-free form of
    /// <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/> for hot paths. Once warm it allocates nothing.
    /// </summary>
    /// <param name="input">The sequence, shaped as for <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/>.</param>
    /// <param name="state">The initial states, as for <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/>; zeros when <see langword="null"/>.</param>
    /// <param name="output">Receives the output; must have exactly the shape <see cref="LstmOutput.Output"/> would have.</param>
    /// <param name="hN">Receives the final <c>h</c>; must have exactly the shape <see cref="LstmOutput.HN"/> would have.</param>
    /// <param name="cN">Receives the final cell state; must have exactly the shape <see cref="LstmOutput.CN"/> would have.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An argument fails a check of <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/>; a destination has the
    /// wrong shape or shares memory with an input or another destination.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The call would have to record a graph (grad mode on and something requires grad), which PyTorch refuses for
    /// <c>out=</c> arguments: run inference inside <see cref="Torch.NoGrad"/>.
    /// </exception>
    public void Forward(Tensor input, (Tensor H0, Tensor C0)? state, Tensor output, Tensor hN, Tensor cN)
    {
        ArgumentNullException.ThrowIfNull(cN);
        (Tensor? h0, Tensor? c0) = Unpack(state);
        ForwardIntoCore(input, h0, c0, output, hN, cN);
    }

    /// <summary>
    /// Runs the LSTM over a batch of variable-length sequences: equivalent to <c>output, (h_n, c_n) = lstm(input, (h0, c0))</c> with a
    /// <c>PackedSequence</c>. Each sequence runs over its own length only (a step multiplies only the sequences
    /// still running), and a bidirectional layer's reverse direction starts each sequence at its own end.
    /// </summary>
    /// <param name="input">
    /// The sequences, packed (<see cref="RnnUtils.PackPaddedSequence(Tensor, Tensor, bool, bool)"/>, <see cref="RnnUtils.PackSequence"/>): data
    /// <c>(Σ batch_sizes, H_in)</c>.
    /// </param>
    /// <param name="state">
    /// The initial states of every layer and direction, <c>h0</c> <c>(D·num_layers, N, H_out)</c> and <c>c0</c> <c>(D·num_layers, N, H_cell)</c>, in the caller's order of the sequences (permuted by the input's sorted indices, as PyTorch does).
    /// Zeros when <see langword="null"/>.
    /// </param>
    /// <returns>
    /// The packed output and each sequence's final states, in the caller's order; see <see cref="PackedLstmOutput"/>. Recorded for
    /// <see cref="Tensor.Backward"/> as the tensor form is.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or a state is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The data is not 2-D or its last dimension is not <see cref="RnnBase.InputSize"/>, a state does not have
    /// the shape <c>(D·num_layers, batch_sizes[0], ·)</c> (PyTorch's messages), or the batch sizes are not positive,
    /// non-increasing and summing to the data's rows.
    /// </exception>
    public PackedLstmOutput Forward(PackedSequence input, (Tensor H0, Tensor C0)? state = null)
    {
        (Tensor? h0, Tensor? c0) = Unpack(state);
        (PackedSequence output, Tensor hN, Tensor? cN) = ForwardPackedCore(input, h0, c0);
        return new PackedLstmOutput(output, hN, cN!);
    }

    /// <summary>
    /// Runs the LSTM over a packed batch, writing into tensors the caller owns: the allocation-free form of
    /// <see cref="Forward(PackedSequence, ValueTuple{Tensor, Tensor}?)"/> for serving variable-length batches. Once warm it allocates nothing.
    /// </summary>
    /// <param name="input">The packed sequences, as for <see cref="Forward(PackedSequence, ValueTuple{Tensor, Tensor}?)"/>.</param>
    /// <param name="state">The initial states, in the caller's order; zeros when <see langword="null"/>.</param>
    /// <param name="output">Receives the packed output's data: <c>(Σ batch_sizes, D·H_out)</c>, rows as the input's.</param>
    /// <param name="hN">Receives each sequence's final <c>h</c>, <c>(D·num_layers, N, H_out)</c>, in the caller's order.</param>
    /// <param name="cN">Receives each sequence's final cell state, <c>(D·num_layers, N, H_cell)</c>, in the caller's order.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An argument fails a check of <see cref="Forward(PackedSequence, ValueTuple{Tensor, Tensor}?)"/>; a destination has the wrong
    /// shape or shares memory with an input or another destination.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The call would have to record a graph (grad mode on and something requires grad), which PyTorch refuses for
    /// <c>out=</c> arguments: run inference inside <see cref="Torch.NoGrad"/>.
    /// </exception>
    public void Forward(PackedSequence input, (Tensor H0, Tensor C0)? state, Tensor output, Tensor hN, Tensor cN)
    {
        ArgumentNullException.ThrowIfNull(cN);
        (Tensor? h0, Tensor? c0) = Unpack(state);
        ForwardPackedIntoCore(input, h0, c0, output, hN, cN);
    }

    private static (Tensor? H0, Tensor? C0) Unpack((Tensor H0, Tensor C0)? state)
    {
        if (state is not { } s)
        {
            return (null, null);
        }

        ArgumentNullException.ThrowIfNull(s.H0, "state.H0");
        ArgumentNullException.ThrowIfNull(s.C0, "state.C0");
        return (s.H0, s.C0);
    }
}
