using System.Globalization;
using System.Numerics;

namespace RnnSharp;

/// <summary>
/// Python's <c>"{:.Nf}".format(x)</c> and <c>"{:.Ne}".format(x)</c> for a <see cref="double"/> (every
/// <see cref="float"/> widens to one exactly): the exact binary value rounded half to even at the last digit.
/// </summary>
/// <remarks>
/// .NET's <c>"F4"</c> and <c>"E4"</c> round ties away from zero (0.03125 gives 0.0313 where Python gives 0.0312),
/// so the digits are computed here with integer arithmetic: a finite double is exactly <c>m·2^e</c>, and scaling
/// by a power of ten turns the rounding into one exact integer division. <see cref="UInt128"/> is used when every
/// intermediate provably fits (the common case for float32 values and small precisions), <see cref="BigInteger"/>
/// otherwise; both run the same generic code.
/// </remarks>
internal static class PyFloatFormat
{
    /// <summary>Intermediates are kept below 2^MaxFastBits so that doubling a remainder cannot overflow UInt128.</summary>
    private const int MaxFastBits = 125;

    /// <summary>Python's <c>"{:.{precision}f}".format(value)</c>, e.g. <c>0.0312</c>, <c>-0.0000</c>, <c>3</c> (precision 0), <c>nan</c>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="precision">The number of digits after the decimal point; 0 prints no point.</param>
    public static string Fixed(double value, int precision)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(precision);
        if (!double.IsFinite(value))
        {
            return NonFinite(value);
        }

        (bool negative, ulong m, int e) = Decompose(value);
        string digits;
        if (m == 0)
        {
            digits = "0";
        }
        else if (e >= 0)
        {
            // An integer: no rounding at all.
            digits = BitLength(m) + e <= MaxFastBits
                ? (UInt128.CreateTruncating(m) << e).ToString(CultureInfo.InvariantCulture)
                : (new BigInteger(m) << e).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            digits = BitLength(m) + Pow10BitBound(precision) <= MaxFastBits && -e <= MaxFastBits
                ? ScaledFixedDigits<UInt128>(m, -e, precision)
                : ScaledFixedDigits<BigInteger>(m, -e, precision);
        }

        return LayoutFixed(negative, digits, integerScaled: m == 0 || e >= 0, precision);
    }

    /// <summary>
    /// Python's <c>"{:.{precision}e}".format(value)</c>, e.g. <c>1.0312e+00</c>, <c>-0.0000e+00</c>, <c>5e-01</c>
    /// (precision 0), <c>1.0000e+100</c>, <c>inf</c>: at least two exponent digits.
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="precision">The number of digits after the decimal point of the mantissa; 0 prints no point.</param>
    public static string Scientific(double value, int precision)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(precision);
        if (!double.IsFinite(value))
        {
            return NonFinite(value);
        }

        (bool negative, ulong m, int e) = Decompose(value);
        string digits;
        int exponent;
        if (m == 0)
        {
            digits = new string('0', precision + 1);
            exponent = 0;
        }
        else
        {
            // First guess of floor(log10 |value|); ScientificDigits corrects it exactly.
            int guess = (int)Math.Floor(Math.Log10(Math.Abs(value)));
            int k = precision - guess;
            int numBits = BitLength(m) + Math.Max(e, 0) + Pow10BitBound(Math.Max(k, 0) + 1);
            int denBits = Math.Max(-e, 0) + Pow10BitBound(Math.Max(-k, 0) + 1) + 1;
            string? found = null;
            exponent = 0;
            if (numBits <= MaxFastBits && denBits <= MaxFastBits)
            {
                (found, exponent) = ScientificDigits<UInt128>(m, e, precision, guess, bounded: true);
            }

            if (found is null)
            {
                (found, exponent) = ScientificDigits<BigInteger>(m, e, precision, guess, bounded: false);
            }

            digits = found ?? throw new System.Diagnostics.UnreachableException("BigInteger digits are never null.");
        }

        int length = (negative ? 1 : 0) + digits.Length + (precision > 0 ? 1 : 0) + 4;
        var result = new System.Text.StringBuilder(length);
        if (negative)
        {
            result.Append('-');
        }

        result.Append(digits[0]);
        if (precision > 0)
        {
            result.Append('.').Append(digits, 1, precision);
        }

        result.Append('e').Append(exponent < 0 ? '-' : '+');
        int absExponent = Math.Abs(exponent);
        if (absExponent < 10)
        {
            result.Append('0');
        }

        result.Append(absExponent.ToString(CultureInfo.InvariantCulture));
        return result.ToString();
    }

    /// <summary>Python's text for a non-finite float in either format: <c>nan</c> (never signed), <c>inf</c>, <c>-inf</c>.</summary>
    private static string NonFinite(double value) =>
        double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";

    /// <summary>Splits a finite double into its sign bit and <c>|value| = m·2^e</c> with <c>m</c> odd (or zero).</summary>
    private static (bool Negative, ulong M, int E) Decompose(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong fraction = (ulong)bits & ((1UL << 52) - 1);
        ulong m = biased == 0 ? fraction : fraction | (1UL << 52);
        int e = biased == 0 ? -1074 : biased - 1075;
        if (m != 0)
        {
            int zeros = BitOperations.TrailingZeroCount(m);
            m >>= zeros;
            e += zeros;
        }

        return (negative, m, e);
    }

    /// <summary>The digits of <c>round_half_even(m·10^precision / 2^shift)</c>, <c>shift</c> &gt; 0.</summary>
    private static string ScaledFixedDigits<T>(ulong m, int shift, int precision)
        where T : IBinaryInteger<T>
    {
        T n = T.CreateTruncating(m) * Pow10<T>(precision);
        T q = n >> shift;
        T r = n - (q << shift);
        T half = T.One << (shift - 1);
        if (r > half || (r == half && T.IsOddInteger(q)))
        {
            q++;
        }

        return q.ToString(null, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The <c>precision + 1</c> significant digits of <c>m·2^e</c> rounded half to even, and the decimal exponent of
    /// the first, starting from a guess of <c>floor(log10(m·2^e))</c> that may be off by a little. When
    /// <paramref name="bounded"/>, the caller sized <typeparamref name="T"/> for exponents within one of the guess, and
    /// a null result asks for a retry with <see cref="BigInteger"/> if the guess was further off.
    /// </summary>
    private static (string? Digits, int Exponent) ScientificDigits<T>(ulong m, int e, int precision, int exponent, bool bounded)
        where T : IBinaryInteger<T>
    {
        T low = Pow10<T>(precision);
        T high = low * T.CreateTruncating(10);
        T mantissa = T.CreateTruncating(m);
        int guess = exponent;
        while (true)
        {
            if (bounded && Math.Abs(exponent - guess) > 1)
            {
                return (null, 0);
            }

            // value·10^k = num/den exactly, with k = precision - exponent.
            int k = precision - exponent;
            T num = mantissa;
            T den = T.One;
            if (e >= 0)
            {
                num <<= e;
            }
            else
            {
                den <<= -e;
            }

            if (k >= 0)
            {
                num *= Pow10<T>(k);
            }
            else
            {
                den *= Pow10<T>(-k);
            }

            T q = T.DivRem(num, den).Quotient;
            if (q < low)
            {
                exponent--;
                continue;
            }

            if (q >= high)
            {
                exponent++;
                continue;
            }

            T r = num - (q * den);
            T twice = r << 1;
            if (twice > den || (twice == den && T.IsOddInteger(q)))
            {
                q++;
                if (q == high)
                {
                    // 9.99995 → 10.0000: all digits are zeros after the carry.
                    q = low;
                    exponent++;
                }
            }

            return (q.ToString(null, CultureInfo.InvariantCulture), exponent);
        }
    }

    /// <summary>Places the decimal point: <paramref name="digits"/> is the value times 10^precision unless it is an integer's digits.</summary>
    private static string LayoutFixed(bool negative, string digits, bool integerScaled, int precision)
    {
        var result = new System.Text.StringBuilder(digits.Length + precision + 3);
        if (negative)
        {
            result.Append('-');
        }

        if (integerScaled)
        {
            result.Append(digits);
            if (precision > 0)
            {
                result.Append('.').Append('0', precision);
            }

            return result.ToString();
        }

        if (precision == 0)
        {
            return result.Append(digits).ToString();
        }

        if (digits.Length <= precision)
        {
            // 0.0312 from "312": pad the fraction with leading zeros.
            result.Append("0.").Append('0', precision - digits.Length).Append(digits);
        }
        else
        {
            result.Append(digits, 0, digits.Length - precision).Append('.').Append(digits, digits.Length - precision, precision);
        }

        return result.ToString();
    }

    private static T Pow10<T>(int n)
        where T : IBinaryInteger<T>
    {
        T result = T.One;
        T power = T.CreateTruncating(10);
        while (n > 0)
        {
            if ((n & 1) != 0)
            {
                result *= power;
            }

            n >>= 1;
            if (n > 0)
            {
                power *= power;
            }
        }

        return result;
    }

    /// <summary>An upper bound of the bit length of 10^n (log2(10) &lt; 10/3).</summary>
    private static int Pow10BitBound(int n) => n > (int.MaxValue - 3) / 10 ? int.MaxValue / 2 : (n * 10 / 3) + 2;

    private static int BitLength(ulong m) => 64 - BitOperations.LeadingZeroCount(m);
}
