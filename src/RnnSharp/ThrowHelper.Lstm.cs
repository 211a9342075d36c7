using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The errors of the LSTM and GRU modules, in PyTorch 1.13's words (torch/nn/modules/rnn.py).</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowProjSizeNegative(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "proj_size should be a positive integer or zero to disable projections");

    [DoesNotReturn]
    public static void ThrowProjSizeTooLarge(string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, "proj_size has to be smaller than hidden_size");

    [DoesNotReturn]
    public static void ThrowLstmStateRank(bool batched, int h0Rank, int c0Rank, string paramName) =>
        throw new ArgumentException(
            batched
                ? Str($"For batched 3-D input, hx and cx should also be 3-D but got ({h0Rank}-D, {c0Rank}-D) tensors")
                : Str($"For unbatched 2-D input, hx and cx should also be 2-D but got ({h0Rank}-D, {c0Rank}-D) tensors"),
            paramName);

    [DoesNotReturn]
    public static void ThrowLstmStateSize(string which, ReadOnlySpan<int> expected, ReadOnlySpan<int> got, string paramName) =>
        throw new ArgumentException(
            Str($"Expected {which} size {ShapeMath.FormatTuple(expected)}, got {ShapeMath.Format(got)}"), paramName);
}
