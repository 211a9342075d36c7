namespace RnnSharp.Kernels;

/// <summary>
/// What the backward pass of one direction of one recurrent layer reads: the forward's input and hidden states,
/// the weights, and the gradients arriving from above. Seq-first and contiguous; letters as in
/// <see cref="ReferenceRecurrentLayer.Run"/>: <c>L</c> steps, <c>N</c> batch, <c>I</c> input size, <c>H</c> hidden
/// size, <c>W</c> the width of the rows the direction's columns sit in.
/// </summary>
internal readonly ref struct RecurrentLayerSaved
{
    /// <summary>The layer's input <c>(L, N, I)</c>; may be empty when <see cref="RecurrentLayerGradients.WeightIh"/> is not wanted.</summary>
    public ReadOnlySpan<float> Input { get; init; }

    /// <summary>The layer's outputs <c>(L, N, W)</c>; this direction's <c>h_t</c> are columns <c>[ColumnOffset, ColumnOffset + H)</c>.</summary>
    public ReadOnlyMemory<float> Hidden { get; init; }

    /// <summary>The initial state <c>(N, H)</c>, or empty for zeros.</summary>
    public ReadOnlyMemory<float> H0 { get; init; }

    /// <summary><c>W_ih</c> <c>(H, I)</c>.</summary>
    public ReadOnlySpan<float> WeightIh { get; init; }

    /// <summary><c>W_hh</c> <c>(H, H)</c>.</summary>
    public ReadOnlySpan<float> WeightHh { get; init; }

    /// <summary>The gradient of the layer's outputs <c>(L, N, W)</c> (same columns as <see cref="Hidden"/>), or empty for zeros.</summary>
    public ReadOnlyMemory<float> GradOutput { get; init; }

    /// <summary>The gradient of the final state <c>(N, H)</c>, or empty for zeros.</summary>
    public ReadOnlySpan<float> GradHN { get; init; }

    public int SeqLen { get; init; }

    public int Batch { get; init; }

    /// <summary>
    /// The rows of each step (<see cref="StepLayout"/>): a packed sequence's when set; when left at its default, dense
    /// <see cref="SeqLen"/> × <see cref="Batch"/>. The packed kernels only (the reference kernel is dense).
    /// </summary>
    public StepLayout Layout
    {
        get => field.Steps == 0 ? StepLayout.Dense(SeqLen, Batch) : field;
        init;
    }

    public int InputSize { get; init; }

    public int HiddenSize { get; init; }

    /// <summary>The row width <c>W</c> of <see cref="Hidden"/> and <see cref="GradOutput"/>.</summary>
    public int Width { get; init; }

    public int ColumnOffset { get; init; }

    /// <summary>Whether the forward ran from <c>t = L − 1</c> down to 0.</summary>
    public bool Reverse { get; init; }

    public Nonlinearity Nonlinearity { get; init; }

    /// <summary>
    /// The cell type (gate math) of the layer; <see langword="null"/> for the Elman cell of <see cref="Nonlinearity"/>.
    /// With another cell, <see cref="WeightIh"/> is <c>(G·H, I)</c>, <see cref="WeightHh"/> <c>(G·H, P)</c>, and h-sized
    /// buffers (<see cref="H0"/>, <see cref="GradHN"/>, this direction's columns of <see cref="Hidden"/>) hold <c>P</c> values.
    /// </summary>
    public RecurrentCellKernel? Cell { get; init; }

    /// <summary><c>P</c>: the size of <c>h</c> (<c>proj_size</c> when positive); 0 means <see cref="HiddenSize"/>.</summary>
    public int StateSize { get; init; }

    /// <summary>What the cell kept in the forward, <c>(L, N, S)</c>.</summary>
    public ReadOnlyMemory<float> CellSaved { get; init; }

    /// <summary>Every step's cell state <c>c_t</c>, <c>(L, N, H)</c> (LSTM).</summary>
    public ReadOnlyMemory<float> Cells { get; init; }

    /// <summary>Every step's <c>m_t</c> before the projection <c>W_hr</c>, <c>(L, N, H)</c> (LSTM with projection).</summary>
    public ReadOnlySpan<float> Projections { get; init; }

    /// <summary>The initial cell state <c>(N, H)</c>, or empty for zeros (LSTM).</summary>
    public ReadOnlyMemory<float> C0 { get; init; }

    /// <summary><c>W_hr</c> <c>(P, H)</c>, or empty without projection.</summary>
    public ReadOnlySpan<float> WeightHr { get; init; }

    /// <summary>The gradient of the final cell state <c>(N, H)</c>, or empty for zeros (LSTM).</summary>
    public ReadOnlySpan<float> GradCN { get; init; }
}

internal readonly struct RecurrentLayerGradients
{
    /// <summary><c>dL/d input</c> <c>(L, N, I)</c>: written, or added to when <see cref="AccumulateInput"/> is set.</summary>
    public Memory<float> Input { get; init; }

    /// <summary>Whether <see cref="Input"/> already holds the other direction's share, to be added to.</summary>
    public bool AccumulateInput { get; init; }

    /// <summary><c>dL/dW_ih</c> <c>(H, I)</c>, written.</summary>
    public Memory<float> WeightIh { get; init; }

    /// <summary><c>dL/dW_hh</c> <c>(H, H)</c>, written.</summary>
    public Memory<float> WeightHh { get; init; }

    /// <summary><c>dL/db_ih</c> <c>(H)</c>, which equals <c>dL/db_hh</c>: written.</summary>
    public Memory<float> Bias { get; init; }

    /// <summary><c>dL/dh0</c> <c>(N, H)</c>, written.</summary>
    public Memory<float> H0 { get; init; }

    /// <summary>Receives <c>db_hh</c> when it differs from <see cref="Bias"/> (GRU), or a copy of it; may be empty.</summary>
    public Memory<float> BiasHh { get; init; }

    /// <summary>Receives <c>dW_hr</c> <c>(P, H)</c>; may be empty.</summary>
    public Memory<float> WeightHr { get; init; }

    /// <summary>Receives <c>dc0</c> <c>(N, H)</c>; may be empty.</summary>
    public Memory<float> C0 { get; init; }
}
