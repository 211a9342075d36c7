using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace RnnSharp.Kernels;

/// <summary>
/// The GRU cell, in ATen's order of operations (<c>GRUCell</c> in aten/src/ATen/native/RNN.cpp): with the input
/// projection <c>x_t · W_ihᵀ + b_ih</c> split into gates <c>(i_r, i_z, i_n)</c> and the step product
/// <c>h_(t−1) · W_hhᵀ + b_hh</c> into <c>(h_r, h_z, h_n)</c>: <c>r = σ(h_r + i_r)</c>, <c>z = σ(h_z + i_z)</c>,
/// <c>n = tanh(i_n + r ⊙ h_n)</c> (so <c>b_hn</c> sits inside <c>r ⊙ (W_hn h + b_hn)</c>), and
/// <c>h_t = (h_(t−1) − n) ⊙ z + n</c>. Kept for the backward: r, z, n and h_n.
/// </summary>
internal sealed class GruCellKernel : RecurrentCellKernel
{
    private GruCellKernel()
    {
    }

    /// <summary>The one instance.</summary>
    public static GruCellKernel Instance { get; } = new();

    /// <inheritdoc/>
    public override int Gates => 3;

    /// <inheritdoc/>
    public override bool AddsInputInProduct => false;

    /// <inheritdoc/>
    public override bool SeparateHiddenGateGradient => true;

    /// <inheritdoc/>
    public override int SavedWidth(int hidden) => 4 * hidden;

    /// <inheritdoc/>
    public override void Forward(in CellForward step, int unitStart, int unitEnd)
    {
        if (step.Hidden < LstmCellKernel.ScalarBelow)
        {
            ForwardScalar(step, unitStart, unitEnd);
        }
        else
        {
            ForwardFused(step, unitStart, unitEnd);
        }
    }

    /// <summary>
    /// The gate math of each batch row in three passes over its units: r, then z (each written over its gate of the
    /// step product, or into the saved values when recording), then n and <c>h_t</c>. The same operations in the same
    /// order as <see cref="ForwardSpans"/>, so the same bits (with <see cref="SigmoidKernel.Lane"/> in the scalar tail).
    /// Short loop bodies whose iterations the core runs side by side, as <see cref="LstmCellKernel.ForwardFused"/>'s.
    /// </summary>
    internal static void ForwardFused(in CellForward step, int unitStart, int unitEnd)
    {
        int j = ForwardLanes<Lanes512>(step, unitStart, unitEnd);
        j = ForwardLanes<Lanes256>(step, j, unitEnd);
        if (j < unitEnd)
        {
            for (int row = 0; row < step.Batch; row++)
            {
                ForwardRow(step, row, j, unitEnd);
            }
        }
    }

    /// <summary>
    /// Units from <paramref name="unitStart"/> of every batch row, as many as fill whole vectors of
    /// <typeparamref name="T"/>; returns where they stop.
    /// </summary>
    private static int ForwardLanes<T>(in CellForward step, int unitStart, int unitEnd)
        where T : struct, IFloatLanes<T>
    {
        int hidden = step.Hidden, width = 3 * hidden;
        int whole = (unitEnd - unitStart) / T.Count * T.Count;
        if (!T.IsHardwareAccelerated || whole == 0)
        {
            return unitStart;
        }

        bool keep = !step.Saved.IsEmpty;
        nuint zGate = (nuint)hidden, nGate = (nuint)(2 * hidden), hnSlot = (nuint)(3 * hidden), end = (nuint)whole, lanes = (nuint)T.Count;
        for (int row = 0; row < step.Batch; row++)
        {
            ref float hg = ref MemoryMarshal.GetReference(step.Gates.Slice((row * width) + unitStart, width - unitStart));
            ref float xg = ref MemoryMarshal.GetReference(step.InputGates.Slice((row * width) + unitStart, width - unitStart));
            ref float activated = ref keep ? ref MemoryMarshal.GetReference(step.Saved.Slice((row * 4 * hidden) + unitStart, (4 * hidden) - unitStart)) : ref hg;
            for (nuint j = 0; j < end; j += lanes)
            {
                T.Sigmoid(T.Load(ref hg, j) + T.Load(ref xg, j)).Store(ref activated, j);
            }

            for (nuint j = zGate; j < zGate + end; j += lanes)
            {
                T.Sigmoid(T.Load(ref hg, j) + T.Load(ref xg, j)).Store(ref activated, j);
            }

            ref float hPrevious = ref MemoryMarshal.GetReference(step.HPrevious.Slice((row * step.HPreviousStride) + unitStart, whole));
            ref float h = ref MemoryMarshal.GetReference(step.H.Slice((row * step.HStride) + unitStart, whole));
            for (nuint j = 0; j < end; j += lanes)
            {
                T hn = T.Load(ref hg, nGate + j);
                T n = T.Tanh(T.Load(ref xg, nGate + j) + (hn * T.Load(ref activated, j)));
                if (keep)
                {
                    n.Store(ref activated, nGate + j);
                    hn.Store(ref activated, hnSlot + j);
                }

                (((T.Load(ref hPrevious, j) - n) * T.Load(ref activated, zGate + j)) + n).Store(ref h, j);
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
        int hidden = step.Hidden, units = unitEnd - unitStart, width = 3 * hidden;

        for (int row = 0; row < step.Batch; row++)
        {
            Span<float> hg = step.Gates.Slice(row * width, width);
            Span<float> xg = step.InputGates.Slice(row * width, width);
            Span<float> saved = step.Saved.IsEmpty ? default : step.Saved.Slice(row * 4 * hidden, 4 * hidden);
            Span<float> r = (saved.IsEmpty ? hg : saved).Slice(unitStart, units);
            Span<float> z = (saved.IsEmpty ? hg : saved).Slice(hidden + unitStart, units);
            Span<float> n = (saved.IsEmpty ? xg : saved).Slice((2 * hidden) + unitStart, units);
            ReadOnlySpan<float> hn = hg.Slice((2 * hidden) + unitStart, units);
            if (!saved.IsEmpty)
            {
                hn.CopyTo(saved.Slice((3 * hidden) + unitStart, units));
            }

            TensorPrimitives.Add(hg.Slice(unitStart, units), xg.Slice(unitStart, units), r);
            SigmoidKernel.Forward(r, r);
            TensorPrimitives.Add(hg.Slice(hidden + unitStart, units), xg.Slice(hidden + unitStart, units), z);
            SigmoidKernel.Forward(z, z);

            // n = tanh(i_n + (h_n ⊙ r)). The product goes where n will be when recording (h_n is kept already),
            // else over h_n itself, which nothing reads afterwards; n then replaces i_n.
            Span<float> product = saved.IsEmpty ? hg.Slice((2 * hidden) + unitStart, units) : n;
            TensorPrimitives.Multiply(hn, r, product);
            TensorPrimitives.Add(xg.Slice((2 * hidden) + unitStart, units), product, n);
            TanhKernel.Forward(n, n);

            // h_t = ((h_(t−1) − n) ⊙ z) + n.
            Span<float> h = step.H.Slice((row * step.HStride) + unitStart, units);
            TensorPrimitives.Subtract(step.HPrevious.Slice((row * step.HPreviousStride) + unitStart, units), n, h);
            TensorPrimitives.Multiply(h, z, h);
            TensorPrimitives.Add(h, n, h);
        }
    }

    /// <summary>The same gate math one element at a time, for tiny hidden sizes (see <see cref="LstmCellKernel"/>'s).</summary>
    private static void ForwardScalar(in CellForward step, int unitStart, int unitEnd)
    {
        for (int row = 0; row < step.Batch; row++)
        {
            ForwardRow(step, row, unitStart, unitEnd);
        }
    }

    /// <summary>
    /// Units <c>[unitStart, unitEnd)</c> of batch row <paramref name="row"/>, element by element, σ with
    /// <see cref="SigmoidKernel.Lane"/> (the vector loops' bits).
    /// </summary>
    private static void ForwardRow(in CellForward step, int row, int unitStart, int unitEnd)
    {
        int hidden = step.Hidden, width = 3 * hidden;
        ReadOnlySpan<float> hg = step.Gates.Slice(row * width, width);
        ReadOnlySpan<float> xg = step.InputGates.Slice(row * width, width);
        Span<float> saved = step.Saved.IsEmpty ? default : step.Saved.Slice(row * 4 * hidden, 4 * hidden);
        for (int j = unitStart; j < unitEnd; j++)
        {
            float r = SigmoidKernel.Lane(hg[j] + xg[j]);
            float z = SigmoidKernel.Lane(hg[hidden + j] + xg[hidden + j]);
            float hn = hg[(2 * hidden) + j];
            float n = TanhKernel.Reference(xg[(2 * hidden) + j] + (hn * r));
            if (!saved.IsEmpty)
            {
                saved[j] = r;
                saved[hidden + j] = z;
                saved[(2 * hidden) + j] = n;
                saved[(3 * hidden) + j] = hn;
            }

            step.H[(row * step.HStride) + j] = ((step.HPrevious[(row * step.HPreviousStride) + j] - n) * z) + n;
        }
    }

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        for (int row = 0; row < step.Batch; row++)
        {
            int j = BackwardLanes<Lanes512>(step, row, 0);
            j = BackwardLanes<Lanes256>(step, row, j);
            BackwardRow(step, row, j);
        }
    }

    /// <summary>
    /// Units from <paramref name="unitStart"/> of batch row <paramref name="row"/>, whole vectors of <typeparamref name="T"/>,
    /// the operations of <see cref="BackwardRow"/> in its order; returns where they stop.
    /// </summary>
    private static int BackwardLanes<T>(in CellBackward step, int row, int unitStart)
        where T : struct, IFloatLanes<T>
    {
        int hidden = step.Hidden, width = 3 * hidden;
        if (!T.IsHardwareAccelerated || hidden - unitStart < T.Count)
        {
            return unitStart;
        }

        bool zeroState = step.HPrevious.IsEmpty;
        nuint zGate = (nuint)hidden, nGate = (nuint)(2 * hidden), hnSlot = (nuint)(3 * hidden);
        ref float saved = ref MemoryMarshal.GetReference(step.Saved.Slice(row * 4 * hidden, 4 * hidden));
        ref float dh = ref MemoryMarshal.GetReference(step.GradH.Slice(row * hidden, hidden));
        ref float dx = ref MemoryMarshal.GetReference(step.GradInputGates.Slice(row * width, width));
        ref float dhg = ref MemoryMarshal.GetReference(step.GradHiddenGates.Slice(row * width, width));
        ref float direct = ref MemoryMarshal.GetReference(step.GradHPreviousDirect.Slice(row * hidden, hidden));
        ref float hPrevious = ref zeroState ? ref dh : ref MemoryMarshal.GetReference(step.HPrevious.Slice(row * step.HPreviousStride, hidden));
        nuint j = (nuint)unitStart;
        for (; (int)j <= hidden - T.Count; j += (nuint)T.Count)
        {
            T r = T.Load(ref saved, j), z = T.Load(ref saved, zGate + j), n = T.Load(ref saved, nGate + j), hn = T.Load(ref saved, hnSlot + j);
            T hp = zeroState ? T.Zero : T.Load(ref hPrevious, j);
            T g = T.Load(ref dh, j);
            T gz = g * z;
            gz.Store(ref direct, j);
            T dan = (g - gz) * (T.One - (n * n));
            T dar = dan * hn * (T.One - r) * r;
            T daz = g * (hp - n) * (T.One - z) * z;
            dar.Store(ref dx, j);
            daz.Store(ref dx, zGate + j);
            dan.Store(ref dx, nGate + j);
            dar.Store(ref dhg, j);
            daz.Store(ref dhg, zGate + j);
            (dan * r).Store(ref dhg, nGate + j);
        }

        return (int)j;
    }

    /// <summary>The backward one element at a time: <see cref="Backward"/>'s oracle (its vector loops give the same bits) and tail.</summary>
    internal static void BackwardScalar(in CellBackward step)
    {
        for (int row = 0; row < step.Batch; row++)
        {
            BackwardRow(step, row, 0);
        }
    }

    /// <summary>Units <c>[unitStart, H)</c> of batch row <paramref name="row"/>.</summary>
    private static void BackwardRow(in CellBackward step, int row, int unitStart)
    {
        int hidden = step.Hidden, width = 3 * hidden;
        ReadOnlySpan<float> saved = step.Saved.Slice(row * 4 * hidden, 4 * hidden);
        ReadOnlySpan<float> dh = step.GradH.Slice(row * hidden, hidden);
        ReadOnlySpan<float> hPrevious = step.HPrevious.IsEmpty ? default : step.HPrevious.Slice(row * step.HPreviousStride, hidden);
        Span<float> dx = step.GradInputGates.Slice(row * width, width);
        Span<float> dhg = step.GradHiddenGates.Slice(row * width, width);
        Span<float> direct = step.GradHPreviousDirect.Slice(row * hidden, hidden);
        for (int j = unitStart; j < hidden; j++)
        {
            float r = saved[j], z = saved[hidden + j], n = saved[(2 * hidden) + j], hn = saved[(3 * hidden) + j];
            float hp = hPrevious.IsEmpty ? 0f : hPrevious[j];
            // Autograd's order of operations over ATen's forward: mul, sub, add, tanh and sigmoid backward
            // (grad · (1 − y) · y and grad · (1 − y²)).
            float g = dh[j];
            float gz = g * z;
            direct[j] = gz;
            float dn = g - gz;
            float dan = dn * (1f - (n * n));
            float dar = dan * hn * (1f - r) * r;
            float daz = g * (hp - n) * (1f - z) * z;
            dx[j] = dar;
            dx[hidden + j] = daz;
            dx[(2 * hidden) + j] = dan;
            dhg[j] = dar;
            dhg[hidden + j] = daz;
            dhg[(2 * hidden) + j] = dan * r;
        }
    }
}
