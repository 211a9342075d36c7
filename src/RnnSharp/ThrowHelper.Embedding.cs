using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The exceptions of <see cref="Embedding"/> and of normal draws, in PyTorch's words.</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowNormalStd(double std, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, std, $"normal expects std >= 0.0, but found std {CppDouble(std)}");

    [DoesNotReturn]
    public static void ThrowPaddingIdxRange(int paddingIdx, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, paddingIdx, "Padding_idx must be within num_embeddings");

    [DoesNotReturn]
    public static void ThrowEmbeddingIndexType(string paramName) =>
        throw new ArgumentException(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)",
            paramName);

    [DoesNotReturn]
    public static void ThrowEmbeddingsNot2D(string paramName) =>
        throw new ArgumentException("Embeddings parameter is expected to be 2-dimensional", paramName);
}
