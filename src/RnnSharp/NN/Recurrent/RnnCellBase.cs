using System.Buffers;
using System.Globalization;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// What <see cref="LstmCell"/> and <see cref="GruCell"/> share, as PyTorch's <c>torch.nn.RNNCellBase</c>: the
/// parameters <c>weight_ih</c> <c>(G·H, H_in)</c>, <c>weight_hh</c> <c>(G·H, H)</c>, <c>bias_ih</c> and
/// <c>bias_hh</c> <c>(G·H)</c>, initialised from <c>U(−1/√H, 1/√H)</c> in that order, the argument checks, and one
/// step on the engine of the recurrent layers (a one-step, one-layer sequence). Not meant to be derived from
/// outside RnnSharp.
/// </summary>
public abstract class RnnCellBase : Module
{
    private readonly FlatParameters _parameters;

    private protected RnnCellBase(RecurrentCellKernel cell, int inputSize, int hiddenSize, bool bias, Generator? generator)
    {
        RecurrentArguments.CheckSizes(inputSize, hiddenSize);

        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Bias = bias;
        int gates = cell.Gates * hiddenSize;
        _parameters = new FlatParameters(((long)gates * inputSize) + ((long)gates * hiddenSize) + (bias ? 2L * gates : 0), nameof(hiddenSize));
        var weights = new DirectionWeights(
            RegisterParameter("weight_ih", _parameters, [gates, inputSize]),
            RegisterParameter("weight_hh", _parameters, [gates, hiddenSize]),
            bias ? RegisterParameter("bias_ih", _parameters, [gates]) : null,
            bias ? RegisterParameter("bias_hh", _parameters, [gates]) : null);
        Stack = new RecurrentStack(cell, inputSize, hiddenSize, hiddenSize, 1, 1, false, 0, _parameters, [weights]);
        ResetParameters(generator);
    }

    /// <summary>The number of features in the input, <c>H_in</c> (PyTorch's <c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>The number of features in the hidden state, <c>H</c> (PyTorch's <c>hidden_size</c>).</summary>
    public int HiddenSize { get; }

    /// <summary>Whether the cell has the bias vectors (PyTorch's <c>bias</c>).</summary>
    public bool Bias { get; }

    /// <summary>The engine that runs this cell.</summary>
    internal RecurrentStack Stack { get; }

    /// <summary>The names PyTorch gives the grad_fn of a batched step's results: h, then c (recorded from torch 1.13).</summary>
    private protected abstract (string H, string C) GradFnNames { get; }

    /// <summary>
    /// Re-draws every parameter from <c>U(−1/√H, 1/√H)</c> in registration order. Equivalent to <c>reset_parameters()</c>.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    public void ResetParameters(Generator? generator = null) => _parameters.ResetUniform(HiddenSize, generator);

    /// <inheritdoc/>
    protected override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}") + (Bias ? string.Empty : ", bias=False");

    /// <summary>One step: h' (and c' for an LSTM cell), PyTorch's checks first.</summary>
    private protected (Tensor H, Tensor? C) StepCore(Tensor input, Tensor? hx, Tensor? cx)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Dim is not (1 or 2))
        {
            ThrowHelper.ThrowInputRank(TypeName, "1-D or 2-D", input.Dim, nameof(input));
        }

        bool batched = input.Dim == 2;
        CheckStateRank(batched, input, hx, nameof(hx));
        CheckStateRank(batched, input, cx, nameof(cx));
        int batch = batched ? input.Size(0) : 1;
        if (input.Size(-1) != InputSize)
        {
            ThrowHelper.ThrowCellInputSize(InputSize, input.Size(-1), nameof(input));
        }

        CheckState(batched, batch, hx, nameof(hx));
        CheckState(batched, batch, cx, nameof(cx)); // torch 1.13 says "hidden0" for cx too (recorded)
        RecurrentArguments.CheckFloat32(input, hx, cx, nameof(hx), nameof(cx));

        int[] shape = batched ? [batch, HiddenSize] : [HiddenSize];
        Tensor h = Tensor.Empty(shape);
        Tensor? c = Stack.HasCellState ? Tensor.Empty(shape) : null;
        // h_n of the one-step sequence holds the same values as h: the engine writes it into a pooled buffer.
        float[] last = ArrayPool<float>.Shared.Rent(batch * HiddenSize);
        bool record = GradMode.IsEnabled
            && (input.RequiresGrad || (hx?.RequiresGrad ?? false) || (cx?.RequiresGrad ?? false) || Stack.AnyParameterRequiresGrad());
        try
        {
            StepInto(h, c, last, batched, batch, input, hx, cx, record);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(last);
        }

        return (h, c);
    }

    /// <summary>Runs the step into <paramref name="h"/> (and <paramref name="c"/>), recording the graph when asked.</summary>
    private void StepInto(Tensor h, Tensor? c, float[] last, bool batched, int batch, Tensor input, Tensor? hx, Tensor? cx, bool record)
    {
        if (record)
        {
            (string hName, string cName) = batched ? GradFnNames : ("SqueezeBackward1", "SqueezeBackward1");
            var node = new RecurrentBackward(hName, Stack, input, hx, cx, 1, batch, transposed: false, dropout: false) { IsCell = true };
            try
            {
                Run(node);
            }
            catch
            {
                node.ReturnBuffers();
                throw;
            }

            h.SetGradFn(node, 0);
            if (c is not null)
            {
                c.SetGradFn(node, 2);
                c.SetGradFn(new PassThroughBackward(cName, c));
            }
        }
        else
        {
            Run(null);
        }

        void Run(RecurrentBackward? tape) => Stack.Run(
            input.AsReadOnlyMemory(), hx is null ? default : hx.AsReadOnlyMemory(), cx is null ? default : cx.AsReadOnlyMemory(),
            1, batch, dropout: false, h.AsMemory(), last.AsMemory(0, batch * HiddenSize), c is null ? default : c.AsMemory(), tape);
    }

    private static void CheckStateRank(bool batched, Tensor input, Tensor? state, string paramName)
    {
        if (state is not null && state.Dim != input.Dim)
        {
            ThrowHelper.ThrowCellHiddenRank(batched, state.Dim, paramName);
        }
    }

    private void CheckState(bool batched, int batch, Tensor? state, string paramName)
    {
        if (state is null)
        {
            return;
        }

        if (batched && state.Size(0) != batch)
        {
            ThrowHelper.ThrowCellBatch(batch, state.Size(0), paramName);
        }

        if (state.Size(-1) != HiddenSize)
        {
            ThrowHelper.ThrowCellHiddenSize(HiddenSize, state.Size(-1), paramName);
        }
    }
}
