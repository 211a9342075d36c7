using System.Globalization;

namespace RnnSharp;

/// <summary>Python's text for numbers, where RnnSharp prints what PyTorch's Python prints.</summary>
internal static class PyFormat
{
    /// <summary>
    /// Python's <c>repr(float)</c> of the decimal a C# <see cref="float"/> literal denotes: the shortest digits that
    /// round-trip, with Python's layout (<c>0.5</c>, <c>1.0</c>, <c>1e-05</c>, <c>1e+16</c>, <c>nan</c>, <c>inf</c>).
    /// </summary>
    public static string Repr(float value) =>
        float.IsFinite(value) ? LayoutShortest(value.ToString("R", CultureInfo.InvariantCulture)) : NonFinite(value);

    /// <summary>
    /// Python's <c>repr(float)</c> (and <c>str(float)</c>) of a double: the shortest digits that round-trip, with
    /// Python's layout; see <see cref="PyFloat.Repr(double)"/>.
    /// </summary>
    public static string Repr(double value) =>
        double.IsFinite(value) ? LayoutShortest(value.ToString("R", CultureInfo.InvariantCulture)) : NonFinite(value);

    private static string NonFinite(double value) => double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";

    /// <summary>
    /// Lays out .NET's shortest round-trip text (<c>"R"</c>: <c>0.0001</c>, <c>1E-05</c>, <c>1.5E+20</c>, <c>-0</c>) as
    /// Python's <c>float_repr</c> does (<c>format_float_short</c> with mode 'r' and <c>Py_DTSF_ADD_DOT_0</c>): with
    /// <c>0.d1d2... × 10^decpt</c>, exponent notation when <c>decpt &lt;= -4</c> or <c>decpt &gt; 16</c>, with at least
    /// two exponent digits; otherwise positional with at least one digit after the point.
    /// </summary>
    private static string LayoutShortest(string r)
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
