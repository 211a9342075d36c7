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

        for (int i = 0; i < steps; i++)
        {
            // The forward's steps in reverse. Step t runs rows [0, n); the first `carried` of them continued from the
            // previous step of the forward (t ∓ 1), the rest started from h0 (all of them at the forward's first step).
            int t = reverse ? i : steps - 1 - i;
            int previous = reverse ? t + 1 : t - 1;
            int n = layout.BatchAt(t), offset = layout.Offset(t);
            int carried = Math.Min(n, layout.BatchAt(previous));

            // Rows whose sequence ends at this step (forwards: [BatchAt(t + 1), n); backwards: all, at t = 0) get
            // their output gradient here; the others got it in the previous iteration's product epilogue.
            int ending = reverse ? (i == 0 ? 0 : n) : Math.Min(n, layout.BatchAt(t + 1));
            AddOutputGradient(saved, t, state, dh.Span, state, ending, n);
            if (projects)
            {
                // h_t = m_t · W_hrᵀ: dm_t = dh_t · W_hr, and dh_t is kept for dW_hr.
                dh.Span[..(n * state)].CopyTo(dhAll.Span.Slice(offset * state, n * state));
                ChunkedGemm.Multiply(team, dh, state, weightHr, default, 0, dm, hidden, n, hidden, state, byPanels: true);
            }

            ReadOnlyMemory<float> hPrevious = PreviousStates(
                saved, layout, previous, carried, n, state, hidden, cell.HasCellState, gather, out int hPreviousStride, out ReadOnlyMemory<float> cPrevious);
            ChunkedCellBackward.Run(
                cell,
                new CellBackwardBuffers
                {
                    GradH = projects ? dm : dh,
                    GradC = dc,
                    H = saved.Hidden[((offset * saved.Width) + saved.ColumnOffset)..],
                    HStride = saved.Width,
                    HPrevious = hPrevious,
                    HPreviousStride = hPreviousStride,
                    CPrevious = cPrevious,
                    C = !cell.HasCellState ? default : saved.Cells.Slice(offset * hidden, n * hidden),
                    Saved = savedWidth == 0 ? default : saved.CellSaved.Slice(offset * savedWidth, n * savedWidth),
                    GradInputGates = dInputGates.Slice(offset * columns, n * columns),
                    GradHiddenGates = separate ? dHiddenGates.Slice(offset * columns, n * columns) : default,
                    GradHPreviousDirect = separate ? direct : default,
                    Batch = n,
                    Hidden = hidden,
                },
                team);

            // dh_(t∓1) = (dHg_t · W_hh) + dout_(t∓1) [+ the cell's direct share], the addition in the GEMM's epilogue,
            // for the carried rows; the rows that started from h0 get dh0 = dHg_t · W_hh [+ the direct share].
            ReadOnlyMemory<float> dStep = dHiddenGates.Slice(offset * columns, n * columns);
            if (carried > 0)
            {
                ReadOnlyMemory<float> addend = default;
                int ldAddend = 0;
                if (separate)
                {
                    AddOutputGradient(saved, previous, state, direct.Span, hidden, 0, carried);
                    (addend, ldAddend) = (direct, hidden);
                }
                else if (!saved.GradOutput.IsEmpty)
                {
                    (addend, ldAddend) = (saved.GradOutput[((layout.Offset(previous) * saved.Width) + saved.ColumnOffset)..], saved.Width);
                }

                ChunkedGemm.Multiply(team, dStep, columns, weightHh, addend, ldAddend, dh, state, carried, state, columns, byPanels: true);
            }

            if (carried < n && !gradients.H0.IsEmpty)
            {
                ChunkedGemm.Multiply(
                    team, dStep[(carried * columns)..], columns, weightHh, separate ? direct[(carried * hidden)..] : default,
                    separate ? hidden : 0, gradients.H0[(carried * state)..], state, n - carried, state, columns, byPanels: true);
            }
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

    /// <summary>
    /// <c>h_(t−1)</c> (with its row stride) and <c>c_(t−1)</c> of step <c>t</c>'s <paramref name="n"/> rows, as the
    /// forward read them: the previous step's, h0/c0 (empty for zeros) where none was carried, or both put together in
    /// <paramref name="gather"/> when a reverse variable-length step starts sequences.
    /// </summary>
    private static ReadOnlyMemory<float> PreviousStates(
        in RecurrentLayerSaved saved, StepLayout layout, int previous, int carried, int n, int state, int hidden, bool cells,
        Memory<float> gather, out int hStride, out ReadOnlyMemory<float> cPrevious)
    {
        hStride = state;
        cPrevious = default;
        if (carried == 0)
        {
            cPrevious = cells ? saved.C0 : default;
            return saved.H0;
        }

        ReadOnlyMemory<float> h = saved.Hidden[((layout.Offset(previous) * saved.Width) + saved.ColumnOffset)..];
        ReadOnlyMemory<float> c = cells ? saved.Cells.Slice(layout.Offset(previous) * hidden, carried * hidden) : default;
        if (carried == n)
        {
            hStride = saved.Width;
            cPrevious = c;
            return h;
        }

        Span<float> hg = gather.Span[..(n * state)];
        ReadOnlySpan<float> hRows = h.Span;
        for (int row = 0; row < carried; row++)
        {
            hRows.Slice(row * saved.Width, state).CopyTo(hg.Slice(row * state, state));
        }

        CopyInitialRows(saved.H0.Span, carried * state, hg[(carried * state)..]);
        if (cells)
        {
            Memory<float> cg = gather.Slice(layout.Batch * state, n * hidden);
            c.Span.CopyTo(cg.Span);
            CopyInitialRows(saved.C0.Span, carried * hidden, cg.Span[(carried * hidden)..]);
            cPrevious = cg;
        }

        return gather[..(n * state)];
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

    /// <summary>
    /// <c>destination[rows first..end] += dout_t</c>, this direction's columns of step <paramref name="t"/>'s output
    /// gradient (rows <paramref name="size"/> apart in <paramref name="destination"/>).
    /// </summary>
    private static void AddOutputGradient(in RecurrentLayerSaved saved, int t, int state, Span<float> destination, int size, int first, int end)
    {
        if (saved.GradOutput.IsEmpty)
        {
            return;
        }

        ReadOnlySpan<float> gradOutput = saved.GradOutput.Span;
        int offset = saved.Layout.Offset(t);
        for (int n = first; n < end; n++)
        {
            Span<float> row = destination.Slice(n * size, size);
            TensorPrimitives.Add(row, gradOutput.Slice(((offset + n) * saved.Width) + saved.ColumnOffset, state), row);
        }
    }
}
