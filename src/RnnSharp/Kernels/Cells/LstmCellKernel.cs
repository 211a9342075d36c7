using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// The gate math in one pass over the units of each batch row, the four gates, <c>c_t</c> and <c>h_t</c> in
    /// registers: the same operations in the same order as <see cref="ForwardSpans"/>, so the same bits (with
    /// <see cref="SigmoidKernel.Lane"/> in the scalar tail). Writes the activated gates only when recording.
    /// </summary>
    internal static void ForwardFused(in CellForward step, int unitStart, int unitEnd)
    {
        int hidden = step.Hidden, units = unitEnd - unitStart, width = 4 * hidden;
        bool keep = !step.Saved.IsEmpty;
        nuint fGate = (nuint)hidden, gGate = (nuint)(2 * hidden), oGate = (nuint)(3 * hidden);
        for (int n = 0; n < step.Batch; n++)
        {
            Span<float> aRow = step.Gates.Slice((n * width) + unitStart, width - unitStart);
            Span<float> keptRow = keep ? step.Saved.Slice((n * width) + unitStart, width - unitStart) : aRow;
            ref float a = ref MemoryMarshal.GetReference(aRow);
            ref float kept = ref MemoryMarshal.GetReference(keptRow);
            ref float cPrevious = ref MemoryMarshal.GetReference(step.CPrevious.Slice((n * hidden) + unitStart, units));
            ref float c = ref MemoryMarshal.GetReference(step.C.Slice((n * hidden) + unitStart, units));
            ref float h = ref MemoryMarshal.GetReference(step.H.Slice((n * step.HStride) + unitStart, units));
            nuint j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; (int)j <= units - Vector512<float>.Count; j += (nuint)Vector512<float>.Count)
                {
                    Vector512<float> i = SigmoidKernel.Sigmoid(Vector512.LoadUnsafe(ref a, j));
                    Vector512<float> f = SigmoidKernel.Sigmoid(Vector512.LoadUnsafe(ref a, fGate + j));
                    Vector512<float> g = TanhKernel.Tanh(Vector512.LoadUnsafe(ref a, gGate + j));
                    Vector512<float> o = SigmoidKernel.Sigmoid(Vector512.LoadUnsafe(ref a, oGate + j));
                    if (keep)
                    {
                        i.StoreUnsafe(ref kept, j);
                        f.StoreUnsafe(ref kept, fGate + j);
                        g.StoreUnsafe(ref kept, gGate + j);
                        o.StoreUnsafe(ref kept, oGate + j);
                    }

                    Vector512<float> cell = (f * Vector512.LoadUnsafe(ref cPrevious, j)) + (i * g);
                    cell.StoreUnsafe(ref c, j);
                    (o * TanhKernel.Tanh(cell)).StoreUnsafe(ref h, j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; (int)j <= units - Vector256<float>.Count; j += (nuint)Vector256<float>.Count)
                {
                    Vector256<float> i = SigmoidKernel.Sigmoid(Vector256.LoadUnsafe(ref a, j));
                    Vector256<float> f = SigmoidKernel.Sigmoid(Vector256.LoadUnsafe(ref a, fGate + j));
                    Vector256<float> g = TanhKernel.Tanh(Vector256.LoadUnsafe(ref a, gGate + j));
                    Vector256<float> o = SigmoidKernel.Sigmoid(Vector256.LoadUnsafe(ref a, oGate + j));
                    if (keep)
                    {
                        i.StoreUnsafe(ref kept, j);
                        f.StoreUnsafe(ref kept, fGate + j);
                        g.StoreUnsafe(ref kept, gGate + j);
                        o.StoreUnsafe(ref kept, oGate + j);
                    }

                    Vector256<float> cell = (f * Vector256.LoadUnsafe(ref cPrevious, j)) + (i * g);
                    cell.StoreUnsafe(ref c, j);
                    (o * TanhKernel.Tanh(cell)).StoreUnsafe(ref h, j);
                }
            }

            ForwardRow(step, n, unitStart + (int)j, unitEnd, vectorExp: true);
        }
    }

    /// <summary>
    /// The gate math as separate <see cref="TensorPrimitives"/> passes over spans of units (the fused loop's oracle).
    /// Bit for bit <see cref="ForwardFused"/> on spans of 4 units or more (see <see cref="SigmoidKernel"/>).
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
            TensorPrimitives.Sigmoid(a.Slice(unitStart, units), i);
            TensorPrimitives.Sigmoid(a.Slice(hidden + unitStart, units), f);
            TanhKernel.Forward(a.Slice((2 * hidden) + unitStart, units), g);
            TensorPrimitives.Sigmoid(a.Slice((3 * hidden) + unitStart, units), o);

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
            ForwardRow(step, n, unitStart, unitEnd, vectorExp: false);
        }
    }

    /// <summary>
    /// Units <c>[unitStart, unitEnd)</c> of batch row <paramref name="n"/>, element by element, σ with
    /// <see cref="SigmoidKernel.Lane"/> (<paramref name="vectorExp"/>: the vector loops' bits) or
    /// <see cref="SigmoidKernel.Reference"/>.
    /// </summary>
    private static void ForwardRow(in CellForward step, int n, int unitStart, int unitEnd, bool vectorExp)
    {
        int hidden = step.Hidden, width = 4 * hidden;
        Span<float> a = step.Gates.Slice(n * width, width);
        Span<float> activated = step.Saved.IsEmpty ? a : step.Saved.Slice(n * width, width);
        for (int j = unitStart; j < unitEnd; j++)
        {
            float i = Sigmoid(a[j], vectorExp), f = Sigmoid(a[hidden + j], vectorExp);
            float g = TanhKernel.Reference(a[(2 * hidden) + j]), o = Sigmoid(a[(3 * hidden) + j], vectorExp);
            activated[j] = i;
            activated[hidden + j] = f;
            activated[(2 * hidden) + j] = g;
            activated[(3 * hidden) + j] = o;
            float c = (f * step.CPrevious[(n * hidden) + j]) + (i * g);
            step.C[(n * hidden) + j] = c;
            step.H[(n * step.HStride) + j] = o * TanhKernel.Reference(c);
        }
    }

    private static float Sigmoid(float x, bool vectorExp) => vectorExp ? SigmoidKernel.Lane(x) : SigmoidKernel.Reference(x);

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        int hidden = step.Hidden, width = 4 * hidden;
        bool zeroCell = step.CPrevious.IsEmpty;
        nuint fGate = (nuint)hidden, gGate = (nuint)(2 * hidden), oGate = (nuint)(3 * hidden);
        for (int n = 0; n < step.Batch; n++)
        {
            ref float gates = ref MemoryMarshal.GetReference(step.Saved.Slice(n * width, width));
            ref float dh = ref MemoryMarshal.GetReference(step.GradH.Slice(n * hidden, hidden));
            ref float dc = ref MemoryMarshal.GetReference(step.GradC.Slice(n * hidden, hidden));
            ref float cPrevious = ref zeroCell ? ref dc : ref MemoryMarshal.GetReference(step.CPrevious.Slice(n * hidden, hidden));
            ref float cells = ref MemoryMarshal.GetReference(step.C.Slice(n * hidden, hidden));
            ref float da = ref MemoryMarshal.GetReference(step.GradInputGates.Slice(n * width, width));
            nuint j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; (int)j <= hidden - Vector512<float>.Count; j += (nuint)Vector512<float>.Count)
                {
                    Vector512<float> i = Vector512.LoadUnsafe(ref gates, j), f = Vector512.LoadUnsafe(ref gates, fGate + j);
                    Vector512<float> g = Vector512.LoadUnsafe(ref gates, gGate + j), o = Vector512.LoadUnsafe(ref gates, oGate + j);
                    Vector512<float> cp = zeroCell ? Vector512<float>.Zero : Vector512.LoadUnsafe(ref cPrevious, j);
                    Vector512<float> tc = TanhKernel.Tanh(Vector512.LoadUnsafe(ref cells, j));
                    Vector512<float> gradH = Vector512.LoadUnsafe(ref dh, j);
                    Vector512<float> dct = (gradH * o * (Vector512<float>.One - (tc * tc))) + Vector512.LoadUnsafe(ref dc, j);
                    (dct * g * (Vector512<float>.One - i) * i).StoreUnsafe(ref da, j);
                    (dct * cp * (Vector512<float>.One - f) * f).StoreUnsafe(ref da, fGate + j);
                    (dct * i * (Vector512<float>.One - (g * g))).StoreUnsafe(ref da, gGate + j);
                    (gradH * tc * (Vector512<float>.One - o) * o).StoreUnsafe(ref da, oGate + j);
                    (dct * f).StoreUnsafe(ref dc, j);
                }
            }

            if (Vector256.IsHardwareAccelerated)
            {
                for (; (int)j <= hidden - Vector256<float>.Count; j += (nuint)Vector256<float>.Count)
                {
                    Vector256<float> i = Vector256.LoadUnsafe(ref gates, j), f = Vector256.LoadUnsafe(ref gates, fGate + j);
                    Vector256<float> g = Vector256.LoadUnsafe(ref gates, gGate + j), o = Vector256.LoadUnsafe(ref gates, oGate + j);
                    Vector256<float> cp = zeroCell ? Vector256<float>.Zero : Vector256.LoadUnsafe(ref cPrevious, j);
                    Vector256<float> tc = TanhKernel.Tanh(Vector256.LoadUnsafe(ref cells, j));
                    Vector256<float> gradH = Vector256.LoadUnsafe(ref dh, j);
                    Vector256<float> dct = (gradH * o * (Vector256<float>.One - (tc * tc))) + Vector256.LoadUnsafe(ref dc, j);
                    (dct * g * (Vector256<float>.One - i) * i).StoreUnsafe(ref da, j);
                    (dct * cp * (Vector256<float>.One - f) * f).StoreUnsafe(ref da, fGate + j);
                    (dct * i * (Vector256<float>.One - (g * g))).StoreUnsafe(ref da, gGate + j);
                    (gradH * tc * (Vector256<float>.One - o) * o).StoreUnsafe(ref da, oGate + j);
                    (dct * f).StoreUnsafe(ref dc, j);
                }
            }

            BackwardRow(step, n, (int)j);
        }
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
