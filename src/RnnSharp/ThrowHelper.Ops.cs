using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The errors of tensor operations, in PyTorch's words.</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowBroadcastMismatch(int a, int b, int dim, string paramName) =>
        throw new ArgumentException(
            Str($"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension {dim}"), paramName);

    [DoesNotReturn]
    public static void ThrowInPlaceBroadcast(ReadOnlySpan<int> output, ReadOnlySpan<int> broadcast, string paramName) =>
        throw new ArgumentException(
            Str($"output with shape {ShapeMath.Format(output)} doesn't match the broadcast shape {ShapeMath.Format(broadcast)}"), paramName);

    [DoesNotReturn]
    public static void ThrowMatMulShapes(int m1, int k1, int k2, int n2, string paramName) =>
        throw new ArgumentException(Str($"mat1 and mat2 shapes cannot be multiplied ({m1}x{k1} and {k2}x{n2})"), paramName);

    [DoesNotReturn]
    public static void ThrowDotSizes(int a, int b, string paramName) =>
        throw new ArgumentException(
            Str($"inconsistent tensor size, expected tensor [{a}] and src [{b}] to have the same number of elements, but got {a} and {b} elements respectively"),
            paramName);

    [DoesNotReturn]
    public static void ThrowMvSizes(int m, int k, int n, string paramName) =>
        throw new ArgumentException(Str($"size mismatch, got {m}, {m}x{k},{n}"), paramName);

    [DoesNotReturn]
    public static void ThrowBmmSizes(int batch, int k, int gotBatch, int gotK, string paramName) =>
        throw new ArgumentException(
            Str($"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k}] but got: [{gotBatch}, {gotK}]."), paramName);

    [DoesNotReturn]
    public static void ThrowMatMulScalar(int dimA, int dimB, string paramName) =>
        throw new ArgumentException(
            Str($"both arguments to matmul need to be at least 1D, but they are {dimA}D and {dimB}D"), paramName);

    [DoesNotReturn]
    public static void ThrowPermuteLength(int rank, int got, string paramName) =>
        throw new ArgumentException(
            Str($"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = {rank} is not equal to len(dims) = {got}"),
            paramName);

    [DoesNotReturn]
    public static void ThrowPermuteDuplicate(string paramName) =>
        throw new ArgumentException("permute(): duplicate dims are not allowed.", paramName);

    [DoesNotReturn]
    public static void ThrowSelectOutOfRange(int index, ReadOnlySpan<int> shape, int dim, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, index, Str($"select(): index {index} out of range for tensor of size {ShapeMath.Format(shape)} at dimension {dim}"));

    [DoesNotReturn]
    public static void ThrowNarrowRange(int start, int length, int size, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, Str($"start ({start}) + length ({length}) exceeds dimension size ({size})."));

    [DoesNotReturn]
    public static void ThrowSliceStep(int step, string paramName) =>
        throw new ArgumentOutOfRangeException(
            paramName, step, step == 0 ? "slice step cannot be zero" : "step must be greater than zero");

    [DoesNotReturn]
    public static void ThrowCatSizes(int dim, int expected, int got, int tensor, string paramName) =>
        throw new ArgumentException(
            Str($"Sizes of tensors must match except in dimension {dim}. Expected size {expected} but got size {got} for tensor number {tensor} in the list."),
            paramName);

    [DoesNotReturn]
    public static void ThrowCatRanks(int first, int other, string paramName) =>
        throw new ArgumentException(Str($"Tensors must have same number of dimensions: got {first} and {other}"), paramName);

    [DoesNotReturn]
    public static void ThrowCatEmpty(string paramName) =>
        throw new ArgumentException("torch.cat(): expected a non-empty list of Tensors", paramName);

    [DoesNotReturn]
    public static void ThrowStackSizes(ReadOnlySpan<int> first, ReadOnlySpan<int> other, int entry, string paramName) =>
        throw new ArgumentException(
            Str($"stack expects each tensor to be equal size, but got {ShapeMath.Format(first)} at entry 0 and {ShapeMath.Format(other)} at entry {entry}"),
            paramName);

    [DoesNotReturn]
    public static void ThrowStackEmpty(string paramName) =>
        throw new ArgumentException("stack expects a non-empty TensorList", paramName);

    [DoesNotReturn]
    public static void ThrowFlattenOrder(string paramName) =>
        throw new ArgumentException("flatten() has invalid args: start_dim cannot come after end_dim", paramName);

    [DoesNotReturn]
    public static void ThrowTopKRange(int k, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, k, "selected index k out of range");

    [DoesNotReturn]
    public static void ThrowIndexSelectRange(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "index out of range in self");

    [DoesNotReturn]
    public static void ThrowReduceEmpty(string op) =>
        throw new InvalidOperationException(
            op == "max"
                ? "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument."
                : Str($"{op}(): Expected reduction dim to be specified for input.numel() == 0."));

    [DoesNotReturn]
    public static void ThrowReduceEmptyDim(string op, int dim, string paramName) =>
        throw new ArgumentException(Str($"{op}(): Expected reduction dim {dim} to have non-zero size."), paramName);

    [DoesNotReturn]
    public static void ThrowTransposeRank(int rank) =>
        throw new InvalidOperationException(Str($"t() expects a tensor with <= 2 dimensions, but self is {rank}D"));

    [DoesNotReturn]
    public static void ThrowNeedsFloat(string op) =>
        throw new InvalidOperationException(Str($"{op} is not implemented for int64 tensors: expected scalar type Float but found Long"));
}
