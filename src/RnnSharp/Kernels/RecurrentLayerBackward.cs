using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// The pieces of back-propagation through time that the packed and the reference backward of a recurrent layer
/// share. With <c>z_t = x_t·W_ihᵀ + b_ih + h_(t−1)·W_hhᵀ + b_hh</c> and <c>h_t = act(z_t)</c>, walking the steps in
/// the reverse of the forward's order:
/// <c>dz_t = dh_t ⊙ act'(h_t)</c> (tanh' = 1 − h², relu' = [h &gt; 0]), <c>dh_(t−1) = dout_(t−1) + dz_t·W_hh</c>,
/// then over all steps at once <c>dx = dz·W_ih</c>, <c>dW_ih = dzᵀ·x</c>, <c>dW_hh = dzᵀ·h_prev</c>,
/// <c>db_ih = db_hh = Σ_rows dz</c>.
/// </summary>
internal static class RecurrentLayerBackward
{
    /// <summary>The step the forward computed last: the first one the backward visits.</summary>
    public static int LastStep(in RecurrentLayerSaved s) => s.Reverse ? 0 : s.SeqLen - 1;

    /// <summary>The step the backward visits <paramref name="i"/>-th.</summary>
    public static int StepAt(in RecurrentLayerSaved s, int i) => s.Reverse ? i : s.SeqLen - 1 - i;

    /// <summary>The step whose state fed step <paramref name="t"/> (−1 or <c>L</c>: the initial state).</summary>
    public static int PreviousStep(in RecurrentLayerSaved s, int t) => s.Reverse ? t + 1 : t - 1;

    /// <summary><c>dh</c> <c>(N, H)</c> at the step the forward computed last: <c>dh_n + dout_last</c>.</summary>
    public static void FinalStateGradient(in RecurrentLayerSaved s, Span<float> dh)
    {
        int hidden = s.HiddenSize;
        if (s.GradHN.IsEmpty)
        {
            dh.Clear();
        }
        else
        {
            s.GradHN[..(s.Batch * hidden)].CopyTo(dh);
        }

        if (!s.GradOutput.IsEmpty)
        {
            int t = LastStep(s);
            for (int n = 0; n < s.Batch; n++)
            {
                Span<float> row = dh.Slice(n * hidden, hidden);
                TensorPrimitives.Add(row, s.GradOutput.Span.Slice((((t * s.Batch) + n) * s.Width) + s.ColumnOffset, hidden), row);
            }
        }
    }

    /// <summary><c>dz_t = dh ⊙ act'(h_t)</c> for every batch row of step <paramref name="t"/>; dz is <c>(L, N, H)</c>.</summary>
    public static void ActivationGradient(in RecurrentLayerSaved s, int t, ReadOnlySpan<float> dh, Span<float> dz)
    {
        int hidden = s.HiddenSize;
        for (int n = 0; n < s.Batch; n++)
        {
            int row = (t * s.Batch) + n;
            RnnCellKernel.ActivateBackward(
                s.Hidden.Span.Slice((row * s.Width) + s.ColumnOffset, hidden), dh.Slice(n * hidden, hidden),
                s.Nonlinearity, dz.Slice(row * hidden, hidden));
        }
    }

    /// <summary>The state that fed batch row <paramref name="n"/> of step <paramref name="t"/>, or empty for a zero <c>h0</c>.</summary>
    public static ReadOnlySpan<float> PreviousState(in RecurrentLayerSaved s, int t, int n)
    {
        int previous = PreviousStep(s, t);
        return previous < 0 || previous >= s.SeqLen
            ? s.H0.IsEmpty ? default : s.H0.Span.Slice(n * s.HiddenSize, s.HiddenSize)
            : s.Hidden.Span.Slice((((previous * s.Batch) + n) * s.Width) + s.ColumnOffset, s.HiddenSize);
    }

    /// <summary><c>db = Σ_rows dz</c>: dz <c>(rows, H)</c>, destination <c>(H)</c>.</summary>
    public static void BiasGradient(ReadOnlySpan<float> dz, int rows, int hidden, Span<float> destination)
    {
        destination[..hidden].Clear();
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(destination[..hidden], dz.Slice(r * hidden, hidden), destination[..hidden]);
        }
    }
}
