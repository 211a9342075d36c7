namespace RnnSharp;

/// <summary>
/// A source of random numbers that reproduces PyTorch's CPU generator (<c>torch.Generator</c>) bit for bit:
/// the same seed gives the same parameters from <see cref="Rnn"/>'s and <see cref="Embedding"/>'s initialisation, the
/// same <see cref="Torch.Rand(int[], Generator?)"/> and <see cref="Torch.Randn(int[], Generator?)"/> values and the same
/// dropout masks as PyTorch.
/// </summary>
/// <remarks>
/// PyTorch's CPU generator is a 32-bit Mersenne Twister seeded with the low 32 bits of the seed. A float32
/// uniform draw on <c>[from, to)</c> takes one 32-bit output <c>r</c>, forms <c>x = (r &amp; 0xFFFFFF) · 2^-24</c>
/// and returns <c>fma(x, to − from, from)</c> rounded once to float32. A generator may be used from several
/// threads; each fill takes a lock, as PyTorch's does.
/// </remarks>
public sealed partial class Generator
{
    /// <summary>The seed a new generator starts from, as in PyTorch (<c>67280421310721</c>).</summary>
    public const ulong DefaultSeed = 67280421310721UL;

    private readonly Lock _lock = new();
    private readonly Mt19937 _engine;
    private ulong _initialSeed;

    /// <summary>Creates a generator seeded with <see cref="DefaultSeed"/>. Equivalent to <c>torch.Generator()</c>.</summary>
    public Generator()
        : this(DefaultSeed)
    {
    }

    /// <summary>Creates a generator with the given seed. Equivalent to <c>torch.Generator().manual_seed(seed)</c>.</summary>
    /// <param name="seed">The seed; negative values are taken as their 64-bit two's complement, as PyTorch does.</param>
    public Generator(long seed)
        : this(unchecked((ulong)seed))
    {
    }

    /// <summary>Creates a generator with the given seed. Equivalent to <c>torch.Generator().manual_seed(seed)</c>.</summary>
    /// <param name="seed">The seed.</param>
    public Generator(ulong seed)
    {
        _initialSeed = seed;
        _engine = new Mt19937(seed);
    }

    /// <summary>Re-seeds the generator. Equivalent to <c>generator.manual_seed(seed)</c>.</summary>
    /// <param name="seed">The seed; negative values are taken as their 64-bit two's complement, as PyTorch does.</param>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(long seed) => ManualSeed(unchecked((ulong)seed));

    /// <summary>Re-seeds the generator. Equivalent to <c>generator.manual_seed(seed)</c>.</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>This generator.</returns>
    public Generator ManualSeed(ulong seed)
    {
        lock (_lock)
        {
            _initialSeed = seed;
            _engine.Seed(seed);
            _nextDoubleNormal = null; // as CPUGeneratorImpl::set_current_seed resets its cached normal
        }

        return this;
    }

    /// <summary>The seed this generator was last seeded with. Equivalent to <c>generator.initial_seed()</c>.</summary>
    /// <returns>The seed, as the unsigned 64-bit value PyTorch reports.</returns>
    public ulong InitialSeed()
    {
        lock (_lock)
        {
            return _initialSeed;
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> in order with float32 draws from <c>U[from, to)</c>, consuming one
    /// 32-bit output per element, as PyTorch's <c>uniform_</c> does on a contiguous CPU tensor.
    /// </summary>
    internal void FillUniform(Span<float> destination, float from, float to)
    {
        lock (_lock)
        {
            FillUniformLocked(destination, from, to);
        }
    }

    /// <summary><see cref="FillUniform"/> for a caller that already holds the lock.</summary>
    private void FillUniformLocked(Span<float> destination, float from, float to)
    {
        const float Divisor = 1.0f / (1 << 24);
        float range = to - from;
        for (int i = 0; i < destination.Length; i++)
        {
            float x = (_engine.NextUInt32() & 0xFFFFFFu) * Divisor;
            destination[i] = MathF.FusedMultiplyAdd(x, range, from);
        }
    }

    /// <summary>
    /// Fills <paramref name="mask"/> with 1 where a draw from PyTorch's <c>bernoulli_(p)</c> succeeds and 0
    /// elsewhere: one 64-bit output per element (two 32-bit outputs, high word first), taken as a double
    /// <c>u = (r &amp; (2^53 − 1)) · 2^-53</c>, success when <c>u &lt; p</c>.
    /// </summary>
    internal void FillBernoulli(Span<float> mask, double p)
    {
        lock (_lock)
        {
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = NextDoubleUniformLocked() < p ? 1f : 0f;
            }
        }
    }
}
