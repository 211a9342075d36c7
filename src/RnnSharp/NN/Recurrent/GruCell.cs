using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.GRUCell</c>: one step of a GRU, <c>h' = cell(x, h)</c>, with the gate math of
/// <see cref="Gru"/> (gates r, z, n; <c>weight_ih</c> is <c>(3·H, H_in)</c>).
/// </summary>
public sealed class GruCell : RnnCellBase
{
    /// <summary>Creates a GRU cell. Equivalent to <c>torch.nn.GRUCell(input_size, hidden_size, bias)</c>.</summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in <c>h</c>, <c>H</c>.</param>
    /// <param name="bias">Whether the cell has the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="hiddenSize"/> is not positive.</exception>
    public GruCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
        : base(GruCellKernel.Instance, inputSize, hiddenSize, bias, generator)
    {
    }

    /// <inheritdoc/>
    protected override string TypeName => "GRUCell";

    /// <inheritdoc/>
    private protected override (string H, string C) GradFnNames => ("AddBackward0", string.Empty);

    /// <summary>Computes one step. Equivalent to <c>h1 = cell(input, hx)</c>.</summary>
    /// <param name="input">The input: <c>(N, H_in)</c>, or <c>(H_in)</c> for a single unbatched sample.</param>
    /// <param name="hx">The hidden state: <c>(N, H)</c>, or <c>(H)</c> for unbatched input. Zeros when <see langword="null"/>.</param>
    /// <returns>The next hidden state, shaped as <paramref name="hx"/>; differentiable when grad mode is on and something requires grad.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 1-D or 2-D or its last dimension is not <see cref="RnnCellBase.InputSize"/>, or
    /// <paramref name="hx"/> does not match it in rank, batch size or hidden size (PyTorch's messages).
    /// </exception>
    public Tensor Forward(Tensor input, Tensor? hx = null) => StepCore(input, hx, null).H;
}
