using System.Globalization;

namespace RnnSharp;

/// <summary>Python's text for numbers, where RnnSharp prints what PyTorch's Python prints.</summary>
internal static class PyFormat
{
    /// <summary>
    /// Python's <c>repr(float)</c> of the decimal a C# <see cref="float"/> literal denotes: the shortest digits that
    /// round-trip, with Python's layout (<c>0.5</c>, <c>1.0</c>, <c>1e-05</c>, <c>1e+16</c>, <c>nan</c>, <c>inf</c>).
    /// </summary>
    public static string Repr(float value)
    {
        if (float.IsNaN(value))
        {
            return "nan";
        }

        if (float.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // "E8" would pad; "R" gives the shortest round-trip digits, either as 0.xxx or as d.dddE+xx.
        return Layout(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Python's <c>repr(float)</c> of a double (a Python float): <c>-1.0</c>, <c>0.001</c>, <c>1e-08</c>.</summary>
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        return Layout(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>Python's layout of .NET's shortest round-trip text of a finite number.</summary>
    private static string Layout(string r)
    {
        bool negative = r.StartsWith('-');
        if (negative)
        {
            r = r[1..];
        }

        // Split into significant digits and a decimal exponent: value = 0.d1d2d3... × 10^pointPos.
        int exponent = 0;
        int e = r.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }

        int dot = r.IndexOf('.', StringComparison.Ordinal);
        string intPart = dot >= 0 ? r[..dot] : r;
        string fracPart = dot >= 0 ? r[(dot + 1)..] : string.Empty;
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZeros = (intPart + fracPart).Length - digits.Length;
        int pointPos = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }

        string body;
        int sciExponent = pointPos - 1;
        if (sciExponent < -4 || sciExponent >= 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            body = mantissa + "e" + (sciExponent < 0 ? "-" : "+") + Math.Abs(sciExponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (pointPos <= 0)
        {
            body = "0." + new string('0', -pointPos) + digits;
        }
        else if (pointPos >= digits.Length)
        {
            body = digits + new string('0', pointPos - digits.Length) + ".0";
        }
        else
        {
            body = digits[..pointPos] + "." + digits[pointPos..];
        }

        return negative ? "-" + body : body;
    }

    /// <summary>Python's <c>str(bool)</c>.</summary>
    public static string Repr(bool value) => value ? "True" : "False";
}
