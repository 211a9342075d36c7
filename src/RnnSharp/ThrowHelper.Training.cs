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

    [DoesNotReturn]
    public static void ThrowLossNoDimensions(int dim, string paramName) =>
        throw new ArgumentException(Str($"Expected 1 or more dimensions (got {dim})"), paramName);

    [DoesNotReturn]
    public static void ThrowLossBatch(int inputBatch, int targetBatch, string paramName) =>
        throw new ArgumentException(Str($"Expected input batch_size ({inputBatch}) to match target batch_size ({targetBatch})."), paramName);

    [DoesNotReturn]
    public static void ThrowLossMultiTarget(string paramName) =>
        throw new ArgumentException("0D or 1D target tensor expected, multi-target not supported", paramName);

    /// <summary>ATen's nll_loss2d message, verbatim (its closing parenthesis is missing in PyTorch too).</summary>
    [DoesNotReturn]
    public static void ThrowLoss2dSize(ReadOnlySpan<int> input, ReadOnlySpan<int> target, string paramName) =>
        throw new ArgumentException($"size mismatch (got input: {ShapeMath.Format(input)} , target: {ShapeMath.Format(target)}", paramName);

    [DoesNotReturn]
    public static void ThrowLossTargetSize(ReadOnlySpan<int> expected, ReadOnlySpan<int> got, string paramName) =>
        throw new ArgumentException($"Expected target size {ShapeMath.Format(expected)}, got {ShapeMath.Format(got)}", paramName);

    [DoesNotReturn]
    public static void ThrowLossWeightSize(int classes, ReadOnlySpan<int> weight, string paramName) =>
        throw new ArgumentException(
            Str($"weight tensor should be defined either for all {classes} classes or no classes but got weight tensor of shape: ") + ShapeMath.Format(weight),
            paramName);

    [DoesNotReturn]
    public static void ThrowLossTargetDType(DType expected, DType found, string paramName) =>
        throw new ArgumentException($"expected scalar type {ScalarTypeName(expected)} but found {ScalarTypeName(found)}", paramName);

    [DoesNotReturn]
    public static void ThrowProbabilityTargetDType(DType found, string paramName) =>
        throw new ArgumentException($"Expected floating point type for target with class probabilities, got {ScalarTypeName(found)}", paramName);

    [DoesNotReturn]
    public static void ThrowLossTargetOutOfBounds(long target, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, target, Str($"Target {target} is out of bounds."));

    [DoesNotReturn]
    public static void ThrowLabelSmoothing(double value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, $"label_smoothing must be between 0.0 and 1.0. Got: {CppDouble(value)}");

    /// <summary>ATen's broadcasting error for the first dimension (from the end) where the shapes disagree.</summary>
    [DoesNotReturn]
    public static void ThrowBroadcastMismatch(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string paramName)
    {
        int rank = Math.Max(a.Length, b.Length);
        for (int d = rank - 1; d >= 0; d--)
        {
            int i = d - (rank - a.Length), j = d - (rank - b.Length);
            int sa = i >= 0 ? a[i] : 1, sb = j >= 0 ? b[j] : 1;
            if (sa != sb)
            {
                throw new ArgumentException(
                    Str($"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at non-singleton dimension {d}"), paramName);
            }
        }

        throw new ArgumentException(Str($"The shapes {ShapeMath.Format(a)} and {ShapeMath.Format(b)} differ."), paramName);
    }
}
