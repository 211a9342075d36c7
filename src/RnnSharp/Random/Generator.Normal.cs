using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Normal draws, consuming the generator exactly as PyTorch 1.13's CPU <c>normal_</c> does.</summary>
public sealed partial class Generator
{
    /// <summary>
    /// The second value of the last scalar Box–Muller pair, kept for the next scalar draw as
    /// <c>CPUGeneratorImpl::next_double_normal_sample_</c> is; cleared by <see cref="ManualSeed(ulong)"/>.
    /// </summary>
    private double? _nextDoubleNormal;

    /// <summary>
    /// Fills <paramref name="destination"/> (a contiguous float32 tensor's elements) with draws from
    /// <c>N(mean, std²)</c> as ATen's CPU <c>normal_kernel</c> does.
    /// </summary>
    /// <remarks>
    /// With 16 or more elements (<c>normal_fill</c>): every element gets a float32 uniform draw from <c>[0, 1)</c>,
    /// then <see cref="NormalKernel.BoxMuller16"/> turns each whole block of 16 into normals; when the length is
    /// not a multiple of 16 the last 16 elements are drawn again (16 fresh uniforms) and recomputed. The scalar
    /// cache is neither read nor written. Below 16 elements: one <c>at::normal_distribution&lt;double&gt;</c> draw
    /// per element (<see cref="NextDoubleNormal"/>), <c>value · std + mean</c> in double, rounded to float32.
    /// </remarks>
    internal void FillNormal(Span<float> destination, double mean = 0, double std = 1)
    {
        lock (_lock)
        {
            int size = destination.Length;
            if (size >= NormalKernel.BlockSize)
            {
                float meanF = (float)mean;
                float stdF = (float)std;
                FillUniformLocked(destination, 0f, 1f);
                for (int i = 0; i + NormalKernel.BlockSize <= size; i += NormalKernel.BlockSize)
                {
                    NormalKernel.BoxMuller16(destination.Slice(i, NormalKernel.BlockSize), meanF, stdF);
                }

                if (size % NormalKernel.BlockSize != 0)
                {
                    Span<float> last = destination[(size - NormalKernel.BlockSize)..];
                    FillUniformLocked(last, 0f, 1f);
                    NormalKernel.BoxMuller16(last, meanF, stdF);
                }

                return;
            }

            for (int i = 0; i < size; i++)
            {
                destination[i] = (float)((NextDoubleNormal() * std) + mean);
            }
        }
    }

    /// <summary>
    /// One standard normal in double as <c>at::normal_distribution&lt;double&gt;</c> draws it: the cached value if there
    /// is one (then the cache is emptied); otherwise two double uniforms <c>u1</c>, <c>u2</c> (each from one 64-bit
    /// output, 53 bits · 2^-53), <c>r = √(−2·log(1 − u2))</c>, <c>θ = 2π·u1</c>; caches <c>r·sin θ</c> and returns
    /// <c>r·cos θ</c>. The caller holds the lock.
    /// </summary>
    private double NextDoubleNormal()
    {
        if (_nextDoubleNormal is double cached)
        {
            _nextDoubleNormal = null;
            return cached;
        }

        double u1 = NextDoubleUniformLocked();
        double u2 = NextDoubleUniformLocked();
        double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        _nextDoubleNormal = r * Math.Sin(theta);
        return r * Math.Cos(theta);
    }

    /// <summary>A double uniform on <c>[0, 1)</c> from one 64-bit output (high word first), 53 bits · 2^-53.</summary>
    private double NextDoubleUniformLocked()
    {
        const double Divisor = 1.0 / (1UL << 53);
        ulong hi = _engine.NextUInt32();
        ulong lo = _engine.NextUInt32();
        return (((hi << 32) | lo) & ((1UL << 53) - 1)) * Divisor;
    }
}
