using System.Numerics.Tensors;

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
            ForwardVector(step, unitStart, unitEnd);
        }
    }

    /// <summary>The gate math on spans of units, with <see cref="TensorPrimitives"/> and <see cref="TanhKernel"/>.</summary>
    private static void ForwardVector(in CellForward step, int unitStart, int unitEnd)
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
            TensorPrimitives.Sigmoid(r, r);
            TensorPrimitives.Add(hg.Slice(hidden + unitStart, units), xg.Slice(hidden + unitStart, units), z);
            TensorPrimitives.Sigmoid(z, z);

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
        int hidden = step.Hidden, width = 3 * hidden;
        for (int row = 0; row < step.Batch; row++)
        {
            ReadOnlySpan<float> hg = step.Gates.Slice(row * width, width);
            ReadOnlySpan<float> xg = step.InputGates.Slice(row * width, width);
            Span<float> saved = step.Saved.IsEmpty ? default : step.Saved.Slice(row * 4 * hidden, 4 * hidden);
            for (int j = unitStart; j < unitEnd; j++)
            {
                float r = LstmCellKernel.Sigmoid(hg[j] + xg[j]);
                float z = LstmCellKernel.Sigmoid(hg[hidden + j] + xg[hidden + j]);
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
    }

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        int hidden = step.Hidden, width = 3 * hidden;
        for (int row = 0; row < step.Batch; row++)
        {
            ReadOnlySpan<float> saved = step.Saved.Slice(row * 4 * hidden, 4 * hidden);
            ReadOnlySpan<float> dh = step.GradH.Slice(row * hidden, hidden);
            ReadOnlySpan<float> hPrevious = step.HPrevious.IsEmpty ? default : step.HPrevious.Slice(row * step.HPreviousStride, hidden);
            Span<float> dx = step.GradInputGates.Slice(row * width, width);
            Span<float> dhg = step.GradHiddenGates.Slice(row * width, width);
            Span<float> direct = step.GradHPreviousDirect.Slice(row * hidden, hidden);
            for (int j = 0; j < hidden; j++)
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
}
