using System.Globalization;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.LogSoftmax(dim)</c>: <c>y = x − log Σ_dim exp(x)</c>, computed as ATen does
/// (<c>(x − max) − log Σ exp(x − max)</c>), with the backward <c>LogSoftmaxBackward0</c>.
/// </summary>
public sealed class LogSoftmax : Module
{
    /// <summary>Creates the module. Equivalent to <c>torch.nn.LogSoftmax(dim=dim)</c>.</summary>
    /// <param name="dim">The dimension the values are normalised over; negative values count from the end.</param>
    public LogSoftmax(int dim) => Dim = dim;

    /// <summary>The dimension. Equivalent to <c>module.dim</c>.</summary>
    public int Dim { get; }

    /// <summary>Applies log_softmax. Equivalent to <c>module(input)</c>.</summary>
    /// <param name="input">Any shape with at least one dimension (a 0-d input is treated as one element).</param>
    /// <returns>A tensor of the input's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="Dim"/> is out of range (PyTorch: <c>Dimension out of range (expected to be in range of [-2, 1], but got 2)</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">The input is an int64 tensor.</exception>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReadOnlySpan<int> shape = input.Shape;
        int rank = Math.Max(shape.Length, 1);
        int dim = ShapeMath.NormalizeDim(Dim, rank, "dim");
        int outer = 1, inner = 1, size = shape.Length == 0 ? 1 : shape[dim];
        for (int d = 0; d < shape.Length; d++)
        {
            if (d < dim)
            {
                outer *= shape[d];
            }
            else if (d > dim)
            {
                inner *= shape[d];
            }
        }

        Tensor output = Tensor.Empty(shape.ToArray());
        LogSoftmaxKernel.Forward(input.AsReadOnlySpan(), outer, size, inner, output.AsSpan());
        if (Tensor.MustRecord(input))
        {
            var node = new LogSoftmaxBackward(input, outer, size, inner);
            output.SetGradFn(node);
            node.SaveOutput(output);
        }

        return output;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => "dim=" + Dim.ToString(CultureInfo.InvariantCulture);
}
