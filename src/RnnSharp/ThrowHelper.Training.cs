using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RnnSharp;

/// <summary>The exceptions of initialisers, <see cref="Linear"/>, the losses and the optimizers, in PyTorch's words.</summary>
internal static partial class ThrowHelper
{
    /// <summary>A double as C++'s default stream output prints it (6 significant digits, %g), as ATen's messages do.</summary>
    private static string CppDouble(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    [DoesNotReturn]
    public static void ThrowUniformRange(double from, double to, string paramName) =>
        throw new ArgumentException(
            $"uniform_ expects to return a [from, to) range, but found from={CppDouble(from)} > to={CppDouble(to)}", paramName);

    [DoesNotReturn]
    public static void ThrowFanOfVector(string paramName) =>
        throw new ArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", paramName);

    [DoesNotReturn]
    public static void ThrowMatmulScalar(string paramName) =>
        throw new ArgumentException("both arguments to matmul need to be at least 1D, but they are 0D and 2D", paramName);

    [DoesNotReturn]
    public static void ThrowMatmulShapes(int rows, int columns, int inFeatures, int outFeatures, string paramName) =>
        throw new ArgumentException(
            Str($"mat1 and mat2 shapes cannot be multiplied ({rows}x{columns} and {inFeatures}x{outFeatures})"), paramName);
}
