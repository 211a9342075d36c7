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

    /// <summary>
    /// The tolerance floor, relative to <c>max(1, |expected|)</c>: about 8 float32 ulps at magnitude 1. It covers the
    /// elements where torch's float32 result happens to sit (almost) exactly on the float64 one, so that the measured
    /// error is ~0 while our elementwise float32 steps (exp, log, a subtraction, a product: each rounds once, the
    /// vectorised exp may be 1–2 ulps off) still round differently from torch's own.
    /// </summary>
    public const double Floor = 1e-6;

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
    /// Asserts, element by element, <c>|actual − torch32| ≤ max(2·|torch32 − torch64|, Floor·max(1, |torch32|))</c>,
    /// where <c>key</c> holds torch's float32 result and <c>key_err</c> the measured <c>|torch32 − torch64|</c>.
    /// Why: the float64 result stands in for the exact value. Our kernels do the same float32 elementwise steps as
    /// ATen and accumulate every sum in double, so they are at least as close to it as torch's float32 result is;
    /// the distance between two results that are each within err of the exact value is at most 2·err. Where err
    /// happens to be ~0 the <see cref="Floor"/> applies. NaN matches only NaN, an infinity only itself.
    /// </summary>
    public static void AssertMatchesTorch(ReadOnlySpan<float> actual, JsonElement c, string key)
    {
        float[] expected = Floats(c, key);
        float[] err = Floats(c, key + "_err");
        actual.Length.Should().Be(expected.Length, "{0} of {1} has that many elements", key, c.GetProperty("name").GetString());
        var bad = new List<int>();
        double maxDiff = 0, maxRatio = 0;
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
            double tol = Tolerance(e, err[i]);
            maxDiff = Math.Max(maxDiff, diff);
            maxRatio = Math.Max(maxRatio, diff / tol);
            if (!(diff <= tol))
            {
                bad.Add(i);
            }
        }

        Record(c.GetProperty("kind").GetString()! + "." + key, maxDiff, maxRatio);
        if (bad.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{c.GetProperty("name").GetString()} {key}: {bad.Count} of {expected.Length} elements differ from torch beyond the measured tolerance.");
        foreach (int i in bad.Take(8))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  [{i}]: actual {actual[i]:R}, torch32 {expected[i]:R}, |torch32 − torch64| {err[i]:R}, tolerance {Tolerance(expected[i], err[i]):R}");
        }

        throw new Xunit.Sdk.XunitException(sb.ToString());
    }

    private static double Tolerance(float expected, float err) =>
        Math.Max(2.0 * err, Floor * Math.Max(1.0, Math.Abs((double)expected)));

    /// <summary>Largest |ours − torch32| and largest ratio to the tolerance seen per kind and result, for reports.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (double MaxDiff, double MaxRatio)> Seen = new();

    private static void Record(string what, double diff, double ratio) =>
        Seen.AddOrUpdate(what, (diff, ratio), (_, old) => (Math.Max(old.MaxDiff, diff), Math.Max(old.MaxRatio, ratio)));
}
