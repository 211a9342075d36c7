namespace RnnSharp;

/// <summary>
/// What <see cref="Rnn.Forward(Tensor, Tensor?)"/> returns: the counterpart of the <c>(output, h_n)</c> pair of
/// <c>torch.nn.RNN</c>. Deconstructs as <c>var (output, hN) = rnn.Forward(input);</c>.
/// </summary>
/// <param name="Output">
/// The last layer's hidden state at every time step: <c>(L, N, D·H_out)</c>, or <c>(N, L, D·H_out)</c> with
/// <c>batchFirst</c>, or <c>(L, D·H_out)</c> for unbatched input. For a bidirectional RNN the forward
/// direction's features come first, then the reverse direction's.
/// </param>
/// <param name="HN">
/// The final hidden state of every layer and direction: <c>(D·num_layers, N, H_out)</c>, or
/// <c>(D·num_layers, H_out)</c> for unbatched input. Not affected by <c>batchFirst</c>.
/// </param>
public readonly record struct RnnOutput(Tensor Output, Tensor HN);
