namespace RnnSharp;

/// <summary>
/// What <see cref="RnnUtils.PadPackedSequence"/> returns, like PyTorch's tuple <c>(padded, lengths)</c>. Deconstructs:
/// <c>var (output, outputLengths) = RnnUtils.PadPackedSequence(packedOutput, batchFirst: true);</c>
/// </summary>
/// <param name="Padded">The padded batch, <c>(T, B, *)</c> or <c>(B, T, *)</c>, in the caller's original order.</param>
/// <param name="Lengths">The int64 length of each sequence, <c>(B)</c>, in the same order.</param>
public readonly record struct PadPackedSequenceResult(Tensor Padded, Tensor Lengths);
