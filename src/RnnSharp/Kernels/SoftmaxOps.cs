using System.Buffers;
using System.Numerics.Tensors;

namespace RnnSharp.Kernels;

/// <summary>
/// Softmax and log-softmax over one dimension of a contiguous tensor seen as <c>(outer, size, inner)</c>, forward
/// and backward, as ATen's CPU kernels compute them: subtract the maximum, exponentiate, sum; softmax multiplies
/// by the reciprocal of the sum, log-softmax subtracts its logarithm.
/// </summary>
internal static class SoftmaxOps
{
    /// <summary><c>destination = softmax(source)</c> (or log-softmax) along the middle dimension. May run in place.</summary>
    public static void Forward(ReadOnlySpan<float> source, int outer, int size, int inner, bool log, Span<float> destination)
    {
        if (size == 0)
        {
            return;
        }

        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                Row(source.Slice(o * size, size), log, destination.Slice(o * size, size));
            }

            return;
        }

        float[] rented = ArrayPool<float>.Shared.Rent(2 * inner);
        Span<float> max = rented.AsSpan(0, inner);
        Span<float> sum = rented.AsSpan(inner, inner);
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> x = source.Slice(o * size * inner, size * inner);
            Span<float> y = destination.Slice(o * size * inner, size * inner);
            x[..inner].CopyTo(max);
            for (int k = 1; k < size; k++)
            {
                TensorPrimitives.Max(max, x.Slice(k * inner, inner), max);
            }

            sum.Clear();
            for (int k = 0; k < size; k++)
            {
                Span<float> yk = y.Slice(k * inner, inner);
                TensorPrimitives.Subtract(x.Slice(k * inner, inner), max, yk);
                if (log)
                {
                    for (int i = 0; i < inner; i++)
                    {
                        sum[i] += MathF.Exp(yk[i]);
                    }
                }
                else
                {
                    TensorPrimitives.Exp(yk, yk);
                    TensorPrimitives.Add(sum, yk, sum);
                }
            }

            if (log)
            {
                TensorPrimitives.Log(sum, sum);
                for (int k = 0; k < size; k++)
                {
                    TensorPrimitives.Subtract(y.Slice(k * inner, inner), sum, y.Slice(k * inner, inner));
                }
            }
            else
            {
                TensorPrimitives.Divide(1f, sum, sum);
                for (int k = 0; k < size; k++)
                {
                    TensorPrimitives.Multiply(y.Slice(k * inner, inner), sum, y.Slice(k * inner, inner));
                }
            }
        }

        ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>
    /// The input gradient from the output <paramref name="output"/> and its gradient <paramref name="gradOutput"/>:
    /// <c>y · (g − Σ g·y)</c> for softmax, <c>g − exp(y) · Σ g</c> for log-softmax.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> output, int outer, int size, int inner, bool log, Span<float> destination)
    {
        for (int o = 0; o < outer; o++)
        {
            int baseIndex = o * size * inner;
            for (int i = 0; i < inner; i++)
            {
                float sum = 0f;
                for (int k = 0; k < size; k++)
                {
                    int at = baseIndex + (k * inner) + i;
                    sum += log ? gradOutput[at] : gradOutput[at] * output[at];
                }

                for (int k = 0; k < size; k++)
                {
                    int at = baseIndex + (k * inner) + i;
                    destination[at] = log ? gradOutput[at] - (MathF.Exp(output[at]) * sum) : output[at] * (gradOutput[at] - sum);
                }
            }
        }
    }

    /// <summary>The oracle: softmax or log-softmax of one row in double precision.</summary>
    public static void ForwardNaive(ReadOnlySpan<float> source, bool log, Span<float> destination)
    {
        double max = double.NegativeInfinity;
        foreach (float v in source)
        {
            max = Math.Max(max, v);
        }

        double sum = 0;
        foreach (float v in source)
        {
            sum += Math.Exp(v - max);
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)(log ? source[i] - max - Math.Log(sum) : Math.Exp(source[i] - max) / sum);
        }
    }

    private static void Row(ReadOnlySpan<float> x, bool log, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        if (log)
        {
            float sum = 0f;
            foreach (float v in y)
            {
                sum += MathF.Exp(v);
            }

            TensorPrimitives.Subtract(y, MathF.Log(sum), y);
        }
        else
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum(y), y);
        }
    }
}
