using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RnnSharp.Kernels;

/// <summary>
/// One SIMD register of float32 lanes (<see cref="Lanes512"/>, <see cref="Lanes256"/>), so that a fused gate loop is
/// written once and compiled, by the JIT's specialisation over struct type arguments, for each width. Every operation
/// is the plain IEEE one lane by lane (no fused multiply-add), so a loop gives the bits of the same expression in
/// scalar code; σ and tanh are <see cref="SigmoidKernel"/>'s and <see cref="TanhKernel"/>'s.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
internal interface IFloatLanes<TSelf>
    where TSelf : struct, IFloatLanes<TSelf>
{
    /// <summary>Whether the width runs in hardware (else a loop should leave the units to a narrower width).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>The number of lanes.</summary>
    static abstract int Count { get; }

    /// <summary>1 in every lane.</summary>
    static abstract TSelf One { get; }

    /// <summary>0 in every lane.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Lanes from <c>source[offset..]</c>.</summary>
    static abstract TSelf Load(ref float source, nuint offset);

    /// <summary>Lane-wise sum.</summary>
    static abstract TSelf operator +(TSelf x, TSelf y);

    /// <summary>Lane-wise difference.</summary>
    static abstract TSelf operator -(TSelf x, TSelf y);

    /// <summary>Lane-wise product.</summary>
    static abstract TSelf operator *(TSelf x, TSelf y);

    /// <summary><see cref="SigmoidKernel"/>'s σ in every lane.</summary>
    static abstract TSelf Sigmoid(TSelf x);

    /// <summary><see cref="TanhKernel"/>'s tanh in every lane.</summary>
    static abstract TSelf Tanh(TSelf x);

    /// <summary>Stores the lanes to <c>destination[offset..]</c>.</summary>
    void Store(ref float destination, nuint offset);
}

/// <summary>16 float lanes (<see cref="Vector512{T}"/>).</summary>
internal readonly struct Lanes512 : IFloatLanes<Lanes512>
{
    private readonly Vector512<float> _value;

    private Lanes512(Vector512<float> value) => _value = value;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    /// <inheritdoc/>
    public static int Count => Vector512<float>.Count;

    /// <inheritdoc/>
    public static Lanes512 One => new(Vector512<float>.One);

    /// <inheritdoc/>
    public static Lanes512 Zero => new(Vector512<float>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator +(Lanes512 x, Lanes512 y) => new(x._value + y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator -(Lanes512 x, Lanes512 y) => new(x._value - y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 operator *(Lanes512 x, Lanes512 y) => new(x._value * y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sigmoid(Lanes512 x) => new(SigmoidKernel.Sigmoid(x._value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Tanh(Lanes512 x) => new(TanhKernel.Tanh(x._value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);
}

/// <summary>8 float lanes (<see cref="Vector256{T}"/>).</summary>
internal readonly struct Lanes256 : IFloatLanes<Lanes256>
{
    private readonly Vector256<float> _value;

    private Lanes256(Vector256<float> value) => _value = value;

    /// <inheritdoc/>
    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    /// <inheritdoc/>
    public static int Count => Vector256<float>.Count;

    /// <inheritdoc/>
    public static Lanes256 One => new(Vector256<float>.One);

    /// <inheritdoc/>
    public static Lanes256 Zero => new(Vector256<float>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator +(Lanes256 x, Lanes256 y) => new(x._value + y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator -(Lanes256 x, Lanes256 y) => new(x._value - y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 operator *(Lanes256 x, Lanes256 y) => new(x._value * y._value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sigmoid(Lanes256 x) => new(SigmoidKernel.Sigmoid(x._value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Tanh(Lanes256 x) => new(TanhKernel.Tanh(x._value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint offset) => _value.StoreUnsafe(ref destination, offset);
}
