using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>Errors of the int64 factories and of float-only operations given an int64 tensor, in PyTorch's words.</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArangeStepZero(string paramName) =>
        throw new ArgumentException("step must be nonzero", paramName);

    [DoesNotReturn]
    public static void ThrowArangeStepSign(string paramName) =>
        throw new ArgumentException("upper bound and larger bound inconsistent with step sign", paramName);

    [DoesNotReturn]
    public static void ThrowArangeTooLong(Int128 count, string paramName) =>
        throw new ArgumentException(
            Str($"arange would have {count} elements; RnnSharp tensors hold at most {int.MaxValue}."), paramName);

    /// <summary>What PyTorch's matrix product says when an RNN is given an int64 input or hidden state.</summary>
    [DoesNotReturn]
    public static void ThrowMatMulDType(string paramName) =>
        throw new ArgumentException("mat1 and mat2 must have the same dtype", paramName);
}
