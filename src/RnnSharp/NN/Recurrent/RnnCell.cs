using System.Buffers;
using System.Globalization;
using System.Text;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.RNNCell</c>: one step of an Elman RNN cell with tanh or ReLU,
/// <c>h' = act(x · W_ihᵀ + b_ih + h · W_hhᵀ + b_hh)</c>.
/// </summary>
/// <remarks>
/// Parameters are <c>weight_ih</c> <c>(H_out, H_in)</c>, <c>weight_hh</c> <c>(H_out, H_out)</c>, <c>bias_ih</c> and
/// <c>bias_hh</c> <c>(H_out)</c>, registered and initialised in that order from <c>U(−1/√H_out, 1/√H_out)</c>, so that
/// after <see cref="Torch.ManualSeed(int)"/> they equal PyTorch's bit for bit. The step runs the same kernel as <see cref="Rnn"/>.
/// </remarks>
public sealed class RnnCell : Module
{
    private readonly FlatParameters _parameters;
    private readonly Tensor _weightIh;
    private readonly Tensor _weightHh;
    private readonly Tensor? _biasIh;
    private readonly Tensor? _biasHh;
    private readonly DirectionWeights[] _direction;
    private PackedRecurrentWeights? _packed;

    /// <summary>
    /// Creates a cell with freshly initialised parameters. Equivalent to
    /// <c>torch.nn.RNNCell(input_size, hidden_size, bias, nonlinearity)</c>.
    /// </summary>
    /// <param name="inputSize">The number of features in the input, <c>H_in</c>.</param>
    /// <param name="hiddenSize">The number of features in the hidden state, <c>H_out</c>.</param>
    /// <param name="bias">Whether the cell has the bias vectors <c>b_ih</c> and <c>b_hh</c>.</param>
    /// <param name="nonlinearity">The activation, <see cref="Nonlinearity.Tanh"/> (default) or <see cref="Nonlinearity.Relu"/>.</param>
    /// <param name="generator">The generator to draw the initial parameters from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="inputSize"/> or <paramref name="hiddenSize"/> is not positive, or <paramref name="nonlinearity"/> is not a defined value.
    /// </exception>
    public RnnCell(int inputSize, int hiddenSize, bool bias = true, Nonlinearity nonlinearity = Nonlinearity.Tanh, Generator? generator = null)
    {
        RecurrentArguments.Check(inputSize, hiddenSize, nonlinearity);

        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Bias = bias;
        Nonlinearity = nonlinearity;

        long total = ((long)hiddenSize * inputSize) + ((long)hiddenSize * hiddenSize) + (bias ? 2L * hiddenSize : 0);
        _parameters = new FlatParameters(total, nameof(hiddenSize));
        _weightIh = RegisterParameter("weight_ih", _parameters, [hiddenSize, inputSize]);
        _weightHh = RegisterParameter("weight_hh", _parameters, [hiddenSize, hiddenSize]);
        if (bias)
        {
            _biasIh = RegisterParameter("bias_ih", _parameters, [hiddenSize]);
            _biasHh = RegisterParameter("bias_hh", _parameters, [hiddenSize]);
        }
        else
        {
            RegisterParameter("bias_ih", null);
            RegisterParameter("bias_hh", null);
        }

        _direction = [new DirectionWeights(_weightIh, _weightHh, _biasIh, _biasHh)];

        ResetParameters(generator);
    }

    /// <summary>The number of features in the input, <c>H_in</c> (PyTorch's <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>The number of features in the hidden state, <c>H_out</c> (PyTorch's <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>Whether the cell has bias vectors (PyTorch's <c>bias</c>).</summary>
    public bool Bias { get; }

    /// <summary>The activation (PyTorch's <c>nonlinearity</c>).</summary>
    public Nonlinearity Nonlinearity { get; }

    /// <inheritdoc/>
    protected override string TypeName => "RNNCell";

    /// <summary>Which kernels <see cref="Forward"/> runs: the same choice, and so the same bits, as <see cref="Rnn"/>.</summary>
    internal RecurrentKernel Kernel { get; set; } = RecurrentKernel.Auto;

    /// <summary>
    /// Re-draws every parameter from <c>U(−1/√H_out, 1/√H_out)</c> in registration order. Equivalent to
    /// <c>cell.reset_parameters()</c>.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    public void ResetParameters(Generator? generator = null) => _parameters.ResetUniform(HiddenSize, generator);

    /// <summary>Computes one step. Equivalent to <c>h1 = cell(input, hx)</c>.</summary>
    /// <param name="input">The input: <c>(N, H_in)</c>, or <c>(H_in)</c> for a single unbatched sample.</param>
    /// <param name="hx">The hidden state: <c>(N, H_out)</c>, or <c>(H_out)</c> for unbatched input. Zeros when <see langword="null"/>.</param>
    /// <returns>
    /// The next hidden state: <c>(N, H_out)</c>, or <c>(H_out)</c> for unbatched input; differentiable with respect to
    /// the input, <paramref name="hx"/> and the parameters when grad mode is on and one of them requires grad.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not 1-D or 2-D or its last dimension is not <see cref="InputSize"/>, or
    /// <paramref name="hx"/> does not match it in rank, batch size or hidden size. Messages are PyTorch's, e.g.
    /// <c>input has inconsistent input_size: got 3 expected 4</c>; or either is an int64 tensor (<c>mat1 and mat2 must have the same dtype</c>).
    /// </exception>
    public Tensor Forward(Tensor input, Tensor? hx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim is not (1 or 2))
        {
            ThrowHelper.ThrowInputRank("RNNCell", "1-D or 2-D", input.Dim, nameof(input));
        }

        bool batched = input.Dim == 2;
        if (hx is not null && hx.Dim != input.Dim)
        {
            ThrowHelper.ThrowCellHiddenRank(batched, hx.Dim, nameof(hx));
        }

        int batch = batched ? input.Size(0) : 1;
        if (input.Size(-1) != InputSize)
        {
            ThrowHelper.ThrowCellInputSize(InputSize, input.Size(-1), nameof(input));
        }

        if (hx is not null)
        {
            if (batched && hx.Size(0) != batch)
            {
                ThrowHelper.ThrowCellBatch(batch, hx.Size(0), nameof(hx));
            }

            if (hx.Size(-1) != HiddenSize)
            {
                ThrowHelper.ThrowCellHiddenSize(HiddenSize, hx.Size(-1), nameof(hx));
            }
        }

        // PyTorch checks shapes first; the dtype fails in the first matrix product.
        if (input.DType != DType.Float32)
        {
            ThrowHelper.ThrowMatMulDType(nameof(input));
        }

        if (hx is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(nameof(hx));
        }

        Tensor result = Tensor.CreateOwned(batched ? [batch, HiddenSize] : [HiddenSize]);
        int count = batch * HiddenSize;
        bool packed = Kernel.UsesPacked(HiddenSize);
        if (count > 0)
        {
            Step(input, hx, batch, packed, result);
        }

        if (MustRecord(input, hx))
        {
            result.SetGradFn(new RnnCellBackward(result, input, hx, _weightIh, _weightHh, _biasIh, _biasHh, Nonlinearity, packed, batch));
        }

        return result;
    }

    /// <summary>Whether a forward call must record a graph: grad mode is on and the input, hx or a parameter requires grad.</summary>
    private bool MustRecord(Tensor input, Tensor? hx) =>
        Tensor.MustRecord(input, hx, _weightIh) || Tensor.MustRecord(_weightHh, _biasIh, _biasHh);

    /// <summary>The step on validated arguments: <c>result = act(x · W_ihᵀ + b_ih + h · W_hhᵀ + b_hh)</c>, <c>(N, H_out)</c>.</summary>
    private void Step(Tensor input, Tensor? hx, int batch, bool packed, Tensor result)
    {
        int count = batch * HiddenSize;

        float[] scratch = ArrayPool<float>.Shared.Rent(2 * count);
        try
        {
            Span<float> gates = scratch.AsSpan(0, count);
            Span<float> zeros = scratch.AsSpan(count, count);
            zeros.Clear();
            ReadOnlySpan<float> hidden = hx is null ? zeros : hx.AsReadOnlySpan();
            if (packed)
            {
                // The same two products as one step of Rnn's packed layer: identical bits.
                PackedRecurrentWeights weights = PackedRecurrentWeights.Acquire(
                    ref _packed, _parameters.Version, 1, _direction);
                try
                {
                    PackedDirection w = weights.Directions[0];
                    PackedGemm.Multiply(input.AsReadOnlySpan(), InputSize, w.WeightIh, w.BiasIh, default, 0, gates, HiddenSize, batch, HiddenSize, InputSize);
                    Span<float> h = result.AsSpan();
                    PackedGemm.Multiply(hidden, HiddenSize, w.WeightHh, w.BiasHh, gates, HiddenSize, h, HiddenSize, batch, HiddenSize, HiddenSize);
                    RnnCellKernel.Activate(h, Nonlinearity);
                }
                finally
                {
                    weights.Release();
                }
            }
            else
            {
                LinearKernel.Forward(
                    input.AsReadOnlySpan(), _weightIh.AsReadOnlySpan(), _biasIh is null ? default : _biasIh.AsReadOnlySpan(),
                    gates, batch, InputSize, HiddenSize);
                RnnCellKernel.Step(
                    hidden, _weightHh.AsReadOnlySpan(), _biasHh is null ? default : _biasHh.AsReadOnlySpan(),
                    gates, Nonlinearity, result.AsSpan(), batch, HiddenSize);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <inheritdoc/>
    protected override string ExtraRepr()
    {
        var s = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}"));
        if (!Bias)
        {
            s.Append(", bias=False");
        }

        if (Nonlinearity != Nonlinearity.Tanh)
        {
            s.Append(", nonlinearity=relu");
        }

        return s.ToString();
    }
}
