using System.Numerics.Tensors;

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
            ForwardVector(step, unitStart, unitEnd);
        }
    }

    /// <summary>The gate math on spans of units, with <see cref="TensorPrimitives"/> and <see cref="TanhKernel"/>.</summary>
    private static void ForwardVector(in CellForward step, int unitStart, int unitEnd)
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
        int hidden = step.Hidden, width = 4 * hidden;
        for (int n = 0; n < step.Batch; n++)
        {
            Span<float> a = step.Gates.Slice(n * width, width);
            Span<float> activated = step.Saved.IsEmpty ? a : step.Saved.Slice(n * width, width);
            for (int j = unitStart; j < unitEnd; j++)
            {
                float i = Sigmoid(a[j]), f = Sigmoid(a[hidden + j]), g = TanhKernel.Reference(a[(2 * hidden) + j]), o = Sigmoid(a[(3 * hidden) + j]);
                activated[j] = i;
                activated[hidden + j] = f;
                activated[(2 * hidden) + j] = g;
                activated[(3 * hidden) + j] = o;
                float c = (f * step.CPrevious[(n * hidden) + j]) + (i * g);
                step.C[(n * hidden) + j] = c;
                step.H[(n * step.HStride) + j] = o * TanhKernel.Reference(c);
            }
        }
    }

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        int hidden = step.Hidden, width = 4 * hidden;
        for (int n = 0; n < step.Batch; n++)
        {
            ReadOnlySpan<float> gates = step.Saved.Slice(n * width, width);
            ReadOnlySpan<float> dh = step.GradH.Slice(n * hidden, hidden);
            Span<float> dc = step.GradC.Slice(n * hidden, hidden);
            ReadOnlySpan<float> cPrevious = step.CPrevious.IsEmpty ? default : step.CPrevious.Slice(n * hidden, hidden);
            ReadOnlySpan<float> cells = step.C.Slice(n * hidden, hidden);
            Span<float> da = step.GradInputGates.Slice(n * width, width);
            for (int j = 0; j < hidden; j++)
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

    /// <summary>σ(x) = 1 / (1 + e^(−x)), the formula ATen and <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/> use.</summary>
    internal static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
