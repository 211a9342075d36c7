namespace RnnSharp;

/// <summary>
/// The result of <see cref="Lstm.Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/>, PyTorch's
/// <c>output, (h_n, c_n)</c>: deconstruct it as <c>var (output, (hN, cN)) = lstm.Forward(input);</c>.
/// </summary>
/// <param name="Output">
/// The last layer's <c>h_t</c> at every step: <c>(L, N, D·H_out)</c>, <c>(N, L, D·H_out)</c> when batch-first, or
/// <c>(L, D·H_out)</c> for unbatched input; a bidirectional LSTM's forward features first.
/// </param>
/// <param name="HN">The final <c>h</c> of every layer and direction: <c>(D·num_layers, N, H_out)</c>, or <c>(D·num_layers, H_out)</c> unbatched.</param>
/// <param name="CN">The final cell state of every layer and direction: <c>(D·num_layers, N, H_cell)</c>, or <c>(D·num_layers, H_cell)</c> unbatched.</param>
public readonly record struct LstmOutput(Tensor Output, Tensor HN, Tensor CN)
{
    /// <summary>Deconstructs as PyTorch's <c>output, (h_n, c_n)</c>.</summary>
    /// <param name="output">Receives <see cref="Output"/>.</param>
    /// <param name="state">Receives <see cref="HN"/> and <see cref="CN"/>.</param>
    public void Deconstruct(out Tensor output, out (Tensor HN, Tensor CN) state)
    {
        output = Output;
        state = (HN, CN);
    }
}
