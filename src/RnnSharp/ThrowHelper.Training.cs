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

    /// <summary>PyTorch's <c>if not 0.0 &lt;= value: raise ValueError(f"{what}: {value}")</c>.</summary>
    public static void CheckNotNegative(double value, string what, string paramName)
    {
        if (!(value >= 0))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{what}: {PyFormat.Repr(value)}");
        }
    }

    /// <summary>PyTorch's <c>if not 0.0 &lt;= betas[i] &lt; 1.0</c>.</summary>
    public static void CheckBeta(double value, int index, string paramName)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"Invalid beta parameter at index {index}: {PyFormat.Repr(value)}");
        }
    }

    [DoesNotReturn]
    public static void ThrowNesterov(string paramName) =>
        throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", paramName);

    [DoesNotReturn]
    public static void ThrowOptimizerEmpty(string paramName) =>
        throw new ArgumentException("optimizer got an empty parameter list", paramName);

    [DoesNotReturn]
    public static void ThrowOptimizeNonLeaf(string paramName) =>
        throw new ArgumentException("can't optimize a non-leaf Tensor", paramName);

    [DoesNotReturn]
    public static void ThrowParameterInTwoGroups(string paramName) =>
        throw new ArgumentException("some parameters appear in more than one parameter group", paramName);

    [DoesNotReturn]
    public static void ThrowLoadGroupCount(string paramName) =>
        throw new ArgumentException("loaded state dict has a different number of parameter groups", paramName);

    [DoesNotReturn]
    public static void ThrowLoadGroupSize(string paramName) =>
        throw new ArgumentException("loaded state dict contains a parameter group that doesn't match the size of optimizer's group", paramName);
}
