namespace RnnSharp;

public static partial class Torch
{
    private static int s_numThreads = Environment.ProcessorCount;

    /// <summary>
    /// The number of threads a single forward pass may use. Equivalent to <c>torch.get_num_threads()</c>;
    /// defaults to <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <returns>The current thread count.</returns>
    public static int GetNumThreads() => Volatile.Read(ref s_numThreads);

    /// <summary>
    /// Sets how many threads a single forward pass may use. Equivalent to <c>torch.set_num_threads(n)</c>.
    /// Small problems always run on the calling thread alone; 1 makes every call single-threaded, which suits
    /// services that already run many requests in parallel.
    /// </summary>
    /// <param name="numThreads">The thread count, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numThreads"/> is less than 1.</exception>
    public static void SetNumThreads(int numThreads)
    {
        if (numThreads < 1)
        {
            ThrowHelper.ThrowNumThreads(numThreads, nameof(numThreads));
        }

        Volatile.Write(ref s_numThreads, numThreads);
    }
}
