using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace RnnSharp.Kernels;

/// <summary>
/// The LSTM cell, in ATen's order of operations (<c>LSTMCell</c> in aten/src/ATen/native/RNN.cpp): with
/// <c>a = (h_(t−1) · W_hhᵀ + b_hh) + (x_t · W_ihᵀ + b_ih)</c> split into gates i, f, g, o,
/// <c>c_t = σ(a_f) ⊙ c_(t−1) + σ(a_i) ⊙ tanh(a_g)</c> and <c>h_t = σ(a_o) ⊙ tanh(c_t)</c> (before the projection
/// <c>W_hr</c>, which the engine applies). Kept for the backward: the four activated gates.
/// </summary>
internal sealed class LstmCellKernel : RecurrentCellKernel
{
    private LstmCellKernel()
    {
    }

    /// <summary>Below this hidden size the gate math runs element by element (<see cref="ForwardScalar"/>).</summary>
    internal const int ScalarBelow = 16;

    /// <summary>The one instance.</summary>
    public static LstmCellKernel Instance { get; } = new();

    /// <inheritdoc/>
    public override int Gates => 4;

    /// <inheritdoc/>
    public override bool HasCellState => true;

    /// <inheritdoc/>
    public override int SavedWidth(int hidden) => 4 * hidden;

    /// <inheritdoc/>
    public override void Forward(in CellForward step, int unitStart, int unitEnd)
    {
        if (step.Hidden < ScalarBelow)
        {
            ForwardScalar(step, unitStart, unitEnd);
        }
        else
        {
            ForwardFused(step, unitStart, unitEnd);
        }
    }

    /// <summary>
    /// The gate math of each batch row in two passes over its units: one short loop per gate writes the activated gate
    /// (over the raw one, or into the saved values when recording), then one loop forms <c>c_t</c> and <c>h_t</c>.
    /// The same operations in the same order as <see cref="ForwardSpans"/>, so the same bits (with
    /// <see cref="SigmoidKernel.Lane"/> in the scalar tail).
    /// </summary>
    /// <remarks>
    /// One loop body with all of the gate math took 27% longer (33.5 against 26.3 ns per 16 units, LSTM small on
    /// AVX-512): its <c>tanh(c_t)</c> waits on all four gates, and that chain is longer than the core can look ahead,
    /// while the loops of one gate each run their independent iterations side by side. The activated gates make one
    /// round trip through L1.
    /// </remarks>
    internal static void ForwardFused(in CellForward step, int unitStart, int unitEnd)
    {
        int j = ForwardLanes<Lanes512>(step, unitStart, unitEnd);
        j = ForwardLanes<Lanes256>(step, j, unitEnd);
        if (j < unitEnd)
        {
            for (int n = 0; n < step.Batch; n++)
            {
                ForwardRow(step, n, j, unitEnd);
            }
        }
    }

    /// <summary>
    /// Units from <paramref name="unitStart"/> of every batch row, as many as fill whole vectors of
    /// <typeparamref name="T"/>; returns where they stop. One call for all rows, so the constants of σ and tanh are
    /// loaded into registers once.
    /// </summary>
    private static int ForwardLanes<T>(in CellForward step, int unitStart, int unitEnd)
        where T : struct, IFloatLanes<T>
    {
        int hidden = step.Hidden, width = 4 * hidden;
        int whole = (unitEnd - unitStart) / T.Count * T.Count;
        if (!T.IsHardwareAccelerated || whole == 0)
        {
            return unitStart;
        }

        nuint fGate = (nuint)hidden, gGate = (nuint)(2 * hidden), oGate = (nuint)(3 * hidden), end = (nuint)whole, lanes = (nuint)T.Count;
        for (int n = 0; n < step.Batch; n++)
        {
            ref float a = ref MemoryMarshal.GetReference(step.Gates.Slice((n * width) + unitStart, width - unitStart));
            ref float activated = ref step.Saved.IsEmpty ? ref a : ref MemoryMarshal.GetReference(step.Saved.Slice((n * width) + unitStart, width - unitStart));
            for (nuint j = 0; j < end; j += lanes)
            {
                T.Sigmoid(T.Load(ref a, j)).Store(ref activated, j);
            }

            for (nuint j = fGate; j < fGate + end; j += lanes)
            {
                T.Sigmoid(T.Load(ref a, j)).Store(ref activated, j);
            }

            for (nuint j = gGate; j < gGate + end; j += lanes)
            {
                T.Tanh(T.Load(ref a, j)).Store(ref activated, j);
            }

            for (nuint j = oGate; j < oGate + end; j += lanes)
            {
                T.Sigmoid(T.Load(ref a, j)).Store(ref activated, j);
            }

            ref float cPrevious = ref MemoryMarshal.GetReference(step.CPrevious.Slice((n * hidden) + unitStart, whole));
            ref float c = ref MemoryMarshal.GetReference(step.C.Slice((n * hidden) + unitStart, whole));
            ref float h = ref MemoryMarshal.GetReference(step.H.Slice((n * step.HStride) + unitStart, whole));
            for (nuint j = 0; j < end; j += lanes)
            {
                T cell = (T.Load(ref activated, fGate + j) * T.Load(ref cPrevious, j)) + (T.Load(ref activated, j) * T.Load(ref activated, gGate + j));
                cell.Store(ref c, j);
                (T.Load(ref activated, oGate + j) * T.Tanh(cell)).Store(ref h, j);
            }
        }

        return unitStart + whole;
    }

    /// <summary>
    /// The gate math as separate passes over spans of units (<see cref="SigmoidKernel.Forward"/>,
    /// <see cref="TanhKernel.Forward"/>, <see cref="TensorPrimitives"/>' arithmetic): the fused loop's oracle, bit for bit
    /// <see cref="ForwardFused"/> on any span.
    /// </summary>
    internal static void ForwardSpans(in CellForward step, int unitStart, int unitEnd)
    {
        int hidden = step.Hidden, units = unitEnd - unitStart, width = 4 * hidden;

        for (int n = 0; n < step.Batch; n++)
        {
            Span<float> a = step.Gates.Slice(n * width, width);
            Span<float> activated = step.Saved.IsEmpty ? a : step.Saved.Slice(n * width, width);
            Span<float> i = activated.Slice(unitStart, units);
            Span<float> f = activated.Slice(hidden + unitStart, units);
            Span<float> g = activated.Slice((2 * hidden) + unitStart, units);
            Span<float> o = activated.Slice((3 * hidden) + unitStart, units);
            SigmoidKernel.Forward(a.Slice(unitStart, units), i);
            SigmoidKernel.Forward(a.Slice(hidden + unitStart, units), f);
            TanhKernel.Forward(a.Slice((2 * hidden) + unitStart, units), g);
            SigmoidKernel.Forward(a.Slice((3 * hidden) + unitStart, units), o);

            // c_t = (f ⊙ c_(t−1)) + (i ⊙ g), each product rounded, as ATen's (forgetgate * cx).add_(ingate * cellgate).
            Span<float> c = step.C.Slice((n * hidden) + unitStart, units);
            Span<float> h = step.H.Slice((n * step.HStride) + unitStart, units);
            TensorPrimitives.Multiply(f, step.CPrevious.Slice((n * hidden) + unitStart, units), c);
            TensorPrimitives.Multiply(i, g, h);
            TensorPrimitives.Add(c, h, c);

            // h_t = o ⊙ tanh(c_t).
            TanhKernel.Forward(c, h);
            TensorPrimitives.Multiply(o, h, h);
        }
    }

    /// <summary>
    /// The same gate math one element at a time, for hidden sizes too small for vectors to pay (a tiny model's step
    /// would otherwise be a few dozen calls on spans of one or two elements). Chosen by the hidden size alone, so a
    /// module always takes the same path, whatever the thread count.
    /// </summary>
    private static void ForwardScalar(in CellForward step, int unitStart, int unitEnd)
    {
        for (int n = 0; n < step.Batch; n++)
        {
            ForwardRow(step, n, unitStart, unitEnd);
        }
    }

    /// <summary>
    /// Units <c>[unitStart, unitEnd)</c> of batch row <paramref name="n"/>, element by element, σ with
    /// <see cref="SigmoidKernel.Lane"/> (the vector loops' bits).
    /// </summary>
    private static void ForwardRow(in CellForward step, int n, int unitStart, int unitEnd)
    {
        int hidden = step.Hidden, width = 4 * hidden;
        Span<float> a = step.Gates.Slice(n * width, width);
        Span<float> activated = step.Saved.IsEmpty ? a : step.Saved.Slice(n * width, width);
        for (int j = unitStart; j < unitEnd; j++)
        {
            float i = SigmoidKernel.Lane(a[j]), f = SigmoidKernel.Lane(a[hidden + j]);
            float g = TanhKernel.Reference(a[(2 * hidden) + j]), o = SigmoidKernel.Lane(a[(3 * hidden) + j]);
            activated[j] = i;
            activated[hidden + j] = f;
            activated[(2 * hidden) + j] = g;
            activated[(3 * hidden) + j] = o;
            float c = (f * step.CPrevious[(n * hidden) + j]) + (i * g);
            step.C[(n * hidden) + j] = c;
            step.H[(n * step.HStride) + j] = o * TanhKernel.Reference(c);
        }
    }

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        int j = BackwardLanes<Lanes512>(step, 0);
        j = BackwardLanes<Lanes256>(step, j);
        if (j < step.Hidden)
        {
            for (int n = 0; n < step.Batch; n++)
            {
                BackwardRow(step, n, j);
            }
        }
    }

    /// <summary>
    /// Units from <paramref name="unitStart"/> of every batch row, as many as fill whole vectors of
    /// <typeparamref name="T"/>, the operations of <see cref="BackwardRow"/> in its order; returns where they stop.
    /// Per row, one loop first takes <c>tanh(c_t)</c> into the output gate's gradient slot, which the second loop reads
    /// before it writes that gradient there: short loop bodies, as in the forward.
    /// </summary>
    private static int BackwardLanes<T>(in CellBackward step, int unitStart)
        where T : struct, IFloatLanes<T>
    {
        int hidden = step.Hidden, width = 4 * hidden;
        int whole = (hidden - unitStart) / T.Count * T.Count;
        if (!T.IsHardwareAccelerated || whole == 0)
        {
            return unitStart;
        }

        bool zeroCell = step.CPrevious.IsEmpty;
        nuint fGate = (nuint)hidden, gGate = (nuint)(2 * hidden), oGate = (nuint)(3 * hidden), end = (nuint)(unitStart + whole), lanes = (nuint)T.Count;
        for (int n = 0; n < step.Batch; n++)
        {
            ref float gates = ref MemoryMarshal.GetReference(step.Saved.Slice(n * width, width));
            ref float dh = ref MemoryMarshal.GetReference(step.GradH.Slice(n * hidden, hidden));
            ref float dc = ref MemoryMarshal.GetReference(step.GradC.Slice(n * hidden, hidden));
            ref float cPrevious = ref zeroCell ? ref dc : ref MemoryMarshal.GetReference(step.CPrevious.Slice(n * hidden, hidden));
            ref float cells = ref MemoryMarshal.GetReference(step.C.Slice(n * hidden, hidden));
            ref float da = ref MemoryMarshal.GetReference(step.GradInputGates.Slice(n * width, width));
            for (nuint j = (nuint)unitStart; j < end; j += lanes)
            {
                T.Tanh(T.Load(ref cells, j)).Store(ref da, oGate + j);
            }

            for (nuint j = (nuint)unitStart; j < end; j += lanes)
            {
                T i = T.Load(ref gates, j), f = T.Load(ref gates, fGate + j), g = T.Load(ref gates, gGate + j), o = T.Load(ref gates, oGate + j);
                T cp = zeroCell ? T.Zero : T.Load(ref cPrevious, j);
                T tc = T.Load(ref da, oGate + j);
                T gradH = T.Load(ref dh, j);
                T dct = (gradH * o * (T.One - (tc * tc))) + T.Load(ref dc, j);
                (dct * g * (T.One - i) * i).Store(ref da, j);
                (dct * cp * (T.One - f) * f).Store(ref da, fGate + j);
                (dct * i * (T.One - (g * g))).Store(ref da, gGate + j);
                (gradH * tc * (T.One - o) * o).Store(ref da, oGate + j);
                (dct * f).Store(ref dc, j);
            }
        }

        return unitStart + whole;
    }

    /// <summary>The backward one element at a time: <see cref="Backward"/>'s oracle (its vector loops give the same bits) and tail.</summary>
    internal static void BackwardScalar(in CellBackward step)
    {
        for (int n = 0; n < step.Batch; n++)
        {
            BackwardRow(step, n, 0);
        }
    }

    /// <summary>Units <c>[unitStart, H)</c> of batch row <paramref name="n"/>.</summary>
    private static void BackwardRow(in CellBackward step, int n, int unitStart)
    {
        int hidden = step.Hidden, width = 4 * hidden;
        ReadOnlySpan<float> gates = step.Saved.Slice(n * width, width);
        ReadOnlySpan<float> dh = step.GradH.Slice(n * hidden, hidden);
        Span<float> dc = step.GradC.Slice(n * hidden, hidden);
        ReadOnlySpan<float> cPrevious = step.CPrevious.IsEmpty ? default : step.CPrevious.Slice(n * hidden, hidden);
        ReadOnlySpan<float> cells = step.C.Slice(n * hidden, hidden);
        Span<float> da = step.GradInputGates.Slice(n * width, width);
        for (int j = unitStart; j < hidden; j++)
        {
            float i = gates[j], f = gates[hidden + j], g = gates[(2 * hidden) + j], o = gates[(3 * hidden) + j];
            float cp = cPrevious.IsEmpty ? 0f : cPrevious[j];
            float c = cells[j];
            float tc = TanhKernel.Reference(c);
            // Autograd's order of operations over ATen's forward: mul, add, tanh and sigmoid backward
            // (grad · (1 − y) · y and grad · (1 − y²)).
            float dct = (dh[j] * o * (1f - (tc * tc))) + dc[j];
            da[j] = dct * g * (1f - i) * i;
            da[hidden + j] = dct * cp * (1f - f) * f;
            da[(2 * hidden) + j] = dct * i * (1f - (g * g));
            da[(3 * hidden) + j] = dh[j] * tc * (1f - o) * o;
            dc[j] = dct * f;
        }
    }
}
