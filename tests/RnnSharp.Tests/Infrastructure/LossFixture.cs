using System.Globalization;
using System.Text;
using System.Text.Json;
using RnnSharp.Kernels;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>
/// Reads <c>Fixtures/losses.json</c> (written by <c>Fixtures/record_losses.py</c>) and compares kernel results with
/// PyTorch's under a tolerance measured per element from PyTorch itself (see <see cref="AssertMatchesTorch"/>).
/// </summary>
internal static class LossFixture
{
    public const string File = "losses.json";

    /// <summary>Float32 machine epsilon, 2^-23: one ulp at magnitude 1.</summary>
    public const double Eps = 1.0 / (1 << 23);

    /// <summary>
    /// How many float32 roundings at the tensor's scale our kernels may make differently from ATen's: each result
    /// element comes out of at most four elementwise float32 steps (x − max, exp, a product, a subtraction; or the
    /// final rounding of a double sum), and each may land one ulp away from torch's choice.
    /// </summary>
    public const double Roundings = 4;

    /// <summary>The names of the cases of one kind, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names(string kind) =>
        Fixture.Names(File, c => c.GetProperty("kind").GetString() == kind);

    public static JsonElement Case(string name) => Fixture.Case(File, name);

    public static float[] Floats(JsonElement c, string key) =>
        c.GetProperty(key).GetProperty("data").EnumerateArray().Select(Fixture.ReadFloat).ToArray();

    /// <summary>An optional tensor (the class weight): empty when null, as the kernels take it.</summary>
    public static float[] FloatsOrEmpty(JsonElement c, string key) =>
        c.GetProperty(key).ValueKind == JsonValueKind.Null ? [] : Floats(c, key);

    public static int[] Shape(JsonElement c, string key) =>
        c.GetProperty(key).GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();

    public static long[] Longs(JsonElement c, string key) =>
        c.GetProperty(key).EnumerateArray().Select(e => e.GetInt64()).ToArray();

    public static Reduction Reduction(JsonElement c) => c.GetProperty("reduction").GetString() switch
    {
        "none" => RnnSharp.Reduction.None,
        "mean" => RnnSharp.Reduction.Mean,
        "sum" => RnnSharp.Reduction.Sum,
        var s => throw new FormatException($"Unknown reduction {s}"),
    };

    /// <summary>An input <c>(N, C, d1, …)</c> as the kernels see it.</summary>
    public static ClassLayout Layout(int[] shape) =>
        new(shape[0], shape[1], shape.Skip(2).Aggregate(1, (a, b) => a * b));

    /// <summary>
    /// Asserts <c>|actual − torch32| ≤ 2·E + 4·2^-23·M</c> element by element, where <c>key</c> holds torch's float32
    /// result, <c>key_err</c> the measured <c>|torch32 − torch64|</c>, E is the largest of those over the tensor and M
    /// the largest <c>|torch32|</c>. Why:
    /// <list type="bullet">
    /// <item>2·E, measured: the float64 result stands in for the exact one, and E is how far torch's float32
    /// computation strays from it on this very case (its float32 reductions, cancellations, exp and log). Our kernels
    /// do the same float32 elementwise steps and accumulate every sum in double, so they stray no further; two results
    /// each within E of the exact value are within 2·E of each other. E is taken over the whole tensor, because one
    /// element's error can be ~0 by luck while its neighbours', computed the same way, are not.</item>
    /// <item>4·2^-23·M, counted: where E is ~0 by luck on a scalar (a reduced loss) or on a whole small tensor, our
    /// own float32 steps can still round differently from torch's: <see cref="Roundings"/> ulps at the scale of the
    /// tensor's largest value (gradients like <c>g − exp(y)·Σg</c> cancel terms of that size).</item>
    /// </list>
    /// Over the recorded cases the largest |ours − torch32| is 0.62 of this tolerance. NaN matches only NaN, an
    /// infinity only itself.
    /// </summary>
    public static void AssertMatchesTorch(ReadOnlySpan<float> actual, JsonElement c, string key)
    {
        float[] expected = Floats(c, key);
        float[] err = Floats(c, key + "_err");
        actual.Length.Should().Be(expected.Length, "{0} of {1} has that many elements", key, c.GetProperty("name").GetString());
        double measured = err.DefaultIfEmpty(0).Max();
        double scale = expected.Where(float.IsFinite).Select(e => Math.Abs((double)e)).DefaultIfEmpty(0).Max();
        double tolerance = (2 * measured) + (Roundings * Eps * scale);
        var bad = new List<int>();
        for (int i = 0; i < expected.Length; i++)
        {
            float a = actual[i], e = expected[i];
            if (float.IsNaN(e) || float.IsInfinity(e))
            {
                if (!(float.IsNaN(e) ? float.IsNaN(a) : a == e))
                {
                    bad.Add(i);
                }

                continue;
            }

            double diff = Math.Abs((double)a - e);
            if (!(diff <= tolerance))
            {
                bad.Add(i);
            }
        }

        if (bad.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{c.GetProperty("name").GetString()} {key}: {bad.Count} of {expected.Length} elements differ from torch by more than {tolerance:R} (measured |torch32 − torch64| up to {measured:R}, largest |torch32| {scale:R}).");
        foreach (int i in bad.Take(8))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  [{i}]: actual {actual[i]:R}, torch32 {expected[i]:R}, difference {Math.Abs((double)actual[i] - expected[i]):R}");
        }

        throw new Xunit.Sdk.XunitException(sb.ToString());
    }
}
