using System.Numerics;
using System.Runtime.InteropServices;

namespace RnnSharp.Kernels;

/// <summary>
/// Float32 reductions accumulated in double, vectorised by widening each <see cref="Vector{T}"/> of floats into two of
/// doubles. PyTorch sums float32 in float32 (in its own cascade order, which cannot be reproduced bit for bit);
/// summing in double and rounding once is at least as accurate, so results stay within PyTorch's own float32 error.
/// </summary>
internal static class WideSum
{
    /// <summary><c>Σ x[i]</c> in double.</summary>
    public static double Sum(ReadOnlySpan<float> x)
    {
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(x);
        Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
        foreach (Vector<float> v in vectors)
        {
            Vector.Widen(v, out Vector<double> lo, out Vector<double> hi);
            acc0 += lo;
            acc1 += hi;
        }

        double sum = Vector.Sum(acc0 + acc1);
        for (int i = vectors.Length * Vector<float>.Count; i < x.Length; i++)
        {
            sum += x[i];
        }

        return sum;
    }

    /// <summary><c>Σ x[i]·y[i]</c> with products and sum in double. The spans have equal lengths.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        ReadOnlySpan<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y[..x.Length]);
        Vector<double> acc0 = Vector<double>.Zero, acc1 = Vector<double>.Zero;
        for (int v = 0; v < xv.Length; v++)
        {
            Vector.Widen(xv[v], out Vector<double> xLo, out Vector<double> xHi);
            Vector.Widen(yv[v], out Vector<double> yLo, out Vector<double> yHi);
            acc0 += xLo * yLo;
            acc1 += xHi * yHi;
        }

        double sum = Vector.Sum(acc0 + acc1);
        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    /// <summary><c>accumulator[i] += x[i]</c> in double, elementwise. <paramref name="accumulator"/> is at least as long as <paramref name="x"/>.</summary>
    public static void Accumulate(ReadOnlySpan<float> x, Span<double> accumulator)
    {
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        Span<Vector<double>> acc = MemoryMarshal.Cast<double, Vector<double>>(accumulator[..(xv.Length * Vector<float>.Count)]);
        for (int v = 0; v < xv.Length; v++)
        {
            Vector.Widen(xv[v], out Vector<double> lo, out Vector<double> hi);
            acc[2 * v] += lo;
            acc[(2 * v) + 1] += hi;
        }

        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++)
        {
            accumulator[i] += x[i];
        }
    }

    /// <summary><c>accumulator[i] += x[i]·y[i]</c> in double, elementwise.</summary>
    public static void AccumulateProduct(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<double> accumulator)
    {
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        ReadOnlySpan<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y[..x.Length]);
        Span<Vector<double>> acc = MemoryMarshal.Cast<double, Vector<double>>(accumulator[..(xv.Length * Vector<float>.Count)]);
        for (int v = 0; v < xv.Length; v++)
        {
            Vector.Widen(xv[v], out Vector<double> xLo, out Vector<double> xHi);
            Vector.Widen(yv[v], out Vector<double> yLo, out Vector<double> yHi);
            acc[2 * v] += xLo * yLo;
            acc[(2 * v) + 1] += xHi * yHi;
        }

        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++)
        {
            accumulator[i] += (double)x[i] * y[i];
        }
    }
}
