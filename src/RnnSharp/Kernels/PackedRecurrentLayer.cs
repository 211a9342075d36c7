namespace RnnSharp.Kernels;

/// <summary>
/// One direction of one recurrent layer over a whole sequence on packed weights: the input projection of all
/// time steps as one GEMM, then per step one GEMM whose epilogue adds <c>b_hh</c> and the step's input
/// projection (ATen's grouping) and writes straight into the output, followed by the activation in place.
/// </summary>
internal static class PackedRecurrentLayer
{
    /// <summary>
    /// Shapes (seq-first, contiguous): input <c>(L, N, I)</c>; h0 <c>(N, H)</c>; output <c>(L, N, W)</c> of which
    /// this direction writes columns <c>[columnOffset, columnOffset + H)</c>; hN <c>(N, H)</c>; inputGates scratch
    /// <c>(L, N, H)</c>. Steps run from <c>t = L − 1</c> down when <paramref name="reverse"/> is set. Allocates nothing.
    /// </summary>
    public static void Run(
        ReadOnlySpan<float> input, int seqLen, int batch, PackedDirection weights, ReadOnlySpan<float> h0,
        bool reverse, Nonlinearity nonlinearity, Span<float> output, int outputWidth, int columnOffset,
        Span<float> hN, Span<float> inputGates)
    {
        int hidden = weights.HiddenSize;
        int rows = seqLen * batch;
        PackedGemm.Multiply(
            input, weights.InputSize, weights.WeightIh, weights.BiasIh, default, 0,
            inputGates, hidden, rows, hidden, weights.InputSize);

        int stepStride = batch * outputWidth;
        int previous = -1;
        for (int s = 0; s < seqLen; s++)
        {
            int t = reverse ? seqLen - 1 - s : s;
            Span<float> destination = output[((t * stepStride) + columnOffset)..];
            ReadOnlySpan<float> hidden0 = previous < 0 ? h0 : output[((previous * stepStride) + columnOffset)..];
            int ldHidden = previous < 0 ? hidden : outputWidth;
            PackedGemm.Multiply(
                hidden0, ldHidden, weights.WeightHh, weights.BiasHh, inputGates.Slice(t * batch * hidden, batch * hidden), hidden,
                destination, outputWidth, batch, hidden, hidden);
            for (int n = 0; n < batch; n++)
            {
                RnnCellKernel.Activate(destination.Slice(n * outputWidth, hidden), nonlinearity);
            }

            previous = t;
        }

        for (int n = 0; n < batch; n++)
        {
            output.Slice((previous * stepStride) + (n * outputWidth) + columnOffset, hidden).CopyTo(hN.Slice(n * hidden, hidden));
        }
    }
}
