using System.Globalization;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.Linear</c>: an affine map <c>y = x · Wᵀ + b</c> over the last dimension of the input.
/// </summary>
/// <remarks>
/// <para>
/// Shapes use PyTorch's letters: the input is <c>(*, H_in)</c> with any number of leading dimensions (none for a
/// single vector), the output <c>(*, H_out)</c>; <see cref="Weight"/> is <c>(H_out, H_in)</c> and <see cref="Bias"/>
/// <c>(H_out)</c>, registered in that order as <c>weight</c> and <c>bias</c>.
/// </para>
/// <para>
/// Initialised as PyTorch 1.13's <c>reset_parameters</c>: <c>kaiming_uniform_(weight, a=√5)</c>, i.e.
/// <c>U(−1/√H_in, 1/√H_in)</c> with PyTorch's rounding of the bound, then the bias from
/// <c>U(−1/√H_in, 1/√H_in)</c> when <c>H_in &gt; 0</c>; after <see cref="Torch.ManualSeed(int)"/> both equal
/// PyTorch's bit for bit. The forward pass is differentiable with one fused backward node
/// (<c>dX = dY · W</c>, <c>dW = dYᵀ · X</c>, <c>db = Σ dY</c>) named as PyTorch names the output's grad_fn
/// (<c>AddmmBackward0</c> for a 2-D input with a bias).
/// </para>
/// </remarks>
public sealed class Linear : Module
{
    /// <summary>
    /// Creates the layer. Equivalent to <c>torch.nn.Linear(in_features, out_features, bias)</c>.
    /// </summary>
    /// <param name="inFeatures">H_in, the size of each input sample.</param>
    /// <param name="outFeatures">H_out, the size of each output sample.</param>
    /// <param name="bias">Whether the layer learns an additive bias.</param>
    /// <param name="generator">The generator the initial parameters are drawn from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">
    /// A size is negative (PyTorch: <c>Trying to create tensor with negative dimension -1: [3, -1]</c>).
    /// </exception>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        int[] weightShape = [outFeatures, inFeatures];
        for (int d = 0; d < 2; d++)
        {
            if (weightShape[d] < 0)
            {
                ThrowHelper.ThrowNegativeDimension(weightShape, d, d == 0 ? nameof(outFeatures) : nameof(inFeatures));
            }
        }

        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var buffer = new FlatParameters(((long)outFeatures * inFeatures) + (bias ? outFeatures : 0), nameof(inFeatures));
        Weight = RegisterParameter("weight", buffer, weightShape);
        if (bias)
        {
            Bias = RegisterParameter("bias", buffer, [outFeatures]);
        }
        else
        {
            RegisterParameter("bias", null);
        }

        ResetParameters(generator);
    }

    /// <summary>H_in, the size of each input sample. Equivalent to <c>linear.in_features</c>.</summary>
    public int InFeatures { get; }

    /// <summary>H_out, the size of each output sample. Equivalent to <c>linear.out_features</c>.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight <c>(H_out, H_in)</c>. Equivalent to <c>linear.weight</c>.</summary>
    public Parameter Weight { get; }

    /// <summary>The bias <c>(H_out)</c>, or <see langword="null"/> for a layer built with <c>bias: false</c>. Equivalent to <c>linear.bias</c>.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc/>
    protected override string TypeName => "Linear";

    /// <summary>
    /// Draws new parameters as PyTorch 1.13's <c>Linear.reset_parameters()</c> does: the weight by
    /// <see cref="Init.KaimingUniform"/> with <c>a = √5</c>, then the bias from <c>U(−1/√H_in, 1/√H_in)</c>.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    public void ResetParameters(Generator? generator = null)
    {
        Init.KaimingUniform(Weight.Data, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            long fanIn = InFeatures;
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform(Bias.Data, -bound, bound, generator);
        }
    }

    /// <summary>
    /// Applies the layer: <c>y = x · Wᵀ + b</c>. Equivalent to <c>linear(input)</c>. Records a graph when grad mode is
    /// on and the input or a parameter requires grad.
    /// </summary>
    /// <param name="input">The input <c>(*, H_in)</c>: at least one dimension, the last of size H_in.</param>
    /// <returns>The output <c>(*, H_out)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The input is 0-d (PyTorch: <c>both arguments to matmul need to be at least 1D, but they are 0D and 2D</c>) or its
    /// last dimension is not H_in (<c>mat1 and mat2 shapes cannot be multiplied (6x4 and 5x5)</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">The input is an int64 tensor.</exception>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReadOnlySpan<int> shape = input.Shape;
        if (shape.Length == 0)
        {
            ThrowHelper.ThrowMatmulScalar(nameof(input));
        }

        int last = shape[^1];
        int rows = ShapeMath.CheckedNumel(shape[..^1], nameof(input));
        if (last != InFeatures)
        {
            ThrowHelper.ThrowMatmulShapes(rows, last, InFeatures, OutFeatures, nameof(input));
        }

        int[] outputShape = shape.ToArray();
        outputShape[^1] = OutFeatures;
        Tensor output = Tensor.Empty(outputShape);
        LinearKernel.Forward(
            input.AsReadOnlySpan(), Weight.AsReadOnlySpan(), Bias is null ? default : Bias.AsReadOnlySpan(), output.AsSpan(),
            rows, InFeatures, OutFeatures);
        if (Tensor.MustRecord(input, Weight, Bias))
        {
            output.SetGradFn(new LinearBackward(input, Weight, Bias, rows));
        }

        return output;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => string.Create(
        CultureInfo.InvariantCulture, $"in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is null ? "False" : "True")}");
}
