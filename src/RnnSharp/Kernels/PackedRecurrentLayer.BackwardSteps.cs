namespace RnnSharp.Kernels;

/// <summary>The time loop of <see cref="PackedRecurrentLayer.Backward"/>, over all batch rows or a block of them.</summary>
internal sealed partial class PackedRecurrentLayer
{
    /// <summary>
    /// What the backward's time loop reads and writes (shapes as in <see cref="Backward"/>: <c>N</c> batch, <c>H</c>
    /// hidden, <c>P</c> state, <c>G·H</c> gate columns). Batch rows never meet in the loop: every buffer below is
    /// read and written row by row, so blocks of rows can run it apart, on different threads, with the same bits.
    /// </summary>
    private readonly struct BackwardSteps
    {
        public RecurrentCellKernel Cell { get; init; }

        public StepLayout Layout { get; init; }

        public int State { get; init; }

        public int Hidden { get; init; }

        /// <summary>The row width of <see cref="Outputs"/> and <see cref="GradOutput"/>.</summary>
        public int Width { get; init; }

        /// <summary>This direction's first column in <see cref="Outputs"/> and <see cref="GradOutput"/>.</summary>
        public int ColumnOffset { get; init; }

        public bool Reverse { get; init; }

        /// <summary>The layer's output gradient <c>(R, W)</c>, or empty for zeros.</summary>
        public ReadOnlyMemory<float> GradOutput { get; init; }

        /// <summary>The layer's outputs <c>(R, W)</c> as the forward kept them.</summary>
        public ReadOnlyMemory<float> Outputs { get; init; }

        public ReadOnlyMemory<float> Cells { get; init; }

        public ReadOnlyMemory<float> CellSaved { get; init; }

        public ReadOnlyMemory<float> H0 { get; init; }

        public ReadOnlyMemory<float> C0 { get; init; }

        /// <summary><c>W_hh</c> packed for <c>dHg · W_hh</c>.</summary>
        public ReadOnlyMemory<float> WeightHh { get; init; }

        /// <summary><c>W_hr</c> packed for <c>dh · W_hr</c>, or empty.</summary>
        public ReadOnlyMemory<float> WeightHr { get; init; }

        /// <summary><c>dh</c> <c>(N, P)</c>: in, <c>dh_n</c>; carried from step to step.</summary>
        public Memory<float> GradH { get; init; }

        /// <summary><c>dc</c> <c>(N, H)</c>: in, <c>dc_n</c>; out, <c>dc0</c>.</summary>
        public Memory<float> GradC { get; init; }

        /// <summary>The cell's direct share of <c>dh_(t−1)</c> <c>(N, H)</c> (GRU).</summary>
        public Memory<float> Direct { get; init; }

        /// <summary><c>dm</c> <c>(N, H)</c> (LSTM with projection).</summary>
        public Memory<float> GradM { get; init; }

        /// <summary>Every step's <c>dh</c> <c>(R, P)</c>, kept for <c>dW_hr</c> (LSTM with projection).</summary>
        public Memory<float> GradHAll { get; init; }

        /// <summary>Room for a variable-length step's previous states <c>(N, P + H)</c>.</summary>
        public Memory<float> Gather { get; init; }

        public Memory<float> GradInputGates { get; init; }

        public Memory<float> GradHiddenGates { get; init; }

        /// <summary><c>dh0</c> <c>(N, P)</c>, or empty when not needed.</summary>
        public Memory<float> GradH0 { get; init; }

        /// <summary>
        /// Back-propagates batch rows <c>[first, end)</c> through every step. With <paramref name="team"/> (all rows
        /// only), each step's products and cell backward are split over its threads instead.
        /// </summary>
        public void Run(int first, int end, HelperTeam? team)
        {
            RecurrentCellKernel cell = Cell;
            StepLayout layout = Layout;
            int steps = layout.Steps, state = State, hidden = Hidden, columns = cell.Gates * hidden, savedWidth = cell.SavedWidth(hidden);
            bool projects = !WeightHr.IsEmpty, separate = cell.SeparateHiddenGateGradient;
            for (int i = 0; i < steps; i++)
            {
                // The forward's steps in reverse. Step t runs rows [0, n); the first `carried` of them continued from
                // the previous step of the forward (t ∓ 1), the rest started from h0 (all of them at its first step).
                int t = Reverse ? i : steps - 1 - i;
                int previous = Reverse ? t + 1 : t - 1;
                int n = layout.BatchAt(t), offset = layout.Offset(t);
                int carried = Math.Min(n, layout.BatchAt(previous));
                int last = Math.Min(end, n);
                if (last <= first)
                {
                    continue; // none of these rows runs at this step
                }

                // Rows whose sequence ends at this step (forwards: [BatchAt(t + 1), n); backwards: all, at t = 0) get
                // their output gradient here; the others got it in the previous iteration's product epilogue.
                int ending = Reverse ? (i == 0 ? 0 : n) : Math.Min(n, layout.BatchAt(t + 1));
                AddOutputGradient(t, GradH.Span, state, Math.Max(ending, first), last);
                int count = last - first;
                if (projects)
                {
                    // h_t = m_t · W_hrᵀ: dm_t = dh_t · W_hr, and dh_t is kept for dW_hr.
                    GradH.Span.Slice(first * state, count * state).CopyTo(GradHAll.Span.Slice((offset + first) * state, count * state));
                    Multiply(team, GradH[(first * state)..], state, WeightHr, default, 0, GradM[(first * hidden)..], hidden, count, hidden, state);
                }

                ReadOnlyMemory<float> hPrevious = PreviousStates(previous, carried, n, first, last, out int hPreviousStride, out ReadOnlyMemory<float> cPrevious);
                var buffers = new CellBackwardBuffers
                {
                    GradH = projects ? GradM : GradH,
                    GradC = GradC,
                    H = Outputs[((offset * Width) + ColumnOffset)..],
                    HStride = Width,
                    HPrevious = hPrevious,
                    HPreviousStride = hPreviousStride,
                    CPrevious = cPrevious,
                    C = !cell.HasCellState ? default : Cells.Slice(offset * hidden, n * hidden),
                    Saved = savedWidth == 0 ? default : CellSaved.Slice(offset * savedWidth, n * savedWidth),
                    GradInputGates = GradInputGates.Slice(offset * columns, n * columns),
                    GradHiddenGates = separate ? GradHiddenGates.Slice(offset * columns, n * columns) : default,
                    GradHPreviousDirect = separate ? Direct : default,
                    Batch = n,
                    Hidden = hidden,
                };
                if (team is null)
                {
                    cell.Backward(buffers.Rows(cell, first, count));
                }
                else
                {
                    ChunkedCellBackward.Run(cell, buffers, team);
                }

                // dh_(t∓1) = (dHg_t · W_hh) + dout_(t∓1) [+ the cell's direct share], the addition in the GEMM's
                // epilogue, for the carried rows; the rows that started from h0 get dh0 = dHg_t · W_hh [+ the direct share].
                ReadOnlyMemory<float> dStep = GradHiddenGates.Slice(offset * columns, n * columns);
                int carriedEnd = Math.Min(carried, last);
                if (carriedEnd > first)
                {
                    ReadOnlyMemory<float> addend = default;
                    int ldAddend = 0;
                    if (separate)
                    {
                        AddOutputGradient(previous, Direct.Span, hidden, first, carriedEnd);
                        (addend, ldAddend) = (Direct[(first * hidden)..], hidden);
                    }
                    else if (!GradOutput.IsEmpty)
                    {
                        (addend, ldAddend) = (GradOutput[((((layout.Offset(previous) + first) * Width) + ColumnOffset))..], Width);
                    }

                    Multiply(team, dStep[(first * columns)..], columns, WeightHh, addend, ldAddend, GradH[(first * state)..], state, carriedEnd - first, state, columns);
                }

                int startedFrom = Math.Max(carried, first);
                if (startedFrom < last && !GradH0.IsEmpty)
                {
                    Multiply(
                        team, dStep[(startedFrom * columns)..], columns, WeightHh, separate ? Direct[(startedFrom * hidden)..] : default,
                        separate ? hidden : 0, GradH0[(startedFrom * state)..], state, last - startedFrom, state, columns);
                }
            }
        }

        /// <summary>A step's product: split over <paramref name="team"/> by panels, or on this thread.</summary>
        private static void Multiply(
            HelperTeam? team, ReadOnlyMemory<float> a, int lda, ReadOnlyMemory<float> packed, ReadOnlyMemory<float> addend,
            int ldAddend, Memory<float> c, int ldc, int m, int n, int k)
        {
            if (team is null)
            {
                PackedGemm.Multiply(a.Span, lda, packed.Span, default, addend.Span, ldAddend, c.Span, ldc, m, n, k);
            }
            else
            {
                ChunkedGemm.Multiply(team, a, lda, packed, addend, ldAddend, c, ldc, m, n, k, byPanels: true);
            }
        }

        /// <summary>
        /// <c>h_(t−1)</c> (with its row stride) and <c>c_(t−1)</c> of step <c>t</c>'s rows, as the forward read them,
        /// for rows <c>[first, last)</c>: the previous step's, h0/c0 (empty for zeros) where none was carried, or both
        /// put together in <see cref="Gather"/> when a reverse variable-length step starts sequences.
        /// </summary>
        private ReadOnlyMemory<float> PreviousStates(
            int previous, int carried, int n, int first, int last, out int hStride, out ReadOnlyMemory<float> cPrevious)
        {
            int state = State, hidden = Hidden;
            bool cells = Cell.HasCellState;
            hStride = state;
            cPrevious = default;
            if (carried == 0)
            {
                cPrevious = cells ? C0 : default;
                return H0;
            }

            ReadOnlyMemory<float> h = Outputs[((Layout.Offset(previous) * Width) + ColumnOffset)..];
            ReadOnlyMemory<float> c = cells ? Cells.Slice(Layout.Offset(previous) * hidden, carried * hidden) : default;
            if (carried == n)
            {
                hStride = Width;
                cPrevious = c;
                return h;
            }

            Span<float> hg = Gather.Span[..(n * state)];
            ReadOnlySpan<float> hRows = h.Span;
            int carriedEnd = Math.Clamp(carried, first, last);
            for (int row = first; row < carriedEnd; row++)
            {
                hRows.Slice(row * Width, state).CopyTo(hg.Slice(row * state, state));
            }

            CopyInitialRows(H0.Span, carriedEnd * state, hg[(carriedEnd * state)..(last * state)]);
            if (cells)
            {
                Memory<float> cg = Gather.Slice(Layout.Batch * state, n * hidden);
                c.Span[(first * hidden)..(carriedEnd * hidden)].CopyTo(cg.Span[(first * hidden)..]);
                CopyInitialRows(C0.Span, carriedEnd * hidden, cg.Span[(carriedEnd * hidden)..(last * hidden)]);
                cPrevious = cg;
            }

            return Gather[..(n * state)];
        }

        /// <summary>
        /// <c>destination[rows first..end] += dout_t</c>, this direction's columns of step <paramref name="t"/>'s output
        /// gradient (rows <paramref name="size"/> apart in <paramref name="destination"/>).
        /// </summary>
        private void AddOutputGradient(int t, Span<float> destination, int size, int first, int end)
        {
            if (GradOutput.IsEmpty)
            {
                return;
            }

            ReadOnlySpan<float> gradOutput = GradOutput.Span;
            int offset = Layout.Offset(t);
            for (int n = first; n < end; n++)
            {
                Span<float> row = destination.Slice(n * size, size);
                System.Numerics.Tensors.TensorPrimitives.Add(row, gradOutput.Slice(((offset + n) * Width) + ColumnOffset, State), row);
            }
        }
    }

    /// <summary>Blocks of batch rows of one backward, each taken through every step by one thread.</summary>
    private sealed class RowsBackward : IChunkedWork
    {
        [ThreadStatic]
        private static RowsBackward? t_instance;

        private BackwardSteps _steps;
        private int _rowsPerChunk;

        /// <summary>Runs <paramref name="steps"/> over blocks of <paramref name="rowsPerChunk"/> rows on <paramref name="team"/> (or this thread alone).</summary>
        public static void Run(in BackwardSteps steps, HelperTeam? team, int rowsPerChunk)
        {
            RowsBackward job = t_instance ??= new RowsBackward();
            job._steps = steps;
            job._rowsPerChunk = rowsPerChunk;
            try
            {
                int chunks = (steps.Layout.Batch + rowsPerChunk - 1) / rowsPerChunk;
                if (team is null)
                {
                    HelperTeam.RunInline(job, chunks);
                }
                else
                {
                    team.Run(job, chunks);
                }
            }
            finally
            {
                job._steps = default;
            }
        }

        /// <inheritdoc/>
        public void Run(int chunk)
        {
            int first = chunk * _rowsPerChunk;
            _steps.Run(first, Math.Min(first + _rowsPerChunk, _steps.Layout.Batch), team: null);
        }
    }
}
