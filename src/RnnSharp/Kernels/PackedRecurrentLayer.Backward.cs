using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>The backward of the packed layer's forward <c>Run</c>: back-propagation through time on <see cref="PackedGemm"/>.</summary>
internal sealed partial class PackedRecurrentLayer
{
    /// <summary>The workspace <see cref="Backward"/> needs for an Elman layer.</summary>
    public static int BackwardWorkspaceLength(int seqLen, int batch, int inputSize, int hiddenSize) =>
        BackwardWorkspaceLength(seqLen, batch, inputSize, hiddenSize, ElmanCellKernel.Tanh, hiddenSize, false);

    /// <summary>
    /// The workspace <see cref="Backward"/> needs: the gate gradients <c>(L·N, G·H)</c> (twice for a GRU) and one
    /// transposed copy, the step buffers, the packed weights and one packed block of <c>L·N</c> rows.
    /// </summary>
    public static int BackwardWorkspaceLength(
        int seqLen, int batch, int inputSize, int hiddenSize, RecurrentCellKernel cell, int stateSize, bool projects)
    {
        int rows = seqLen * batch;
        int columns = cell.Gates * hiddenSize;
        int widest = Math.Max(inputSize, Math.Max(hiddenSize, stateSize));
        return (rows * columns * (cell.SeparateHiddenGateGradient ? 3 : 2))
            + (batch * stateSize) + (3 * batch * hiddenSize) + (projects ? rows * stateSize : 0)
            + PackedGemm.PackedLength(stateSize, columns) + PackedGemm.PackedLength(inputSize, columns)
            + (projects ? PackedGemm.PackedLength(hiddenSize, stateSize) : 0)
            + PackedGemm.PackedLength(widest, rows);
    }

    /// <summary>
    /// Back-propagation through time for one direction, as llm.c's fused backward passes: per step the cell's
    /// backward (<see cref="RecurrentCellKernel.Backward"/>) turns <c>dh_t</c> (and <c>dc_t</c>) into the gradients of
    /// the step's two products, then one product <c>dh_(t−1) = dHg_t · W_hh</c> whose epilogue adds the output
    /// gradient of the previous step (and the cell's direct share); after the loop <c>dXg · W_ih</c>,
    /// <c>dXgᵀ · x</c>, <c>dHgᵀ · h_prev</c> (and <c>dhᵀ · m</c> for the projection) as one product each over all
    /// steps. The products (and the transposes and bias sums) are cut into chunks of whole output elements that
    /// <paramref name="team"/>'s helpers share (see <see cref="ChunkedGemm"/>), so results do not depend on the
    /// thread count. Writes every non-empty buffer of <paramref name="gradients"/>; allocates nothing.
    /// </summary>
    public static void Backward(
        in RecurrentLayerSaved saved, in RecurrentLayerGradients gradients, Memory<float> workspace, HelperTeam? team = null)
    {
        RecurrentCellKernel cell = saved.Cell ?? ElmanCellKernel.For(saved.Nonlinearity);
        int seqLen = saved.SeqLen, batch = saved.Batch, inputSize = saved.InputSize, hidden = saved.HiddenSize;
        int state = saved.StateSize == 0 ? hidden : saved.StateSize;
        int columns = cell.Gates * hidden, savedWidth = cell.SavedWidth(hidden);
        bool projects = !saved.WeightHr.IsEmpty, separate = cell.SeparateHiddenGateGradient;
        int rows = seqLen * batch;

        Memory<float> Take(int length)
        {
            Memory<float> taken = workspace[..length];
            workspace = workspace[length..];
            return taken;
        }

        Memory<float> dInputGates = Take(rows * columns);
        Memory<float> dHiddenGates = separate ? Take(rows * columns) : dInputGates;
        Memory<float> transposed = Take(rows * columns);
        Memory<float> dh = Take(batch * state);
        Memory<float> dc = Take(batch * hidden);
        Memory<float> direct = Take(batch * hidden);
        Memory<float> dm = Take(batch * hidden);
        Memory<float> dhAll = projects ? Take(rows * state) : default;
        Memory<float> weightHh = Take(PackedGemm.PackedLength(state, columns));
        Memory<float> weightIh = Take(PackedGemm.PackedLength(inputSize, columns));
        Memory<float> weightHr = projects ? Take(PackedGemm.PackedLength(hidden, state)) : default;
        Memory<float> packedRows = workspace;

        // dHg_t · W_hh = dHg_t · (W_hhᵀ)ᵀ: pack W_hhᵀ, which is W_hh's rows copied as they are.
        if (seqLen > 1 || !gradients.H0.IsEmpty)
        {
            PackedGemm.PackTransposedRows(saved.WeightHh, state, columns, state, columns, 0, weightHh.Span);
        }

        if (projects)
        {
            PackedGemm.PackTransposedRows(saved.WeightHr, hidden, state, hidden, state, 0, weightHr.Span);
        }

        // dh = dh_n + dout of the last step run; dc = dc_n.
        int last = saved.Reverse ? 0 : seqLen - 1;
        if (saved.GradHN.IsEmpty)
        {
            dh.Span.Clear();
        }
        else
        {
            saved.GradHN[..(batch * state)].CopyTo(dh.Span);
        }

        AddOutputGradient(saved, last, state, dh.Span, state);
        if (cell.HasCellState)
        {
            if (saved.GradCN.IsEmpty)
            {
                dc.Span.Clear();
            }
            else
            {
                saved.GradCN[..(batch * hidden)].CopyTo(dc.Span);
            }
        }

        for (int i = 0; i < seqLen; i++)
        {
            int t = saved.Reverse ? i : seqLen - 1 - i;
            int previous = saved.Reverse ? t + 1 : t - 1;
            bool first = i == seqLen - 1;
            if (projects)
            {
                // h_t = m_t · W_hrᵀ: dm_t = dh_t · W_hr, and dh_t is kept for dW_hr.
                dh.Span.CopyTo(dhAll.Span.Slice(t * batch * state, batch * state));
                ChunkedGemm.Multiply(team, dh, state, weightHr, default, 0, dm, hidden, batch, hidden, state, byPanels: true);
            }

            cell.Backward(new CellBackward
            {
                GradH = projects ? dm.Span : dh.Span,
                GradC = dc.Span,
                H = saved.Hidden[(((t * batch) * saved.Width) + saved.ColumnOffset)..],
                HStride = saved.Width,
                HPrevious = first ? saved.H0 : saved.Hidden[(((previous * batch) * saved.Width) + saved.ColumnOffset)..],
                HPreviousStride = first ? state : saved.Width,
                CPrevious = !cell.HasCellState ? default : first ? saved.C0 : saved.Cells.Slice(previous * batch * hidden, batch * hidden),
                C = !cell.HasCellState ? default : saved.Cells.Slice(t * batch * hidden, batch * hidden),
                Saved = savedWidth == 0 ? default : saved.CellSaved.Slice(t * batch * savedWidth, batch * savedWidth),
                GradInputGates = dInputGates.Span.Slice(t * batch * columns, batch * columns),
                GradHiddenGates = separate ? dHiddenGates.Span.Slice(t * batch * columns, batch * columns) : default,
                GradHPreviousDirect = separate ? direct.Span : default,
                Batch = batch,
                Hidden = hidden,
            });

            ReadOnlyMemory<float> dStep = dHiddenGates.Slice(t * batch * columns, batch * columns);
            if (!first)
            {
                // dh_(t−1) = (dHg_t · W_hh) + dout_(t−1) [+ the cell's direct share], the addition in the GEMM's epilogue.
                ReadOnlyMemory<float> addend = default;
                int ldAddend = 0;
                if (separate)
                {
                    AddOutputGradient(saved, previous, state, direct.Span, hidden);
                    (addend, ldAddend) = (direct, hidden);
                }
                else if (!saved.GradOutput.IsEmpty)
                {
                    (addend, ldAddend) = (saved.GradOutput[((previous * batch * saved.Width) + saved.ColumnOffset)..], saved.Width);
                }

                ChunkedGemm.Multiply(team, dStep, columns, weightHh, addend, ldAddend, dh, state, batch, state, columns, byPanels: true);
            }
            else if (!gradients.H0.IsEmpty)
            {
                ChunkedGemm.Multiply(
                    team, dStep, columns, weightHh, separate ? direct : default, separate ? hidden : 0, gradients.H0, state, batch, state, columns, byPanels: true);
            }
        }

        if (!gradients.C0.IsEmpty)
        {
            dc.Span.CopyTo(gradients.C0.Span);
        }

        if (!gradients.Input.IsEmpty)
        {
            // dx = dXg · W_ih (+ the other direction's share, through the epilogue's addend).
            PackedGemm.PackTransposedRows(saved.WeightIh, inputSize, columns, inputSize, columns, 0, weightIh.Span);
            ReadOnlyMemory<float> addend = gradients.AccumulateInput ? gradients.Input : default;
            ChunkedGemm.Multiply(team, dInputGates, columns, weightIh, addend, inputSize, gradients.Input, inputSize, rows, inputSize, columns);
        }

        if (!gradients.WeightIh.IsEmpty)
        {
            // dW_ih = dXgᵀ · x: the rows of x packed as they are.
            ChunkedGemm.Transpose(team, dInputGates, rows, columns, transposed);
            PackedGemm.PackTransposedRows(saved.Input, inputSize, rows, inputSize, rows, 0, packedRows.Span);
            ChunkedGemm.Multiply(team, transposed, rows, packedRows, default, 0, gradients.WeightIh, inputSize, columns, inputSize, rows);
        }

        if (!gradients.WeightHh.IsEmpty)
        {
            // dW_hh = dHgᵀ · h_prev, where h_prev of step t is h_(t∓1) or h0: the saved states shifted by one step.
            ChunkedGemm.Transpose(team, dHiddenGates, rows, columns, transposed);
            ReadOnlySpan<float> states = saved.Hidden[saved.ColumnOffset..];
            int shifted = (seqLen - 1) * batch;
            int h0Rows = saved.Reverse ? shifted : 0;
            if (shifted > 0)
            {
                PackedGemm.PackTransposedRows(
                    saved.Reverse ? states[(batch * saved.Width)..] : states, saved.Width, shifted, state, rows, saved.Reverse ? 0 : batch, packedRows.Span);
            }

            if (saved.H0.IsEmpty)
            {
                PackedGemm.ClearRows(batch, state, rows, h0Rows, packedRows.Span);
            }
            else
            {
                PackedGemm.PackTransposedRows(saved.H0, state, batch, state, rows, h0Rows, packedRows.Span);
            }

            ChunkedGemm.Multiply(team, transposed, rows, packedRows, default, 0, gradients.WeightHh, state, columns, state, rows);
        }

        if (projects && !gradients.WeightHr.IsEmpty)
        {
            // dW_hr = Σ_t dh_tᵀ · m_t.
            ChunkedGemm.Transpose(team, dhAll, rows, state, transposed);
            PackedGemm.PackTransposedRows(saved.Projections, hidden, rows, hidden, rows, 0, packedRows.Span);
            ChunkedGemm.Multiply(team, transposed, rows, packedRows, default, 0, gradients.WeightHr, hidden, state, hidden, rows);
        }

        // db_ih = Σ_rows dXg, db_hh = Σ_rows dHg, each column summed in row order.
        if (!gradients.Bias.IsEmpty)
        {
            ChunkedGemm.SumRows(team, dInputGates, rows, columns, gradients.Bias);
        }

        if (!gradients.BiasHh.IsEmpty)
        {
            if (separate || gradients.Bias.IsEmpty)
            {
                ChunkedGemm.SumRows(team, dHiddenGates, rows, columns, gradients.BiasHh);
            }
            else
            {
                gradients.Bias.Span.CopyTo(gradients.BiasHh.Span);
            }
        }
    }

    /// <summary><c>destination (N, size) += dout_t</c>, this direction's columns of step <paramref name="t"/>'s output gradient.</summary>
    private static void AddOutputGradient(in RecurrentLayerSaved saved, int t, int state, Span<float> destination, int size)
    {
        if (saved.GradOutput.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<float> gradOutput = saved.GradOutput.Span;
        for (int n = 0; n < saved.Batch; n++)
        {
            Span<float> row = destination.Slice(n * size, size);
            TensorPrimitives.Add(row, gradOutput.Slice((((t * saved.Batch) + n) * saved.Width) + saved.ColumnOffset, state), row);
        }
    }
}
