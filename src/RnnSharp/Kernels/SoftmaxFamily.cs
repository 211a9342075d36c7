using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// The loops shared by <see cref="LogSoftmaxKernel"/> and <see cref="SoftmaxKernel"/>, in ATen's order
/// (<c>aten/src/ATen/native/cpu/SoftMaxKernel.cpp</c>, <c>host_softmax</c>): the maximum over the dimension,
/// <c>Σ exp(x − max)</c>, then <c>(x − max) − log(sum)</c> for log_softmax or <c>exp(x − max) · (1 / sum)</c> for
/// softmax. Sums are accumulated in double and rounded once. A tensor is viewed as <c>(outer, dim, inner)</c>,
/// row-major; when <c>inner &gt; 1</c> the work runs on contiguous runs of up to <see cref="Chunk"/> inner positions,
/// with stack buffers, so nothing is allocated on the heap.
/// </summary>
internal static class SoftmaxFamily
{
    /// <summary>How many inner positions (or row elements) one pass handles with its stack buffers.</summary>
    public const int Chunk = 256;

    /// <summary>
    /// input, destination <c>(outer, dim, inner)</c>. <paramref name="destination"/> may be <paramref name="input"/>
    /// itself (in place) but must not otherwise overlap it.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, int outer, int dim, int inner, bool log, Span<float> destination)
    {
        if (outer == 0 || dim == 0 || inner == 0)
        {
            return;
        }

        Span<float> tmp = stackalloc float[Chunk];
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ForwardRow(input.Slice(o * dim, dim), log, tmp, destination.Slice(o * dim, dim));
            }

            return;
        }

        Span<double> sum = stackalloc double[Chunk];
        Span<float> exps = stackalloc float[Chunk];
        for (int o = 0; o < outer; o++)
        {
            int slab = o * dim * inner;
            for (int j0 = 0; j0 < inner; j0 += Chunk)
            {
                int w = Math.Min(Chunk, inner - j0);
                Span<float> max = tmp[..w];
                input.Slice(slab + j0, w).CopyTo(max);
                for (int d = 1; d < dim; d++)
                {
                    TensorPrimitives.Max(max, input.Slice(slab + (d * inner) + j0, w), max);
                }

                Span<double> s = sum[..w];
                s.Clear();
                for (int d = 0; d < dim; d++)
                {
                    Span<float> y = destination.Slice(slab + (d * inner) + j0, w);
                    TensorPrimitives.Subtract(input.Slice(slab + (d * inner) + j0, w), max, y);
                    if (log)
                    {
                        // exp(x − max) goes to a scratch run: y keeps x − max for the final subtraction.
                        TensorPrimitives.Exp(y, exps[..w]);
                        WideSum.Accumulate(exps[..w], s);
                    }
                    else
                    {
                        TensorPrimitives.Exp(y, y);
                        WideSum.Accumulate(y, s);
                    }
                }

                // max is done with: reuse it for log(sum) or 1 / sum.
                for (int j = 0; j < w; j++)
                {
                    max[j] = log ? (float)Math.Log(s[j]) : (float)(1.0 / s[j]);
                }

                for (int d = 0; d < dim; d++)
                {
                    Span<float> y = destination.Slice(slab + (d * inner) + j0, w);
                    if (log)
                    {
                        TensorPrimitives.Subtract(y, max, y);
                    }
                    else
                    {
                        TensorPrimitives.Multiply(y, max, y);
                    }
                }
            }
        }
    }

    /// <summary>
    /// gradOutput, output, gradInput <c>(outer, dim, inner)</c>; output is what <see cref="Forward"/> wrote.
    /// log_softmax: <c>gradInput = gradOutput − exp(output) · Σ_dim gradOutput</c>; softmax:
    /// <c>gradInput = (gradOutput − Σ_dim gradOutput · output) · output</c>. <paramref name="gradInput"/> may be
    /// <paramref name="gradOutput"/> or <paramref name="output"/> itself but must not otherwise overlap them.
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, bool log, Span<float> gradInput)
    {
        if (outer == 0 || dim == 0 || inner == 0)
        {
            return;
        }

        Span<float> tmp = stackalloc float[Chunk];
        Span<float> sums = stackalloc float[Chunk];
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> g = gradOutput.Slice(o * dim, dim);
                ReadOnlySpan<float> y = output.Slice(o * dim, dim);
                sums.Fill((float)(log ? WideSum.Sum(g) : WideSum.Dot(g, y)));
                Span<float> gi = gradInput.Slice(o * dim, dim);
                for (int k = 0; k < dim; k += Chunk)
                {
                    int w = Math.Min(Chunk, dim - k);
                    BackwardRun(g.Slice(k, w), y.Slice(k, w), sums[..w], log, tmp[..w], gi.Slice(k, w));
                }
            }

            return;
        }

        Span<double> sum = stackalloc double[Chunk];
        for (int o = 0; o < outer; o++)
        {
            int slab = o * dim * inner;
            for (int j0 = 0; j0 < inner; j0 += Chunk)
            {
                int w = Math.Min(Chunk, inner - j0);
                Span<double> s = sum[..w];
                s.Clear();
                for (int d = 0; d < dim; d++)
                {
                    int at = slab + (d * inner) + j0;
                    if (log)
                    {
                        WideSum.Accumulate(gradOutput.Slice(at, w), s);
                    }
                    else
                    {
                        WideSum.AccumulateProduct(gradOutput.Slice(at, w), output.Slice(at, w), s);
                    }
                }

                for (int j = 0; j < w; j++)
                {
                    sums[j] = (float)s[j];
                }

                for (int d = 0; d < dim; d++)
                {
                    int at = slab + (d * inner) + j0;
                    BackwardRun(gradOutput.Slice(at, w), output.Slice(at, w), sums[..w], log, tmp[..w], gradInput.Slice(at, w));
                }
            }
        }
    }

    /// <summary>
    /// The oracle for <see cref="Forward"/>: every step in double, element by element with strided indexing, rounded
    /// to float32 once at the end. Same layout and aliasing rules.
    /// </summary>
    public static void ForwardReference(ReadOnlySpan<float> input, int outer, int dim, int inner, bool log, Span<float> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int at = o * dim * inner + j;
                double max = double.NegativeInfinity;
                for (int d = 0; d < dim; d++)
                {
                    double x = input[at + (d * inner)];
                    max = double.IsNaN(x) || x > max ? x : max;
                }

                double sum = 0;
                for (int d = 0; d < dim; d++)
                {
                    sum += Math.Exp(input[at + (d * inner)] - max);
                }

                for (int d = 0; d < dim; d++)
                {
                    double shifted = input[at + (d * inner)] - max;
                    destination[at + (d * inner)] = (float)(log ? shifted - Math.Log(sum) : Math.Exp(shifted) / sum);
                }
            }
        }
    }

    /// <summary>
    /// The oracle for <see cref="Backward"/>: PyTorch's formulas in double, element by element, rounded once.
    /// </summary>
    public static void BackwardReference(
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int dim, int inner, bool log, Span<float> gradInput)
    {
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int at = o * dim * inner + j;
                double sum = 0;
                for (int d = 0; d < dim; d++)
                {
                    sum += log ? gradOutput[at + (d * inner)] : (double)gradOutput[at + (d * inner)] * output[at + (d * inner)];
                }

                for (int d = 0; d < dim; d++)
                {
                    double g = gradOutput[at + (d * inner)], y = output[at + (d * inner)];
                    gradInput[at + (d * inner)] = (float)(log ? g - (Math.Exp(y) * sum) : (g - sum) * y);
                }
            }
        }
    }

    private static void ForwardRow(ReadOnlySpan<float> x, bool log, Span<float> tmp, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        double sum = 0;
        if (log)
        {
            // exp(x − max) is summed from a scratch run: y keeps x − max for the final subtraction.
            for (int k = 0; k < y.Length; k += Chunk)
            {
                int w = Math.Min(Chunk, y.Length - k);
                TensorPrimitives.Exp(y.Slice(k, w), tmp[..w]);
                sum += WideSum.Sum(tmp[..w]);
            }

            TensorPrimitives.Subtract(y, (float)Math.Log(sum), y);
        }
        else
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Multiply(y, (float)(1.0 / WideSum.Sum(y)), y);
        }
    }

    // One run of gradInput from gradOutput, output and the sums over the dimension, through tmp, so that
    // gradInput may alias gradOutput or output.
    private static void BackwardRun(
        ReadOnlySpan<float> g, ReadOnlySpan<float> y, ReadOnlySpan<float> sum, bool log, Span<float> tmp, Span<float> gi)
    {
        if (log)
        {
            TensorPrimitives.Exp(y, tmp);
            TensorPrimitives.Multiply(tmp, sum, tmp);
            TensorPrimitives.Subtract(g, tmp, gi);
        }
        else
        {
            TensorPrimitives.Subtract(g, sum, tmp);
            TensorPrimitives.Multiply(tmp, y, gi);
        }
    }
}
