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
}
