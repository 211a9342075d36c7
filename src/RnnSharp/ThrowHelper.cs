using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RnnSharp;

/// <summary>
/// Every exception RnnSharp throws, in one place. Messages use PyTorch's sentence where PyTorch has one and
/// always say what was expected and what was got.
/// </summary>
internal static partial class ThrowHelper
{
    private static string Str(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ shapes and indexing

    [DoesNotReturn]
    public static void ThrowShapeInvalidForSize(ReadOnlySpan<int> shape, int size, string paramName) =>
        throw new ArgumentException(Str($"shape '{ShapeMath.Format(shape)}' is invalid for input of size {size}"), paramName);

    [DoesNotReturn]
    public static void ThrowNegativeDimension(ReadOnlySpan<int> shape, int dim, string paramName) =>
        throw new ArgumentException(
            Str($"Trying to create tensor with negative dimension {shape[dim]}: {ShapeMath.Format(shape)}"), paramName);

    [DoesNotReturn]
    public static void ThrowTooManyElements(ReadOnlySpan<int> shape, string paramName) =>
        throw new ArgumentException(
            Str($"A tensor of shape {ShapeMath.Format(shape)} would hold more than {Array.MaxLength} elements, the most one .NET array can hold."),
            paramName);

    [DoesNotReturn]
    public static void ThrowInvalidShapeDimension(ReadOnlySpan<int> shape, int dim, string paramName) =>
        throw new ArgumentException(Str($"invalid shape dimension {shape[dim]} in {ShapeMath.Format(shape)}"), paramName);

    [DoesNotReturn]
    public static void ThrowOnlyOneInferredDim(string paramName) =>
        throw new ArgumentException("only one dimension can be inferred", paramName);

    [DoesNotReturn]
    public static void ThrowDimOutOfRange(int dim, int min, int max, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, dim, Str($"Dimension out of range (expected to be in range of [{min}, {max}], but got {dim})"));

    [DoesNotReturn]
    public static void ThrowNoDimensions(int dim, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, dim, Str($"Dimension specified as {dim} but tensor has no dimensions"));

    [DoesNotReturn]
    public static void ThrowIndexOutOfBounds(int index, int dim, int size, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, index, Str($"index {index} is out of bounds for dimension {dim} with size {size}"));

    [DoesNotReturn]
    public static void ThrowWrongIndexCount(int got, int rank, string paramName) =>
        throw new ArgumentException(
            Str($"Expected {rank} indices for a {rank}-D tensor (one per dimension), but got {got}."), paramName);

    [DoesNotReturn]
    public static void ThrowWrongDType(DType expected, DType found) =>
        throw new InvalidOperationException(Str($"expected scalar type {ScalarTypeName(expected)} but found {ScalarTypeName(found)}"));

    /// <summary>PyTorch's name of a dtype in error messages (<c>Float</c>, <c>Long</c>).</summary>
    public static string ScalarTypeName(DType type) => type == DType.Int64 ? "Long" : "Float";

    [DoesNotReturn]
    public static void ThrowTupleIndexOutOfRange() =>
        throw new ArgumentOutOfRangeException("index", "tuple index out of range");

    [DoesNotReturn]
    public static void ThrowItemNotOneElement(int numel) =>
        throw new InvalidOperationException(
            Str($"only one element tensors can be converted to Python scalars (this one has {numel})"));

    [DoesNotReturn]
    public static void ThrowSelectOnScalar() =>
        throw new InvalidOperationException("invalid index of a 0-dim tensor. Use Item() to get the value of a 0-dim tensor");

    [DoesNotReturn]
    public static void ThrowShapeMismatch(string paramName, ReadOnlySpan<int> expected, ReadOnlySpan<int> got) =>
        throw new ArgumentException(
            Str($"Expected a tensor of shape {ShapeMath.Format(expected)}, got {ShapeMath.Format(got)}"), paramName);

    [DoesNotReturn]
    public static void ThrowOverlap(string paramName) =>
        throw new ArgumentException(
            "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.",
            paramName);

    [DoesNotReturn]
    public static void ThrowRagged(int dim, int expected, int got, string paramName) =>
        throw new ArgumentException(Str($"expected sequence of length {expected} at dim {dim} (got {got})"), paramName);

    [DoesNotReturn]
    public static void ThrowUnsupportedArray(Type type, string paramName) =>
        throw new ArgumentException(
            Str($"Expected a float array (float[], float[,], float[][], ...), got {type}."), paramName);

    [DoesNotReturn]
    public static void ThrowNumThreads(int numThreads, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, numThreads, Str($"Number of threads must be positive, got {numThreads}"));

    // ------------------------------------------------------------------ modules

    [DoesNotReturn]
    public static void ThrowMustBePositive(string what, int value, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, Str($"{what} must be greater than zero, got {value}"));

    [DoesNotReturn]
    public static void ThrowParametersTooLarge(long total, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName,
            Str($"The module's parameters would hold {total} elements, more than the {Array.MaxLength} one .NET array can hold."));

    [DoesNotReturn]
    public static void ThrowDropoutOutOfRange(float dropout, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, dropout,
            Str($"dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got {PyFormat.Repr(dropout)}"));

    [DoesNotReturn]
    public static void ThrowUnknownNonlinearity(Nonlinearity value, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, value, Str($"Unknown nonlinearity '{(int)value}'. Select from Nonlinearity.Tanh or Nonlinearity.Relu."));

    [DoesNotReturn]
    public static void ThrowNoSuchParameter(string module, string name) =>
        throw new ArgumentException(Str($"{module} has no parameter `{name}`"), nameof(name));

    [DoesNotReturn]
    public static void ThrowDuplicateName(string kind, string name, string paramName = "name") =>
        throw new ArgumentException(Str($"{kind} '{name}' already exists"), paramName);

    [DoesNotReturn]
    public static void ThrowInvalidName(string kind, string name) =>
        throw new ArgumentException(
            Str($"{kind} name can't be empty or contain \".\", got \"{name}\""), nameof(name));

    [DoesNotReturn]
    public static void ThrowLoadStateDict(string module, string errors, string paramName) =>
        throw new ArgumentException(Str($"Error(s) in loading state_dict for {module}:\n\t{errors}"), paramName);

    // ------------------------------------------------------------------ recurrent layers

    [DoesNotReturn]
    public static void ThrowInputRank(string module, string expected, int got, string paramName) =>
        throw new ArgumentException(
            Str($"{module}: Expected input to be {expected} but received {got}-D tensor"), paramName);

    [DoesNotReturn]
    public static void ThrowInputSize(int expected, int got, string paramName) =>
        throw new ArgumentException(
            Str($"input.size(-1) must be equal to input_size. Expected {expected}, got {got}"), paramName);

    [DoesNotReturn]
    public static void ThrowEmptySequence(string paramName) =>
        throw new ArgumentException("Expected sequence length to be larger than 0 in RNN", paramName);

    [DoesNotReturn]
    public static void ThrowHiddenRank(bool batched, int got, string paramName) =>
        throw new ArgumentException(
            batched
                ? Str($"For batched 3-D input, hx should also be 3-D but got {got}-D tensor")
                : Str($"For unbatched 2-D input, hx should also be 2-D but got {got}-D tensor"),
            paramName);

    [DoesNotReturn]
    public static void ThrowHiddenSize(ReadOnlySpan<int> expected, ReadOnlySpan<int> got, string paramName) =>
        throw new ArgumentException(
            Str($"Expected hidden size {ShapeMath.FormatTuple(expected)}, got {ShapeMath.Format(got)}"), paramName);

    [DoesNotReturn]
    public static void ThrowCellHiddenRank(bool batched, int got, string paramName) =>
        throw new ArgumentException(
            batched
                ? Str($"For batched 2-D input, hx should also be 2-D but got {got}-D tensor")
                : Str($"For unbatched 1-D input, hx should also be 1-D but got {got}-D tensor"),
            paramName);

    [DoesNotReturn]
    public static void ThrowCellInputSize(int expected, int got, string paramName) =>
        throw new ArgumentException(Str($"input has inconsistent input_size: got {got} expected {expected}"), paramName);

    [DoesNotReturn]
    public static void ThrowCellHiddenSize(int expected, int got, string paramName, int index = 0) =>
        throw new ArgumentException(
            Str($"hidden{index} has inconsistent hidden_size: got {got}, expected {expected}"), paramName);

    [DoesNotReturn]
    public static void ThrowCellBatch(int input, int hidden, string paramName, int index = 0) =>
        throw new ArgumentException(
            Str($"Input batch size {input} doesn't match hidden{index} batch size {hidden}"), paramName);
}
