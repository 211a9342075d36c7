namespace RnnSharp;

/// <summary>
/// Python's text for a Python <c>float</c>, for ports of PyTorch programs that print one, such as
/// <c>print(i, "loss: ", loss.item())</c>.
/// </summary>
public static class PyFloat
{
    /// <summary>
    /// Returns Python's <c>repr(value)</c>, which is also what <c>str(value)</c> and <c>print(value)</c> give: the
    /// shortest decimal that reads back as the same double, laid out as Python does — <c>1.6094379425048828</c>,
    /// <c>100.0</c>, <c>0.0001</c>, <c>1e-05</c>, <c>1.5e+20</c>, <c>-0.0</c>, <c>inf</c>, <c>nan</c> (exponent
    /// notation below 1e-4 and from 1e16 on, with at least two exponent digits).
    /// </summary>
    /// <remarks>
    /// PyTorch's <c>tensor.item()</c> on a float32 tensor returns a Python float, a double holding the float32 value
    /// exactly; pass <see cref="Tensor.Item"/>'s <see cref="float"/> here and C# widens it the same way, so
    /// <c>PyFloat.Repr(loss.Item())</c> prints what <c>print(loss.item())</c> prints (<c>1.7802648544311523</c>, not the
    /// float's own shortest text <c>1.7802649</c>).
    /// </remarks>
    /// <param name="value">The value; a <see cref="float"/> argument is widened exactly.</param>
    /// <returns>Python's text for the value.</returns>
    public static string Repr(double value) => PyFormat.Repr(value);

    /// <summary>
    /// Returns Python's <c>"{:.{precision}f}".format(value)</c>: the exact binary value rounded half to even at the
    /// last digit — <c>0.7424</c>, <c>0.0312</c> for 0.03125 (where .NET's <c>"F4"</c> gives <c>0.0313</c>),
    /// <c>-0.0000</c>, <c>3</c> (precision 0), <c>inf</c>, <c>nan</c>. For a width and zero padding such as
    /// <c>"{:05.4f}"</c>, pad the result: <c>PyFloat.Fixed(loss, 4).PadLeft(5, '0')</c> for a value that is not negative.
    /// </summary>
    /// <param name="value">The value; a <see cref="float"/> argument is widened exactly.</param>
    /// <param name="precision">The number of digits after the decimal point; 0 prints no point.</param>
    /// <returns>Python's text for the value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="precision"/> is negative.</exception>
    public static string Fixed(double value, int precision) => PyFloatFormat.Fixed(value, precision);
}
