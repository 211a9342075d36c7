namespace RnnSharp.Kernels;

/// <summary>
/// The Elman cell of <c>torch.nn.RNN</c>: <c>h_t = act((h_(t−1) · W_hhᵀ + b_hh) + (x_t · W_ihᵀ + b_ih))</c>. The step
/// product writes the sum straight into the output; the cell applies the activation there in place.
/// </summary>
internal sealed class ElmanCellKernel : RecurrentCellKernel
{
    private ElmanCellKernel(Nonlinearity nonlinearity) => Nonlinearity = nonlinearity;

    /// <summary>The tanh cell.</summary>
    public static ElmanCellKernel Tanh { get; } = new(Nonlinearity.Tanh);

    /// <summary>The ReLU cell.</summary>
    public static ElmanCellKernel Relu { get; } = new(Nonlinearity.Relu);

    /// <summary>The cell's activation.</summary>
    public Nonlinearity Nonlinearity { get; }

    /// <inheritdoc/>
    public override int Gates => 1;

    /// <inheritdoc/>
    public override bool ProductIsOutput => true;

    /// <summary>The cell for <paramref name="nonlinearity"/>.</summary>
    public static ElmanCellKernel For(Nonlinearity nonlinearity) => nonlinearity == Nonlinearity.Tanh ? Tanh : Relu;

    /// <inheritdoc/>
    public override int SavedWidth(int hidden) => 0; // the backward needs only h_t, which is the output.

    /// <inheritdoc/>
    public override void Forward(in CellForward step, int unitStart, int unitEnd)
    {
        for (int n = 0; n < step.Batch; n++)
        {
            RnnCellKernel.Activate(step.H.Slice((n * step.HStride) + unitStart, unitEnd - unitStart), Nonlinearity);
        }
    }

    /// <inheritdoc/>
    public override void Backward(in CellBackward step)
    {
        int hidden = step.Hidden;
        for (int n = 0; n < step.Batch; n++)
        {
            RnnCellKernel.ActivateBackward(
                step.H.Slice(n * step.HStride, hidden), step.GradH.Slice(n * hidden, hidden), Nonlinearity,
                step.GradInputGates.Slice(n * hidden, hidden));
        }
    }
}
