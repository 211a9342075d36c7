namespace RnnSharp;

/// <summary>
/// Library-wide functions named after the <c>torch</c> namespace: seeding, tensor creation, print options.
/// </summary>
public static partial class Torch
{
    /// <summary>
    /// The global generator that <see cref="ManualSeed(long)"/> seeds and that modules draw their initial
    /// parameters from when no generator is given. Equivalent to <c>torch.default_generator</c>.
    /// </summary>
    public static Generator DefaultGenerator { get; } = new();

    /// <summary>
    /// Seeds the global generator. Equivalent to <c>torch.manual_seed(seed)</c>: after the same seed, RnnSharp
    /// initialises modules with the same parameters as PyTorch, bit for bit.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static void ManualSeed(int seed) => DefaultGenerator.ManualSeed(seed);

    /// <summary>
    /// Seeds the global generator. Equivalent to <c>torch.manual_seed(seed)</c>; negative seeds are taken as
    /// their 64-bit two's complement, as PyTorch does.
    /// </summary>
    /// <param name="seed">The seed.</param>
    public static void ManualSeed(long seed) => DefaultGenerator.ManualSeed(seed);

    /// <summary>The seed the global generator was last seeded with. Equivalent to <c>torch.initial_seed()</c>.</summary>
    /// <returns>The seed as PyTorch reports it (an unsigned 64-bit value).</returns>
    public static ulong InitialSeed() => DefaultGenerator.InitialSeed();

    /// <summary>Returns a tensor of the given shape filled with zeros. Equivalent to <c>torch.zeros(*shape)</c>.</summary>
    /// <param name="shape">The length of each dimension.</param>
    /// <returns>A new zero-filled tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public static Tensor Zeros(params int[] shape) => RnnSharp.Tensor.Zeros(shape);

    /// <summary>Returns a tensor of the given shape filled with ones. Equivalent to <c>torch.ones(*shape)</c>.</summary>
    /// <param name="shape">The length of each dimension.</param>
    /// <returns>A new tensor of ones.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public static Tensor Ones(params int[] shape) => RnnSharp.Tensor.Ones(shape);

    /// <summary>
    /// Returns a tensor of the given shape filled with draws from <c>U[0, 1)</c>. Equivalent to
    /// <c>torch.rand(*shape, generator=generator)</c>, with the same values as PyTorch for the same seed.
    /// </summary>
    /// <param name="shape">The length of each dimension.</param>
    /// <param name="generator">The generator to draw from; <see cref="DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <returns>A new tensor of uniform draws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public static Tensor Rand(int[] shape, Generator? generator = null)
    {
        Tensor t = RnnSharp.Tensor.Zeros(shape);
        (generator ?? DefaultGenerator).FillUniform(t.AsSpan(), 0f, 1f);
        return t;
    }

    /// <summary>
    /// Returns a tensor of the given shape filled with draws from <c>N(0, 1)</c>. Equivalent to
    /// <c>torch.randn(*shape, generator=generator)</c>: it consumes the generator exactly as PyTorch's CPU
    /// <c>normal_</c> does, so everything drawn afterwards is PyTorch's bit for bit.
    /// </summary>
    /// <remarks>
    /// With 16 or more elements PyTorch fills the tensor with uniforms and applies Box–Muller to blocks of 16, with
    /// its own float32 log, sin and cos (<c>avx_mathfun.h</c>, on an AVX2 CPU), which RnnSharp reproduces operation
    /// for operation; below 16 elements it draws each value in double (the C library's log, sin, cos, which .NET also
    /// calls) and keeps the second value of each pair for the next small draw, as RnnSharp does. Against PyTorch 1.13
    /// on an AVX2 machine the values are bit-exact; a PyTorch build that takes another path (no AVX2, or another C
    /// library) may differ in the last bit, but the generator is always consumed identically.
    /// </remarks>
    /// <param name="shape">The length of each dimension.</param>
    /// <param name="generator">The generator to draw from; <see cref="DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <returns>A new tensor of normal draws.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative (PyTorch: <c>Trying to create tensor with negative dimension -1: [2, -1]</c>).</exception>
    public static Tensor Randn(int[] shape, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tensor t = RnnSharp.Tensor.Empty((int[])shape.Clone());
        (generator ?? DefaultGenerator).FillNormal(t.AsSpan());
        return t;
    }

    /// <summary>Copies a vector into a new 1-D tensor. Equivalent to <c>torch.tensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new tensor of shape <c>(data.Length)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(float[] data) => TensorFromArray.Create(data, nameof(data));

    /// <summary>Copies a matrix into a new 2-D tensor. Equivalent to <c>torch.tensor(data)</c>.</summary>
    /// <param name="data">The elements, <c>data[i, j]</c> at index <c>[i, j]</c>.</param>
    /// <returns>A new tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(float[,] data) => TensorFromArray.Create(data, nameof(data));

    /// <summary>Copies a 3-D array into a new 3-D tensor. Equivalent to <c>torch.tensor(data)</c>.</summary>
    /// <param name="data">The elements, <c>data[i, j, k]</c> at index <c>[i, j, k]</c>.</param>
    /// <returns>A new 3-D tensor of the array's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(float[,,] data) => TensorFromArray.Create(data, nameof(data));

    /// <summary>
    /// Copies nested rows into a new 2-D tensor. Equivalent to <c>torch.tensor(data)</c> (and to
    /// <c>torch.Tensor(data)</c>) on a nested list.
    /// </summary>
    /// <param name="data">The rows; all must have the same length.</param>
    /// <returns>A new tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its rows is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows differ in length (PyTorch: <c>expected sequence of length 4 at dim 1 (got 3)</c>).</exception>
    public static Tensor Tensor(float[][] data) => TensorFromArray.Create(data, nameof(data));

    /// <summary>
    /// Copies a nested array into a new 3-D tensor. Equivalent to <c>torch.Tensor(data)</c> on a nested list
    /// or a 3-D NumPy array, as the PyTorch lab does with its one-hot input.
    /// </summary>
    /// <param name="data">The nested elements; every level must be rectangular.</param>
    /// <returns>A new 3-D tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The nesting is ragged (PyTorch: <c>expected sequence of length 5 at dim 1 (got 4)</c>).</exception>
    public static Tensor Tensor(float[][][] data) => TensorFromArray.Create(data, nameof(data));
}
