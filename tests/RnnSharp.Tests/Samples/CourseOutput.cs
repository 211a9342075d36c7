using System.Globalization;
using System.Text.RegularExpressions;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Samples;

/// <summary>
/// Compares what a C# port of a course program printed with what PyTorch printed for it (Fixtures/course/*.out),
/// using PyTorch's own float32-vs-float64 run of the same program (*.f64.out, same initial weights) as the measure
/// of what float32 rounding alone changes:
/// <list type="bullet">
/// <item>Every number with a fractional part or exponent (the losses) must satisfy
/// <c>|ours − torch32| ≤ 2·E + 4 ulp(torch32)</c>, where E is the largest <c>|torch32 − torch64|</c> printed so far
/// in the run: if both float32 computations are as close to exact as PyTorch's, they are within twice its error
/// of each other. E is the running maximum, not the value on the same line, because rounding error accumulates
/// over training while its value at one iteration can be small by luck (longseq's iteration 27: 1.5·10⁻⁷ between
/// neighbours of 10⁻⁶); the 4 ulp cover the first iterations, where the measured error can be zero.</item>
/// <item>The rest of the line (predictions, indices, text) must be identical to PyTorch's up to the first line on
/// which PyTorch's own float32 and float64 runs print different text. From there on, which of two nearly equal
/// logits wins is decided by rounding alone (longseq is chaotic: one ulp in its initial weights changes half of
/// its printed predictions), so only the losses are compared.</item>
/// </list>
/// A sample may leave out lines that PyTorch's run printed through something other than PyTorch (timeseries leaves out
/// NumPy's print of its dataset windows): the caller names them with a predicate, and they are removed from both
/// recorded runs before the comparison; every other line must still be printed, in order.
/// </summary>
internal static partial class CourseOutput
{
    private const int MaxReported = 8;

    [GeneratedRegex(@"(?<![\w.])-?(?:\d+\.\d+(?:e[-+]\d+)?|\d+e[-+]\d+|nan|inf)(?![\w.])")]
    private static partial Regex NumberPattern();

    /// <summary>Asserts that <paramref name="actual"/> is what PyTorch printed for <paramref name="program"/>, under the rules above.</summary>
    /// <param name="program">The recorded program's name (Fixtures/course/<c>program</c>.out).</param>
    /// <param name="actual">What the sample printed.</param>
    /// <param name="leftOut">The lines of PyTorch's output that the sample does not print, if any: at least one line
    /// of the recorded output must match it, so that a stale rule cannot hide a missing line.</param>
    public static void AssertMatches(string program, string actual, Func<string, bool>? leftOut = null)
    {
        string[] torch32 = Lines(File.ReadAllText(Path.Combine(Fixture.Directory, "course", program + ".out")));
        string[] torch64 = Lines(File.ReadAllText(Path.Combine(Fixture.Directory, "course", program + ".f64.out")));
        if (leftOut is not null)
        {
            int recorded = torch32.Length;
            torch32 = [.. torch32.Where(line => !leftOut(line))];
            torch64 = [.. torch64.Where(line => !leftOut(line))];
            torch32.Length.Should().BeLessThan(recorded, "the rule for the lines the sample leaves out matches some of PyTorch's output");
            torch64.Length.Should().Be(torch32.Length, "PyTorch's float32 and float64 runs print the same lines");
        }

        string[] ours = Lines(actual);
        ours.Length.Should().Be(torch32.Length, "the program prints one line per line PyTorch printed");

        var failures = new List<string>();
        int compared = 0;
        bool trajectoriesAgree = true;
        double envelope = 0;
        for (int n = 0; n < ours.Length; n++)
        {
            (string shape32, double[] numbers32) = Split(torch32[n]);
            (string shape64, double[] numbers64) = Split(torch64[n]);
            (string shapeOurs, double[] numbersOurs) = Split(ours[n]);
            trajectoriesAgree &= shape32 == shape64;
            if (trajectoriesAgree)
            {
                compared++;
                if (shapeOurs != shape32)
                {
                    failures.Add($"line {n + 1}: text differs while PyTorch's float32 and float64 runs still agree:\n  ours:    {ours[n]}\n  PyTorch: {torch32[n]}");
                    continue;
                }
            }

            if (numbersOurs.Length != numbers32.Length || numbers64.Length != numbers32.Length)
            {
                failures.Add($"line {n + 1}: {numbersOurs.Length} numbers, PyTorch printed {numbers32.Length}:\n  ours:    {ours[n]}\n  PyTorch: {torch32[n]}");
                continue;
            }

            for (int k = 0; k < numbers32.Length; k++)
            {
                envelope = Math.Max(envelope, Math.Abs(numbers32[k] - numbers64[k]));
                double allowed = (2 * envelope) + (4 * Ulp((float)numbers32[k]));
                double diff = Math.Abs(numbersOurs[k] - numbers32[k]);
                if (!(diff <= allowed))
                {
                    failures.Add(string.Create(CultureInfo.InvariantCulture,
                        $"line {n + 1}: {numbersOurs[k]:R} vs PyTorch's {numbers32[k]:R}: |difference| {diff:R} > allowed {allowed:R} (PyTorch float64: {numbers64[k]:R})"));
                }
            }
        }

        compared.Should().BeGreaterThan(0);
        if (failures.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"{failures.Count} of {ours.Length} lines differ from PyTorch's output of {program}; the first {Math.Min(MaxReported, failures.Count)}:\n" +
                string.Join("\n", failures.Take(MaxReported)));
        }
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');

    private static (string Shape, double[] Numbers) Split(string line)
    {
        var numbers = new List<double>();
        string shape = NumberPattern().Replace(line, m =>
        {
            numbers.Add(double.Parse(m.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            return "<number>";
        });
        return (shape, numbers.ToArray());
    }

    private static double Ulp(float value) => Math.Abs((double)MathF.BitIncrement(Math.Abs(value)) - Math.Abs(value));
}
