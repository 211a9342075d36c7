namespace RnnSharp.Kernels;

/// <summary>The backward of the packed layer's forward <c>Run</c>: back-propagation through time on <see cref="PackedGemm"/>.</summary>
internal sealed partial class PackedRecurrentLayer
{
    /// <summary>
    /// The workspace <see cref="Backward"/> needs: dz <c>(L·N, H)</c>, dzᵀ <c>(H, L·N)</c>, dh <c>(N, H)</c>, packed
    /// <c>W_hh</c> and <c>W_ih</c>, and one packed block of <c>L·N</c> rows of the input or of the previous states.
    /// </summary>
    public static int BackwardWorkspaceLength(int seqLen, int batch, int inputSize, int hiddenSize)
    {
        int rows = seqLen * batch;
        return (2 * rows * hiddenSize) + (batch * hiddenSize)
            + PackedGemm.PackedLength(hiddenSize, hiddenSize) + PackedGemm.PackedLength(inputSize, hiddenSize)
            + Math.Max(PackedGemm.PackedLength(inputSize, rows), PackedGemm.PackedLength(hiddenSize, rows));
    }

    /// <summary>
    /// Back-propagation through time for one direction (formulas in <see cref="RecurrentLayerBackward"/>), as
    /// llm.c's fused backward passes: per step one product <c>dz_t · W_hh</c> whose epilogue adds the output
    /// gradient of the previous step; then <c>dz · W_ih</c>, <c>dzᵀ · x</c> and <c>dzᵀ · h_prev</c> as one product
    /// each over all steps. The products (and the transpose and bias sum) are cut into chunks of whole output
    /// elements that <paramref name="team"/>'s helpers share (see <see cref="ChunkedGemm"/>), so results do not
    /// depend on the thread count. Writes every non-empty buffer of <paramref name="gradients"/>; allocates nothing.
    /// </summary>
    public static void Backward(
        in RecurrentLayerSaved saved, in RecurrentLayerGradients gradients, Memory<float> workspace, HelperTeam? team = null)
    {
        int seqLen = saved.SeqLen, batch = saved.Batch, inputSize = saved.InputSize, hidden = saved.HiddenSize;
        int rows = seqLen * batch;
        Memory<float> dz = workspace[..(rows * hidden)];
        workspace = workspace[(rows * hidden)..];
        Memory<float> dzT = workspace[..(rows * hidden)];
        workspace = workspace[(rows * hidden)..];
        Memory<float> dh = workspace[..(batch * hidden)];
        workspace = workspace[(batch * hidden)..];
        Memory<float> weightHh = workspace[..PackedGemm.PackedLength(hidden, hidden)];
        workspace = workspace[weightHh.Length..];
        Memory<float> weightIh = workspace[..PackedGemm.PackedLength(inputSize, hidden)];
        Memory<float> packedRows = workspace[weightIh.Length..];

        // dz_t · W_hh = dz_t · (W_hhᵀ)ᵀ: pack W_hhᵀ, which is W_hh's rows copied as they are.
        if (seqLen > 1 || !gradients.H0.IsEmpty)
        {
            PackedGemm.PackTransposedRows(saved.WeightHh, hidden, hidden, hidden, hidden, 0, weightHh.Span);
        }

        RecurrentLayerBackward.FinalStateGradient(saved, dh.Span);
        for (int i = 0; i < seqLen; i++)
        {
            int t = RecurrentLayerBackward.StepAt(saved, i);
            RecurrentLayerBackward.ActivationGradient(saved, t, dh.Span, dz.Span);
            ReadOnlyMemory<float> dzStep = dz.Slice(t * batch * hidden, batch * hidden);
            if (i < seqLen - 1)
            {
                // dh_(t−1) = (dz_t · W_hh) + dout_(t−1), the addition in the GEMM's epilogue.
                int previous = RecurrentLayerBackward.PreviousStep(saved, t);
                ReadOnlyMemory<float> addend = saved.GradOutput.IsEmpty
                    ? default
                    : saved.GradOutput[((previous * batch * saved.Width) + saved.ColumnOffset)..];
                ChunkedGemm.Multiply(team, dzStep, hidden, weightHh, addend, saved.Width, dh, hidden, batch, hidden, hidden, byPanels: true);
            }
            else if (!gradients.H0.IsEmpty)
            {
                ChunkedGemm.Multiply(team, dzStep, hidden, weightHh, default, 0, gradients.H0, hidden, batch, hidden, hidden, byPanels: true);
            }
        }

        if (!gradients.Input.IsEmpty)
        {
            // dx = dz · W_ih (+ the other direction's share, through the epilogue's addend).
            PackedGemm.PackTransposedRows(saved.WeightIh, inputSize, hidden, inputSize, hidden, 0, weightIh.Span);
            ReadOnlyMemory<float> addend = gradients.AccumulateInput ? gradients.Input : default;
            ChunkedGemm.Multiply(team, dz, hidden, weightIh, addend, inputSize, gradients.Input, inputSize, rows, inputSize, hidden);
        }

        if (!gradients.WeightIh.IsEmpty || !gradients.WeightHh.IsEmpty)
        {
            ChunkedGemm.Transpose(team, dz, rows, hidden, dzT);
        }

        if (!gradients.WeightIh.IsEmpty)
        {
            // dW_ih = dzᵀ · x: the rows of x packed as they are.
            PackedGemm.PackTransposedRows(saved.Input, inputSize, rows, inputSize, rows, 0, packedRows.Span);
            ChunkedGemm.Multiply(team, dzT, rows, packedRows, default, 0, gradients.WeightIh, inputSize, hidden, inputSize, rows);
        }

        if (!gradients.WeightHh.IsEmpty)
        {
            // dW_hh = dzᵀ · h_prev, where h_prev of step t is h_(t∓1) or h0: the saved states shifted by one step.
            ReadOnlySpan<float> states = saved.Hidden[saved.ColumnOffset..];
            int shifted = (seqLen - 1) * batch;
            int h0Rows = saved.Reverse ? shifted : 0;
            if (shifted > 0)
            {
                PackedGemm.PackTransposedRows(
                    saved.Reverse ? states[(batch * saved.Width)..] : states, saved.Width, shifted, hidden, rows, saved.Reverse ? 0 : batch, packedRows.Span);
            }

            if (saved.H0.IsEmpty)
            {
                PackedGemm.ClearRows(batch, hidden, rows, h0Rows, packedRows.Span);
            }
            else
            {
                PackedGemm.PackTransposedRows(saved.H0, hidden, batch, hidden, rows, h0Rows, packedRows.Span);
            }

            ChunkedGemm.Multiply(team, dzT, rows, packedRows, default, 0, gradients.WeightHh, hidden, hidden, hidden, rows);
        }

        if (!gradients.Bias.IsEmpty)
        {
            // db = Σ_rows dz, each column summed in row order (RecurrentLayerBackward.BiasGradient's order).
            ChunkedGemm.SumRows(team, dz, rows, hidden, gradients.Bias);
        }
    }
}
