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

    /// <summary>The workspace <see cref="Backward"/> needs: dz <c>(L, N, H)</c> and dh <c>(N, H)</c>.</summary>
    public static int BackwardWorkspaceLength(int seqLen, int batch, int hiddenSize) => ((seqLen * batch) + batch) * hiddenSize;

    /// <summary>
    /// The backward of <see cref="Run"/> for one direction, with naive loops: the oracle for
    /// <see cref="PackedRecurrentLayer.Backward"/> (see <see cref="RecurrentLayerBackward"/> for the formulas).
    /// Writes every non-empty span of <paramref name="gradients"/>; allocates nothing.
    /// </summary>
    public static void Backward(in RecurrentLayerSaved saved, in RecurrentLayerGradients gradients, Span<float> workspace)
    {
        int seqLen = saved.SeqLen, batch = saved.Batch, inputSize = saved.InputSize, hidden = saved.HiddenSize;
        int rows = seqLen * batch;
        Span<float> dz = workspace[..(rows * hidden)];
        Span<float> dh = workspace.Slice(rows * hidden, batch * hidden);
        ReadOnlySpan<float> gradOutput = saved.GradOutput.Span;
        Span<float> dInput = gradients.Input.Span, dWeightIh = gradients.WeightIh.Span, dWeightHh = gradients.WeightHh.Span;

        RecurrentLayerBackward.FinalStateGradient(saved, dh);
        for (int i = 0; i < seqLen; i++)
        {
            int t = RecurrentLayerBackward.StepAt(saved, i);
            RecurrentLayerBackward.ActivationGradient(saved, t, dh, dz);
            bool first = i == seqLen - 1;
            Span<float> target = first ? gradients.H0.Span : dh;
            if (target.IsEmpty)
            {
                continue;
            }

            // dh_(t−1)[n, j] = dout_(t−1)[n, j] + Σ_i dz_t[n, i] · W_hh[i, j]
            int previous = RecurrentLayerBackward.PreviousStep(saved, t);
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> dzRow = dz.Slice(((t * batch) + n) * hidden, hidden);
                for (int j = 0; j < hidden; j++)
                {
                    float sum = 0f;
                    for (int k = 0; k < hidden; k++)
                    {
                        sum += dzRow[k] * saved.WeightHh[(k * hidden) + j];
                    }

                    target[(n * hidden) + j] = first || saved.GradOutput.IsEmpty
                        ? sum
                        : sum + gradOutput[(((previous * batch) + n) * saved.Width) + saved.ColumnOffset + j];
                }
            }
        }

        if (!gradients.Input.IsEmpty)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < inputSize; k++)
                {
                    float sum = 0f;
                    for (int j = 0; j < hidden; j++)
                    {
                        sum += dz[(r * hidden) + j] * saved.WeightIh[(j * inputSize) + k];
                    }

                    dInput[(r * inputSize) + k] = gradients.AccumulateInput ? dInput[(r * inputSize) + k] + sum : sum;
                }
            }
        }

        if (!gradients.WeightIh.IsEmpty)
        {
            dWeightIh[..(hidden * inputSize)].Clear();
            for (int r = 0; r < rows; r++)
            {
                for (int j = 0; j < hidden; j++)
                {
                    float g = dz[(r * hidden) + j];
                    for (int k = 0; k < inputSize; k++)
                    {
                        dWeightIh[(j * inputSize) + k] += g * saved.Input[(r * inputSize) + k];
                    }
                }
            }
        }

        if (!gradients.WeightHh.IsEmpty)
        {
            dWeightHh[..(hidden * hidden)].Clear();
            for (int t = 0; t < seqLen; t++)
            {
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<float> previous = RecurrentLayerBackward.PreviousState(saved, t, n);
                    if (previous.IsEmpty)
                    {
                        continue;
                    }

                    for (int j = 0; j < hidden; j++)
                    {
                        float g = dz[(((t * batch) + n) * hidden) + j];
                        for (int k = 0; k < hidden; k++)
                        {
                            dWeightHh[(j * hidden) + k] += g * previous[k];
                        }
                    }
                }
            }
        }

        if (!gradients.Bias.IsEmpty)
        {
            RecurrentLayerBackward.BiasGradient(dz, rows, hidden, gradients.Bias.Span);
        }
    }
}
