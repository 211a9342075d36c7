using System.Globalization;
using System.Numerics;

namespace RnnSharp.Tests;

/// <summary>
/// PyFloatFormat gives Python's <c>"{:.Nf}"</c> and <c>"{:.Ne}"</c>: the exact binary value rounded half to even.
/// The expectations come from an independent reference (the value's exact decimal expansion, rounded on its digit
/// string) and from .NET's own formatting wherever the value is provably not a tie; Python's own strings are checked
/// through tensor_str.json in <see cref="TensorFormatTests"/>.
/// </summary>
public sealed class PyFloatFormatTests
{
    private const int Samples = 20_000;

    public static TheoryData<int> Precisions() => [0, 1, 2, 4, 8, 12, 20];

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Fixed_RandomFloats_MatchExactDecimalRounding(int precision)
    {
        foreach (float v in RandomFloats(seed: 1 + precision))
        {
            PyFloatFormat.Fixed(v, precision).Should().Be(Reference.Fixed(v, precision), $"value {v:R}, precision {precision}");
        }
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Scientific_RandomFloats_MatchExactDecimalRounding(int precision)
    {
        foreach (float v in RandomFloats(seed: 100 + precision))
        {
            PyFloatFormat.Scientific(v, precision).Should().Be(Reference.Scientific(v, precision), $"value {v:R}, precision {precision}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(17)]
    public void Fixed_RandomDoublesOfEveryMagnitude_MatchExactDecimalRounding(int precision)
    {
        foreach (double v in RandomDoubles(seed: 200 + precision, count: 2_000))
        {
            PyFloatFormat.Fixed(v, precision).Should().Be(Reference.Fixed(v, precision), $"value {v:R}, precision {precision}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(17)]
    public void Scientific_RandomDoublesOfEveryMagnitude_MatchExactDecimalRounding(int precision)
    {
        foreach (double v in RandomDoubles(seed: 300 + precision, count: 5_000))
        {
            PyFloatFormat.Scientific(v, precision).Should().Be(Reference.Scientific(v, precision), $"value {v:R}, precision {precision}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Fixed_NotATie_AgreesWithDotNetFixedFormat(int precision)
    {
        string format = "F" + precision.ToString(CultureInfo.InvariantCulture);
        int compared = 0;
        foreach (float v in RandomFloats(seed: 400 + precision))
        {
            if (Reference.IsFixedTie(v, precision))
            {
                continue;
            }

            PyFloatFormat.Fixed(v, precision).Should().Be(((double)v).ToString(format, CultureInfo.InvariantCulture), $"value {v:R}");
            compared++;
        }

        compared.Should().BeGreaterThan(Samples / 2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Scientific_NotATie_AgreesWithDotNetExponentFormatInPythonLayout(int precision)
    {
        string format = "E" + precision.ToString(CultureInfo.InvariantCulture);
        int compared = 0;
        foreach (float v in RandomFloats(seed: 500 + precision))
        {
            if (Reference.IsScientificTie(v, precision))
            {
                continue;
            }

            // .NET writes 1.0312E+000; Python writes 1.0312e+00.
            string dotnet = ((double)v).ToString(format, CultureInfo.InvariantCulture);
            int e = dotnet.IndexOf('E', StringComparison.Ordinal);
            int exponent = int.Parse(dotnet.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            string python = dotnet[..e] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

            PyFloatFormat.Scientific(v, precision).Should().Be(python, $"value {v:R}");
            compared++;
        }

        compared.Should().BeGreaterThan(Samples / 2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(6)]
    public void Fixed_ExactTie_RoundsToTheEvenLastDigit(int precision)
    {
        // odd / 2^(precision + 1) has exactly precision + 1 decimals, the last a 5: always a tie.
        var random = new Random(600 + precision);
        for (int i = 0; i < 2_000; i++)
        {
            int odd = (random.Next(1, 1 << 20) * 2) + 1;
            float v = MathF.ScaleB(odd, -(precision + 1)) * (random.Next(2) == 0 ? 1 : -1);
            Reference.IsFixedTie(v, precision).Should().BeTrue();

            string text = PyFloatFormat.Fixed(v, precision);

            text.Should().Be(Reference.Fixed(v, precision), $"value {v:R}");
            (text[^1] - '0').Should().BeOneOf([0, 2, 4, 6, 8], $"{text} is {v:R} rounded half to even");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void Scientific_ExactTie_RoundsToTheEvenLastDigit(int precision)
    {
        var random = new Random(700 + precision);
        int ties = 0;
        for (int i = 0; i < 20_000; i++)
        {
            // Small odd numerators over small powers of two often have exactly precision + 2 digits, the last a 5.
            int odd = (random.Next(0, 10 * (int)Math.Pow(10, precision)) * 2) + 1;
            float v = MathF.ScaleB(odd, random.Next(-8, 0));
            if (!Reference.IsScientificTie(v, precision))
            {
                continue;
            }

            string text = PyFloatFormat.Scientific(v, precision);

            text.Should().Be(Reference.Scientific(v, precision), $"value {v:R}");
            int e = text.IndexOf('e', StringComparison.Ordinal);
            bool carried = Math.Abs(v) < Math.Pow(10, int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
            if (!carried)
            {
                // (A tie like 9.5 rounds up to the even 10, printed as 1e+01.)
                (text[e - 1] - '0').Should().BeOneOf([0, 2, 4, 6, 8], $"{text} is {v:R} rounded half to even");
            }

            ties++;
        }

        ties.Should().BeGreaterThan(20);
    }

    [Fact]
    public void Format_NegativeValues_KeepTheMinusEvenWhenTheyRoundToZero()
    {
        foreach (float v in RandomFloats(seed: 800).Select(Math.Abs).Append(0f).Append(float.Epsilon))
        {
            foreach (int precision in new[] { 0, 4 })
            {
                PyFloatFormat.Fixed(-v, precision).Should().Be("-" + PyFloatFormat.Fixed(v, precision), $"value {v:R}");
                PyFloatFormat.Scientific(-v, precision).Should().Be("-" + PyFloatFormat.Scientific(v, precision), $"value {v:R}");
            }
        }
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Format_NonFinite_PrintsPythonsName(float value)
    {
        PyFloatFormat.Fixed(value, 4).Should().Be(PyFormat.Repr(value));
        PyFloatFormat.Scientific(value, 4).Should().Be(PyFormat.Repr(value));
        PyFloatFormat.Fixed(-value, 0).Should().Be(PyFormat.Repr(float.IsNaN(value) ? value : -value), "nan is never signed");
    }

    [Fact]
    public void Format_NegativePrecision_Throws()
    {
        Action fixedFormat = () => PyFloatFormat.Fixed(1.0, -1);
        Action scientific = () => PyFloatFormat.Scientific(1.0, -1);

        fixedFormat.Should().Throw<ArgumentOutOfRangeException>();
        scientific.Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>Finite floats from random bits: every exponent (subnormals included) is equally likely.</summary>
    private static IEnumerable<float> RandomFloats(int seed)
    {
        var random = new Random(seed);
        int produced = 0;
        while (produced < Samples)
        {
            float v = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsFinite(v))
            {
                produced++;
                yield return v;
            }
        }
    }

    /// <summary>Finite doubles from random bits, including exponents far beyond float32 (e+308, e-324).</summary>
    private static IEnumerable<double> RandomDoubles(int seed, int count)
    {
        var random = new Random(seed);
        int produced = 0;
        while (produced < count)
        {
            double v = BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(v))
            {
                produced++;
                yield return v;
            }
        }
    }

    /// <summary>
    /// An independent reference: writes the exact decimal expansion of <c>m·2^e</c> (as <c>m·5^-e / 10^-e</c>) and
    /// rounds it half to even on its digit string.
    /// </summary>
    private static class Reference
    {
        public static string Fixed(double v, int precision)
        {
            (bool negative, string digits, int scale) = Exact(v);
            string kept = RoundAt(digits, digits.Length - (scale - precision)).PadLeft(precision + 1, '0');
            string body = precision == 0 ? kept : kept[..^precision] + "." + kept[^precision..];
            return (negative ? "-" : string.Empty) + body;
        }

        public static string Scientific(double v, int precision)
        {
            (bool negative, string digits, int scale) = Exact(v);
            string mantissa;
            int exponent;
            if (digits == "0")
            {
                mantissa = new string('0', precision + 1);
                exponent = 0;
            }
            else
            {
                exponent = digits.Length - 1 - scale;
                mantissa = RoundAt(digits, precision + 1);
                if (mantissa.Length > precision + 1)
                {
                    // 9.99995 rounded to 10.0000: one more digit, all zeros after the 1.
                    mantissa = mantissa[..^1];
                    exponent++;
                }
            }

            string body = mantissa[..1] + (precision > 0 ? "." + mantissa[1..] : string.Empty);
            return (negative ? "-" : string.Empty) + body + "e" + (exponent < 0 ? "-" : "+")
                + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }

        public static bool IsFixedTie(double v, int precision)
        {
            (_, string digits, int scale) = Exact(v);
            int cut = scale - precision;
            return cut > 0 && IsHalf(digits.PadLeft(cut + 1, '0')[^cut..]);
        }

        public static bool IsScientificTie(double v, int precision)
        {
            (_, string digits, _) = Exact(v);
            return digits != "0" && digits.Length > precision + 1 && IsHalf(digits[(precision + 1)..]);
        }

        /// <summary>|v| = digits / 10^scale exactly; digits has no leading zeros (or is "0").</summary>
        private static (bool Negative, string Digits, int Scale) Exact(double v)
        {
            long bits = BitConverter.DoubleToInt64Bits(v);
            int biased = (int)((bits >> 52) & 0x7FF);
            long fraction = bits & ((1L << 52) - 1);
            BigInteger m = biased == 0 ? fraction : fraction | (1L << 52);
            int e = biased == 0 ? -1074 : biased - 1075;
            return e >= 0
                ? (bits < 0, (m * BigInteger.Pow(2, e)).ToString(CultureInfo.InvariantCulture), 0)
                : (bits < 0, (m * BigInteger.Pow(5, -e)).ToString(CultureInfo.InvariantCulture), -e);
        }

        /// <summary>
        /// The first <paramref name="keep"/> digits of <paramref name="digits"/> rounded half to even on the digits after
        /// them; zeros are appended when <paramref name="keep"/> is beyond the digits, and a <paramref name="keep"/> of
        /// zero or less rounds the whole value (a fraction below one unit) to 0 or 1.
        /// </summary>
        private static string RoundAt(string digits, int keep)
        {
            if (keep >= digits.Length)
            {
                return digits + new string('0', keep - digits.Length);
            }

            string kept = keep > 0 ? digits[..keep] : "0";
            string rest = keep >= 0 ? digits[keep..] : new string('0', -keep) + digits;
            string half = "5" + new string('0', rest.Length - 1);
            int comparison = string.CompareOrdinal(rest, half);
            bool up = comparison > 0 || (comparison == 0 && (kept[^1] - '0') % 2 == 1);
            return up ? (BigInteger.Parse(kept, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture) : kept;
        }

        private static bool IsHalf(string rest) => rest.Length > 0 && rest[0] == '5' && rest.AsSpan(1).IndexOfAnyExcept('0') < 0;
    }
}
