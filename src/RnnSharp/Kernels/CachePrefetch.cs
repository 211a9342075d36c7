using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace RnnSharp.Kernels;

/// <summary>
/// Software prefetch: asks the core to bring a cache line towards L1 ahead of a load or store that would otherwise
/// stall on it. A prefetch is a hint — it never faults, whatever the address, and changes no result — so these helpers
/// are safe for any reference, even one past the end of a buffer. Without SSE they do nothing.
/// </summary>
/// <remarks>
/// The only unsafe code in the library: <see cref="Sse.Prefetch0(void*)"/> takes a pointer, which is formed here from a
/// reference and never dereferenced.
/// </remarks>
internal static class CachePrefetch
{
    /// <summary>Prefetches the line holding <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(ref readonly float at)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        unsafe
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.AsRef(in at)));
        }
    }

    /// <summary>Prefetches the lines of <c>rows</c> runs of 32 floats, <paramref name="stride"/> floats apart, from <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rows32(ref readonly float start, int stride, int rows)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            unsafe
            {
                float* line = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref Unsafe.AsRef(in start), r * stride));
                Sse.Prefetch0(line);
                Sse.Prefetch0(line + 16);
            }
        }
    }
}
