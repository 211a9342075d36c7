namespace RnnSharp;

/// <summary>
/// What <see cref="Rnn.Forward(PackedSequence, Tensor?)"/> and <see cref="Gru.Forward(PackedSequence, Tensor?)"/>
/// return: PyTorch's <c>(output, h_n)</c> for a packed input. Deconstructs as
/// <c>var (output, hN) = rnn.Forward(packed);</c>.
/// </summary>
/// <param name="Output">
/// The last layer's <c>h_t</c> at every real step of every sequence, packed like the input: data
/// <c>(Σ batch_sizes, D·H_out)</c> with the input's batch sizes and sort permutations
/// (<see cref="RnnUtils.PadPackedSequence"/> pads it back).
/// </param>
/// <param name="HN">
/// Each sequence's state after its own last step (a bidirectional layer's reverse direction: after its first), every
/// layer and direction: <c>(D·num_layers, N, H_out)</c>, in the caller's order of the sequences.
/// </param>
public readonly record struct PackedRnnOutput(PackedSequence Output, Tensor HN);
