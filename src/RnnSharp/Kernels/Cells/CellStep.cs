namespace RnnSharp.Kernels;

/// <summary>
/// What <see cref="RecurrentCellKernel.Forward"/> reads and writes for one step (<c>N</c> batch rows, <c>H</c>
/// units, <c>G</c> gates; strides in floats).
/// </summary>
internal readonly ref struct CellForward
{
    /// <summary>
    /// <c>(N, G·H)</c>: the step product <c>h_(t−1) · W_hhᵀ + b_hh</c>, plus the input projection when the cell
    /// <see cref="RecurrentCellKernel.AddsInputInProduct"/>. For an Elman cell, the output itself (see <see cref="H"/>).
    /// The cell may overwrite it.
    /// </summary>
    public Span<float> Gates { get; init; }

    /// <summary><c>(N, G·H)</c>: the step's input projection <c>x_t · W_ihᵀ + b_ih</c>. The cell may overwrite it.</summary>
    public Span<float> InputGates { get; init; }

    /// <summary><c>h_(t−1)</c>, rows <see cref="HPreviousStride"/> apart (GRU).</summary>
    public ReadOnlySpan<float> HPrevious { get; init; }

    /// <summary>The row stride of <see cref="HPrevious"/>.</summary>
    public int HPreviousStride { get; init; }

    /// <summary><c>c_(t−1)</c> <c>(N, H)</c> (LSTM).</summary>
    public ReadOnlySpan<float> CPrevious { get; init; }

    /// <summary>Receives <c>c_t</c> <c>(N, H)</c> (LSTM).</summary>
    public Span<float> C { get; init; }

    /// <summary>Receives the cell's output <c>h_t</c> (before any projection), rows <see cref="HStride"/> apart.</summary>
    public Span<float> H { get; init; }

    /// <summary>The row stride of <see cref="H"/>.</summary>
    public int HStride { get; init; }

    /// <summary><c>(N, S)</c> values kept for the backward (<see cref="RecurrentCellKernel.SavedWidth"/>), or empty when not recording.</summary>
    public Span<float> Saved { get; init; }

    /// <summary><c>N</c>.</summary>
    public int Batch { get; init; }

    /// <summary><c>H</c>.</summary>
    public int Hidden { get; init; }
}

/// <summary>What <see cref="RecurrentCellKernel.Backward"/> reads and writes for one step.</summary>
internal readonly ref struct CellBackward
{
    /// <summary><c>(N, H)</c>: the gradient of the cell's output <c>h_t</c> (before any projection).</summary>
    public ReadOnlySpan<float> GradH { get; init; }

    /// <summary><c>(N, H)</c>: in, the gradient of <c>c_t</c>; out, that of <c>c_(t−1)</c> (LSTM).</summary>
    public Span<float> GradC { get; init; }

    /// <summary>The cell's output <c>h_t</c>, rows <see cref="HStride"/> apart (Elman).</summary>
    public ReadOnlySpan<float> H { get; init; }

    /// <summary>The row stride of <see cref="H"/>.</summary>
    public int HStride { get; init; }

    /// <summary><c>h_(t−1)</c>, rows <see cref="HPreviousStride"/> apart; empty for zeros (GRU).</summary>
    public ReadOnlySpan<float> HPrevious { get; init; }

    /// <summary>The row stride of <see cref="HPrevious"/>.</summary>
    public int HPreviousStride { get; init; }

    /// <summary><c>c_(t−1)</c> <c>(N, H)</c>; empty for zeros (LSTM).</summary>
    public ReadOnlySpan<float> CPrevious { get; init; }

    /// <summary><c>c_t</c> <c>(N, H)</c>, as the forward kept it (LSTM).</summary>
    public ReadOnlySpan<float> C { get; init; }

    /// <summary><c>(N, S)</c>: what the forward kept.</summary>
    public ReadOnlySpan<float> Saved { get; init; }

    /// <summary>
    /// Receives <c>(N, G·H)</c>: the gradient of the step's input projection. It must not overlap any input: the
    /// LSTM cell parks <c>tanh(c_t)</c> in it before writing the gradients.
    /// </summary>
    public Span<float> GradInputGates { get; init; }

    /// <summary>
    /// Receives <c>(N, G·H)</c>: the gradient of the step product <c>h_(t−1) · W_hhᵀ + b_hh</c> when the cell has
    /// <see cref="RecurrentCellKernel.SeparateHiddenGateGradient"/>; otherwise empty (it equals <see cref="GradInputGates"/>).
    /// </summary>
    public Span<float> GradHiddenGates { get; init; }

    /// <summary>
    /// Receives <c>(N, H)</c>: the part of the gradient of <c>h_(t−1)</c> that does not flow through <c>W_hh</c> (GRU's
    /// <c>dh_t ⊙ z</c>) when the cell has <see cref="RecurrentCellKernel.SeparateHiddenGateGradient"/>.
    /// </summary>
    public Span<float> GradHPreviousDirect { get; init; }

    /// <summary><c>N</c>.</summary>
    public int Batch { get; init; }

    /// <summary><c>H</c>.</summary>
    public int Hidden { get; init; }
}
