using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.LSTMCell</c>: one step of an LSTM, <c>(h', c') = cell(x, (h, c))</c>, with the gate
/// math of <see cref="Lstm"/> (gates i, f, g, o; <c>weight_ih</c> is <c>(4·H, H_in)</c>).
/// </summary>
public sealed class LstmCell : RnnCellBase
{
    /// <summary>Creates an LSTM cell. Equivalent to <c>torch.nn.LSTMCell(input_size, hidden_size, bias)</c>.</summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in <c>h</c> and <c>c</c>, <c>H</c>.</param>
    /// <param name="bias">Whether the cell has the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputSize"/> or <paramref name="hiddenSize"/> is not positive.</exception>
    public LstmCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
        : base(LstmCellKernel.Instance, inputSize, hiddenSize, bias, generator)
    {
    }

    /// <inheritdoc/>
    protected override string TypeName => "LSTMCell";

    /// <inheritdoc/>
    private protected override (string H, string C) GradFnNames => ("MulBackward0", "AddBackward0");

    /// <summary>Computes one step. Equivalent to <c>h1, c1 = cell(input, (h0, c0))</c>.</summary>
    /// <param name="input">The input: <c>(N, H_in)</c>, or <c>(H_in)</c> for a single unbatched sample.</param>
    /// <param name="state">The states <c>h</c> and <c>c</c>: <c>(N, H)</c> each, or <c>(H)</c> for unbatched input. Zeros when <see langword="null"/>.</param>
    /// <returns>The next <c>h</c> and <c>c</c>, shaped as the states; differentiable when grad mode is on and something requires grad.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or a state is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 1-D or 2-D or its last dimension is not <see cref="RnnCellBase.InputSize"/>, or a
    /// state does not match it in rank, batch size or hidden size (PyTorch's messages, e.g.
    /// <c>hidden1 has inconsistent hidden_size: got 3, expected 4</c>).
    /// </exception>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? state = null)
    {
        Tensor? hx = null, cx = null;
        if (state is { } s)
        {
            ArgumentNullException.ThrowIfNull(s.H, "state.H");
            ArgumentNullException.ThrowIfNull(s.C, "state.C");
            (hx, cx) = (s.H, s.C);
        }

        (Tensor h, Tensor? c) = StepCore(input, hx, cx);
        return (h, c!);
    }
}
