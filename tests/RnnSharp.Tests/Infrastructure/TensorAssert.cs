using System.Globalization;
using System.Text;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>Tensor comparisons with <c>torch.allclose</c> semantics and failure reports that show where and by how much.</summary>
internal static class TensorAssert
{
    private const int MaxReported = 8;

    /// <summary>
    /// Asserts equal shapes and <c>|actual − expected| ≤ atol + rtol·|expected|</c> everywhere, as
    /// <c>torch.allclose(actual, expected, rtol, atol)</c>; NaN matches only NaN, infinities only themselves.
    /// </summary>
    public static void AllClose(Tensor actual, Tensor expected, double rtol = 1e-5, double atol = 1e-6, string? because = null)
    {
        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray(), "shapes must match {0}", because ?? string.Empty);
        ReadOnlySpan<float> a = actual.AsReadOnlySpan();
        ReadOnlySpan<float> e = expected.AsReadOnlySpan();
        var bad = new List<int>();
        double maxDiff = 0;
        int maxAt = -1;
        for (int i = 0; i < a.Length; i++)
        {
            double diff = Math.Abs((double)a[i] - e[i]);
            bool ok = float.IsNaN(e[i]) ? float.IsNaN(a[i])
                : float.IsInfinity(e[i]) ? a[i] == e[i]
                : diff <= atol + (rtol * Math.Abs((double)e[i]));
            if (!ok)
            {
                bad.Add(i);
            }

            if (!double.IsNaN(diff) && diff > maxDiff)
            {
                maxDiff = diff;
                maxAt = i;
            }
        }

        if (bad.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{bad.Count} of {a.Length} elements differ (rtol={rtol}, atol={atol}) in a tensor of shape {actual.Size()}");
        if (because is not null)
        {
            sb.Append(' ').Append(because);
        }

        sb.AppendLine(".");
        if (maxAt >= 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Max |difference| {maxDiff:R} at {Where(actual, maxAt)}.");
        }

        foreach (int i in bad.Take(MaxReported))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  at {Where(actual, i)}: actual {a[i]:R}, expected {e[i]:R}");
        }

        throw new Xunit.Sdk.XunitException(sb.ToString());
    }

    /// <summary>Asserts equal shapes and identical bits in every element.</summary>
    public static void BitEqual(Tensor actual, Tensor expected, string? because = null)
    {
        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray(), "shapes must match {0}", because ?? string.Empty);
        ReadOnlySpan<float> a = actual.AsReadOnlySpan();
        ReadOnlySpan<float> e = expected.AsReadOnlySpan();
        var bad = new List<int>();
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(e[i]))
            {
                bad.Add(i);
            }
        }

        if (bad.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{bad.Count} of {a.Length} elements differ in their bits in a tensor of shape {actual.Size()} {because}.");
        foreach (int i in bad.Take(MaxReported))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  at {Where(actual, i)}: actual {a[i]:R} (0x{BitConverter.SingleToInt32Bits(a[i]):X8}), expected {e[i]:R} (0x{BitConverter.SingleToInt32Bits(e[i]):X8})");
        }

        throw new Xunit.Sdk.XunitException(sb.ToString());
    }

    private static string Where(Tensor t, int flat)
    {
        ReadOnlySpan<int> shape = t.Shape;
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }

        return "[" + string.Join(", ", idx) + "]";
    }
}
