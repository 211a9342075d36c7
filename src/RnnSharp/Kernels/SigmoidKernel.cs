using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnSharp.Kernels;

/// <summary>
/// Float32 <c>σ(x) = 1 / (1 + e^(−x))</c>, the formula ATen and
/// <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/> use, for gate math fused into one pass.
/// </summary>
/// <remarks>
/// <see cref="TensorPrimitives.Sigmoid{T}(ReadOnlySpan{T}, Span{T})"/> computes <c>e^(−x)</c> with the vector exp
/// (<see cref="Vector512.Exp(Vector512{float})"/>; the 128-, 256- and 512-bit versions agree bit for bit on every float)
/// on spans of 4 or more elements, and with <see cref="MathF.Exp"/> on shorter ones; the two exps differ in the last
/// bit for most inputs. <see cref="Sigmoid(Vector512{float})"/>, <see cref="Sigmoid(Vector256{float})"/> and
/// <see cref="Lane"/> are the vector-exp formula, so a fused loop with a scalar tail gives, element for element, the
/// bits <see cref="TensorPrimitives"/> gives on a span of 4 or more (the tests check all three against it).
/// </remarks>
internal static class SigmoidKernel
{
    /// <summary>σ(x) with <see cref="MathF.Exp"/>: what <see cref="TensorPrimitives"/> computes on spans shorter than 4.</summary>
    public static float Reference(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>σ(x) with the vector exp on one lane: the same bits as the vector overloads, for a fused loop's tail.</summary>
    public static float Lane(float x) => 1f / (1f + Vector128.Exp(Vector128.CreateScalar(-x)).ToScalar());

    /// <summary>σ on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-x));

    /// <summary>σ on 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));
}
