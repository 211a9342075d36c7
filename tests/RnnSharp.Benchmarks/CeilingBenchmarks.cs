using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>
/// The machine's ceilings, measured in the same run as the RNN benchmarks so that their GFLOP/s can be read as a
/// fraction of what this core can do at all: the peak of independent fused multiply-add chains on one core
/// (Vector512 and Vector256), and TorchSharp's (oneMKL's) single-thread sgemm on 1024³.
/// </summary>
[Config(typeof(GflopsConfig))]
public class CeilingBenchmarks
{
    /// <summary>Iterations of the FMA loop; each does <see cref="Chains"/> independent vector FMAs.</summary>
    public const int Iterations = 1 << 20;

    /// <summary>Independent accumulators: enough to cover FMA latency × the FMA ports of current cores.</summary>
    public const int Chains = 12;

    /// <summary>The sgemm's size.</summary>
    public const int GemmSize = 1024;

    private TorchTensor _a = null!;
    private TorchTensor _b = null!;

    /// <summary>FLOPs of each benchmark method, for the GFLOP/s column.</summary>
    public static double FlopsOf(string method) => method switch
    {
        nameof(FmaVector512) => 2.0 * Chains * Vector512<float>.Count * Iterations,
        nameof(FmaVector256) => 2.0 * Chains * Vector256<float>.Count * Iterations,
        nameof(TorchSharpSgemm) => 2.0 * GemmSize * GemmSize * GemmSize,
        _ => double.NaN,
    };

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNative.EnsureLoadable();
        torch.set_num_threads(1);
        _a = torch.rand(GemmSize, GemmSize);
        _b = torch.rand(GemmSize, GemmSize);
    }

    [Benchmark(Description = "FMA peak, Vector512, 1 core")]
    public float FmaVector512() => Vector512.IsHardwareAccelerated ? Fma512() : float.NaN;

    [Benchmark(Description = "FMA peak, Vector256, 1 core")]
    public float FmaVector256() => Fma256();

    [Benchmark(Description = "TorchSharp sgemm 1024³, 1 thread")]
    public float TorchSharpSgemm()
    {
        using var scope = torch.NewDisposeScope();
        return torch.mm(_a, _b).numel();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512()
    {
        Vector512<float> m = Vector512.Create(0.999999f), x = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, x);
            a1 = Vector512.FusedMultiplyAdd(a1, m, x);
            a2 = Vector512.FusedMultiplyAdd(a2, m, x);
            a3 = Vector512.FusedMultiplyAdd(a3, m, x);
            a4 = Vector512.FusedMultiplyAdd(a4, m, x);
            a5 = Vector512.FusedMultiplyAdd(a5, m, x);
            a6 = Vector512.FusedMultiplyAdd(a6, m, x);
            a7 = Vector512.FusedMultiplyAdd(a7, m, x);
            a8 = Vector512.FusedMultiplyAdd(a8, m, x);
            a9 = Vector512.FusedMultiplyAdd(a9, m, x);
            a10 = Vector512.FusedMultiplyAdd(a10, m, x);
            a11 = Vector512.FusedMultiplyAdd(a11, m, x);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256()
    {
        Vector256<float> m = Vector256.Create(0.999999f), x = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, x);
            a1 = Vector256.FusedMultiplyAdd(a1, m, x);
            a2 = Vector256.FusedMultiplyAdd(a2, m, x);
            a3 = Vector256.FusedMultiplyAdd(a3, m, x);
            a4 = Vector256.FusedMultiplyAdd(a4, m, x);
            a5 = Vector256.FusedMultiplyAdd(a5, m, x);
            a6 = Vector256.FusedMultiplyAdd(a6, m, x);
            a7 = Vector256.FusedMultiplyAdd(a7, m, x);
            a8 = Vector256.FusedMultiplyAdd(a8, m, x);
            a9 = Vector256.FusedMultiplyAdd(a9, m, x);
            a10 = Vector256.FusedMultiplyAdd(a10, m, x);
            a11 = Vector256.FusedMultiplyAdd(a11, m, x);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
