using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The errors of the recurrent layers' packed-sequence forward, in PyTorch 1.13's words where it has them.</summary>
internal static partial class ThrowHelper
{
    /// <summary>PyTorch's <c>check_input</c> for a packed sequence's data.</summary>
    [DoesNotReturn]
    public static void ThrowPackedInputRank(int got, string paramName) =>
        throw new ArgumentException(Str($"input must have 2 dimensions, got {got}"), paramName);

    /// <summary>A hand-made <see cref="PackedSequence"/> whose batch sizes a recurrent layer cannot run.</summary>
    [DoesNotReturn]
    public static void ThrowBatchSizes(string problem, string paramName) =>
        throw new ArgumentException("PackedSequence batch_sizes " + problem, paramName);

    /// <summary>
    /// A <see cref="PackedSequence"/>'s sorted indices that cannot be inverted: PyTorch's message
    /// (<paramref name="pytorchMessage"/>) where it has one, else <c>sorted_indices</c> and the problem.
    /// </summary>
    [DoesNotReturn]
    public static void ThrowNotAPermutation(string? problem, string paramName, string? pytorchMessage = null) =>
        throw new ArgumentException(pytorchMessage ?? "PackedSequence sorted_indices " + problem, paramName);

    /// <summary>A sort permutation that indexes past the batch: PyTorch's <c>index_select</c> error on the CPU.</summary>
    [DoesNotReturn]
    public static void ThrowPermutationIndex(long position, long batch, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, Str($"INDICES element is out of DATA bounds, id={position} axis_dim={batch}"));
}
