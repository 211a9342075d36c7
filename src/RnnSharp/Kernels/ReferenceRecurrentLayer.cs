namespace RnnSharp.Kernels;

/// <summary>
/// The reference (naive, row-by-row dot products) for one direction of one recurrent layer over a whole
/// sequence, as ATen runs it on the CPU: the input
/// projection of every time step in one pass, then one recurrent step per time step.
/// </summary>
internal static class ReferenceRecurrentLayer
{
    /// <summary>
    /// Shapes (seq-first, contiguous): input <c>(L, N, I)</c>; weightIh <c>(H, I)</c>; weightHh <c>(H, H)</c>;
    /// biasIh, biasHh <c>(H)</c> or empty; h0 <c>(N, H)</c>; output <c>(L, N, W)</c> of which this direction
    /// writes columns <c>[columnOffset, columnOffset + H)</c>; hN <c>(N, H)</c>; inputGates scratch
    /// <c>(L, N, H)</c>; hA, hB scratch <c>(N, H)</c> each. When <paramref name="reverse"/> is set the steps run
    /// from <c>t = L − 1</c> down to 0. Allocates nothing.
    /// </summary>
    public static void Run(
        ReadOnlySpan<float> input, int seqLen, int batch, int inputSize, int hiddenSize,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        ReadOnlySpan<float> h0, bool reverse, Nonlinearity nonlinearity,
        Span<float> output, int outputWidth, int columnOffset, Span<float> hN,
        Span<float> inputGates, Span<float> hA, Span<float> hB)
    {
        int stepSize = batch * hiddenSize;
        LinearKernel.Forward(input, weightIh, biasIh, inputGates, seqLen * batch, inputSize, hiddenSize);

        h0[..stepSize].CopyTo(hA);
        Span<float> previous = hA[..stepSize];
        Span<float> next = hB[..stepSize];
        for (int s = 0; s < seqLen; s++)
        {
            int t = reverse ? seqLen - 1 - s : s;
            RnnCellKernel.Step(
                previous, weightHh, biasHh, inputGates.Slice(t * stepSize, stepSize), nonlinearity, next, batch, hiddenSize);

            Span<float> outputStep = output.Slice(t * batch * outputWidth, batch * outputWidth);
            for (int n = 0; n < batch; n++)
            {
                next.Slice(n * hiddenSize, hiddenSize).CopyTo(outputStep.Slice((n * outputWidth) + columnOffset, hiddenSize));
            }

            Span<float> swap = previous;
            previous = next;
            next = swap;
        }

        previous.CopyTo(hN);
    }
}
