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
    /// transposed copy, the step buffers (with room to gather a variable-length step's previous states), the packed
    /// weights and one packed block of <c>L·N</c> rows. A variable-length layout of at most <c>L</c> steps of at most
    /// <c>N</c> rows needs no more.
    /// </summary>
    public static int BackwardWorkspaceLength(
        int seqLen, int batch, int inputSize, int hiddenSize, RecurrentCellKernel cell, int stateSize, bool projects)
    {
        int rows = seqLen * batch;
        int columns = cell.Gates * hiddenSize;
        int widest = Math.Max(inputSize, Math.Max(hiddenSize, stateSize));
        return (rows * columns * (cell.SeparateHiddenGateGradient ? 3 : 2))
            + (2 * batch * stateSize) + (4 * batch * hiddenSize) + (projects ? rows * stateSize : 0)
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
        StepLayout layout = saved.Layout;
        int steps = layout.Steps, batch = layout.Batch, inputSize = saved.InputSize, hidden = saved.HiddenSize;
        int state = saved.StateSize == 0 ? hidden : saved.StateSize;
        int columns = cell.Gates * hidden, savedWidth = cell.SavedWidth(hidden);
        bool projects = !saved.WeightHr.IsEmpty, separate = cell.SeparateHiddenGateGradient, reverse = saved.Reverse;
        int rows = layout.Rows;

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
        Memory<float> gather = layout.IsVariable ? Take(batch * (state + hidden)) : default;
        Memory<float> packedRows = workspace;

        // dHg_t · W_hh = dHg_t · (W_hhᵀ)ᵀ: pack W_hhᵀ, which is W_hh's rows copied as they are.
        if (steps > 1 || !gradients.H0.IsEmpty)
        {
            PackedGemm.PackTransposedRows(saved.WeightHh, state, columns, state, columns, 0, weightHh.Span);
        }

        if (projects)
        {
            PackedGemm.PackTransposedRows(saved.WeightHr, hidden, state, hidden, state, 0, weightHr.Span);
        }

        // dh = dh_n (every sequence's, from its own last step on); dc = dc_n.
        if (saved.GradHN.IsEmpty)
        {
            dh.Span.Clear();
        }
        else
        {
            saved.GradHN[..(batch * state)].CopyTo(dh.Span);
        }

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

        var args = new BackwardSteps
        {
            Cell = cell,
            Layout = layout,
            State = state,
            Hidden = hidden,
            Width = saved.Width,
            ColumnOffset = saved.ColumnOffset,
            Reverse = reverse,
            GradOutput = saved.GradOutput,
            Outputs = saved.Hidden,
            Cells = saved.Cells,
            CellSaved = saved.CellSaved,
            H0 = saved.H0,
            C0 = saved.C0,
            WeightHh = weightHh,
            WeightHr = weightHr,
            GradH = dh,
            GradC = dc,
            Direct = direct,
            GradM = dm,
            GradHAll = dhAll,
            Gather = gather,
            GradInputGates = dInputGates,
            GradHiddenGates = dHiddenGates,
            GradH0 = gradients.H0,
        };
        int threads = team is null ? 1 : team.Helpers + 1;
        if ((threads > 1 && 2.0 * batch * columns * state >= ParallelStepFlops && batch >= RowBlock * threads) || t_testRowBlock > 0)
        {
            // As the forward: each thread takes its own batch rows back through every step, with no hand-off.
            RowsBackward.Run(args, team, t_testRowBlock > 0 ? t_testRowBlock : RowsPerChunk(batch, threads));
        }
        else
        {
            args.Run(0, batch, team);
        }

        if (!gradients.C0.IsEmpty)
        {
            // Each row of dc last changed at the step its sequence started from c0.
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
            // dW_hh = dHgᵀ · h_prev, where h_prev of step t is h_(t∓1) or h0.
            ChunkedGemm.Transpose(team, dHiddenGates, rows, columns, transposed);
            if (layout.IsVariable)
            {
                PackPreviousStates(saved, layout, state, packedRows.Span);
            }
            else
            {
                // Dense: the saved states shifted by one step.
                ReadOnlySpan<float> states = saved.Hidden.Span[saved.ColumnOffset..];
                int shifted = (steps - 1) * batch;
                int h0Rows = reverse ? shifted : 0;
                if (shifted > 0)
                {
                    PackedGemm.PackTransposedRows(
                        reverse ? states[(batch * saved.Width)..] : states, saved.Width, shifted, state, rows, reverse ? 0 : batch, packedRows.Span);
                }

                PackInitialStates(saved.H0.Span, 0, batch, state, rows, h0Rows, packedRows.Span);
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

    /// <summary>Rows of h0 or c0 from element <paramref name="start"/> on, or zeros when the caller gave none.</summary>
    private static void CopyInitialRows(ReadOnlySpan<float> initial, int start, Span<float> destination)
    {
        if (initial.IsEmpty)
        {
            destination.Clear();
        }
        else
        {
            initial.Slice(start, destination.Length).CopyTo(destination);
        }
    }

    /// <summary>
    /// Packs <c>h_prev</c> of every row of a variable-length layout for <c>dW_hh</c>: step <c>t</c>'s row <c>r</c> is
    /// the previous step's row <c>r</c> where that step ran it, else h0's row <c>r</c>.
    /// </summary>
    private static void PackPreviousStates(in RecurrentLayerSaved saved, StepLayout layout, int state, Span<float> packed)
    {
        ReadOnlySpan<float> states = saved.Hidden.Span[saved.ColumnOffset..];
        int rows = layout.Rows;
        for (int t = 0; t < layout.Steps; t++)
        {
            int previous = saved.Reverse ? t + 1 : t - 1;
            int n = layout.BatchAt(t), carried = Math.Min(n, layout.BatchAt(previous)), offset = layout.Offset(t);
            if (carried > 0)
            {
                PackedGemm.PackTransposedRows(states[(layout.Offset(previous) * saved.Width)..], saved.Width, carried, state, rows, offset, packed);
            }

            PackInitialStates(saved.H0.Span, carried, n - carried, state, rows, offset + carried, packed);
        }
    }

    /// <summary>Packs h0's rows <c>[first, first + count)</c> (zeros when the caller gave none) as rows from <paramref name="kOffset"/> on.</summary>
    private static void PackInitialStates(ReadOnlySpan<float> h0, int first, int count, int state, int rows, int kOffset, Span<float> packed)
    {
        if (count == 0)
        {
            return;
        }

        if (h0.IsEmpty)
        {
            PackedGemm.ClearRows(count, state, rows, kOffset, packed);
        }
        else
        {
            PackedGemm.PackTransposedRows(h0[(first * state)..], state, count, state, rows, kOffset, packed);
        }
    }
}
