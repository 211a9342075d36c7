using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>Errors of <see cref="RnnUtils"/> (<c>torch.nn.utils.rnn</c>) and <see cref="Torch.OneHot"/>, in PyTorch's words.</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowOneHotDType(string paramName) =>
        throw new ArgumentException("one_hot is only applicable to index tensor.", paramName);

    [DoesNotReturn]
    public static void ThrowOneHotInferEmpty(string paramName) =>
        throw new ArgumentException("Can not infer total number of classes from empty tensor.", paramName);

    [DoesNotReturn]
    public static void ThrowOneHotNegative(string paramName) =>
        throw new ArgumentException("Class values must be non-negative.", paramName);

    [DoesNotReturn]
    public static void ThrowOneHotTooLarge(string paramName) =>
        throw new ArgumentException("Class values must be smaller than num_classes.", paramName);

    [DoesNotReturn]
    public static void ThrowLengthsNotSorted(string paramName) =>
        throw new ArgumentException(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` " +
            "to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.",
            paramName);

    [DoesNotReturn]
    public static void ThrowLengthNotPositive(string paramName) =>
        throw new ArgumentException(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0", paramName);

    [DoesNotReturn]
    public static void ThrowLengthsCount(int count, int batchSize, string paramName) =>
        throw new ArgumentException(
            Str($"Expected `len(lengths)` to be equal to batch_size, but got {count} (batch_size={batchSize})"), paramName);

    [DoesNotReturn]
    public static void ThrowLengthsRank(int rank, DType dtype, string paramName) =>
        throw new ArgumentException(
            Str($"'lengths' argument should be a 1D CPU int64 tensor, but got {rank}D cpu {ScalarTypeName(dtype)} tensor"), paramName);

    /// <summary>RnnSharp's own: PyTorch 1.13 does not check this and builds an inconsistent PackedSequence.</summary>
    [DoesNotReturn]
    public static void ThrowLengthTooLong(long length, int padded, string paramName) =>
        throw new ArgumentException(
            Str($"Expected every length to be at most the padded length {padded}, but got a length of {length}"), paramName);

    [DoesNotReturn]
    public static void ThrowTotalLengthTooShort(int totalLength, int maxLength, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, totalLength,
            Str($"Expected total_length to be at least the length of the longest sequence in input, but got total_length={totalLength} and max sequence length being {maxLength}"));

    [DoesNotReturn]
    public static void ThrowEmptySequences(string paramName) =>
        throw new ArgumentException("received an empty list of sequences", paramName);

    /// <summary>RnnSharp's own: PyTorch would try to broadcast the sequence into its padded slot.</summary>
    [DoesNotReturn]
    public static void ThrowSequenceRank(int index, int rank, int expected, string paramName) =>
        throw new ArgumentException(
            Str($"Expected every sequence to have {expected} dimensions like the first, but sequence {index} has {rank}"), paramName);
}
