namespace RnnSharp;

/// <summary>
/// What <see cref="Lstm.Forward(PackedSequence, ValueTuple{Tensor, Tensor}?)"/> returns: PyTorch's
/// <c>output, (h_n, c_n)</c> for a packed input. Deconstructs as <c>var (output, (hN, cN)) = lstm.Forward(packed);</c>.
/// </summary>
/// <param name="Output">
/// The last layer's <c>h_t</c> at every real step of every sequence, packed like the input: data
/// <c>(Σ batch_sizes, D·H_out)</c> with the input's batch sizes and sort permutations.
/// </param>
/// <param name="HN">Each sequence's <c>h</c> after its own last step, every layer and direction: <c>(D·num_layers, N, H_out)</c>, in the caller's order.</param>
/// <param name="CN">Each sequence's cell state after its own last step: <c>(D·num_layers, N, H_cell)</c>, in the caller's order.</param>
public readonly record struct PackedLstmOutput(PackedSequence Output, Tensor HN, Tensor CN)
{
    /// <summary>Deconstructs as PyTorch's <c>output, (h_n, c_n)</c>.</summary>
    /// <param name="output">Receives <see cref="Output"/>.</param>
    /// <param name="state">Receives <see cref="HN"/> and <see cref="CN"/>.</param>
    public void Deconstruct(out PackedSequence output, out (Tensor HN, Tensor CN) state)
    {
        output = Output;
        state = (HN, CN);
    }
}
