namespace RnnSharp.Kernels;

/// <summary>
/// The gate math of one recurrent cell type (Elman, LSTM, GRU) for <see cref="PackedRecurrentLayer"/>, the one engine all
/// recurrent layers run on. The engine does the matrix products — the input projection <c>x · W_ihᵀ + b_ih</c> of all
/// steps at once, and per step <c>h_(t−1) · W_hhᵀ + b_hh</c> for every gate — and hands each step's results to the
/// cell, which applies its gate math (<see cref="Forward"/>) and, backwards, turns the gradient of its output into
/// the gradients of the two products (<see cref="Backward"/>). A new cell type is one new subclass.
/// </summary>
/// <remarks>
/// Gate columns are laid out as PyTorch lays out the weights' rows: <c>G</c> blocks of <c>H</c> (e.g. LSTM's
/// i, f, g, o). The forward runs <see cref="Forward"/> once per column chunk of a step (units
/// <c>[unitStart, unitEnd)</c> of every batch row), right after the chunk's products, on data still in cache.
/// </remarks>
internal abstract class RecurrentCellKernel
{
    /// <summary><c>G</c>: the number of gate blocks in <c>W_ih</c> and <c>W_hh</c>.</summary>
    public abstract int Gates { get; }

    /// <summary>Whether the cell carries a cell state <c>c</c> besides <c>h</c> (LSTM).</summary>
    public virtual bool HasCellState => false;

    /// <summary>
    /// Whether the step product's epilogue adds the step's input projection: the gates are then
    /// <c>(h · W_hhᵀ + b_hh) + x · W_ihᵀ + b_ih</c>, ATen's grouping for the Elman and LSTM cells. The GRU needs
    /// the two apart.
    /// </summary>
    public virtual bool AddsInputInProduct => true;

    /// <summary>Whether the step product writes straight into the output, which the cell then updates in place (Elman).</summary>
    public virtual bool ProductIsOutput => false;

    /// <summary>Whether the gradients of the input gates and of the hidden gates differ (GRU); else one buffer holds both.</summary>
    public virtual bool SeparateHiddenGateGradient => false;

    /// <summary>Floats per batch row and step that <see cref="Forward"/> keeps for <see cref="Backward"/> when recording.</summary>
    public abstract int SavedWidth(int hidden);

    /// <summary>The gate math of one step for units <c>[unitStart, unitEnd)</c> of every batch row.</summary>
    public abstract void Forward(in CellForward step, int unitStart, int unitEnd);

    /// <summary>The backward of one step, every unit of every batch row.</summary>
    public abstract void Backward(in CellBackward step);
}
