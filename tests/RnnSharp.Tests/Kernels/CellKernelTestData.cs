namespace RnnSharp.Tests.Kernels;

/// <summary>Inputs shared by the LSTM and GRU cell kernel tests.</summary>
internal static class CellKernelTestData
{
    /// <summary>Hidden sizes 1..70: every split into Vector512, Vector256 and scalar units.</summary>
    public static TheoryData<int> HiddenSizes() => new(Enumerable.Range(1, 70));

    /// <summary>
    /// Forward cases: odd batch counts (1, 3, 5: every row's offset differs from the vector alignment of the one
    /// before), recording or not, and each of <see cref="Chunks"/>.
    /// </summary>
    public static IEnumerable<(int Batch, bool Record, int UnitStart, int UnitEnd)> ForwardCases(int hidden) =>
        from batch in Batches
        from record in Flags
        from chunk in Chunks(hidden)
        select (batch, record, chunk.Start, chunk.End);

    /// <summary>Backward cases: the odd batch counts, with and without a zero initial state.</summary>
    public static IEnumerable<(int Batch, bool ZeroState)> BackwardCases =>
        from batch in Batches
        from zero in Flags
        select (batch, zero);

    private static int[] Batches => [1, 3, 5];

    private static bool[] Flags => [false, true];

    /// <summary>
    /// The unit ranges the engine hands a cell: the whole row, and 32-unit panel chunks (the first and the rest).
    /// </summary>
    private static List<(int Start, int End)> Chunks(int hidden)
    {
        var chunks = new List<(int Start, int End)> { (0, hidden) };
        if (hidden > 32)
        {
            chunks.Add((0, 32));
            chunks.Add((32, hidden));
        }

        return chunks;
    }

    /// <summary>
    /// <c>(N, G·H)</c> activated gates: σ-like values in (0, 1) for the blocks marked true, tanh-like in (−1, 1) for
    /// the others.
    /// </summary>
    public static float[] ActivatedGates(int batch, int hidden, bool[] sigmoid, int seed)
    {
        float[] values = SoftmaxKernelTests.Random(batch * sigmoid.Length * hidden, seed, 1f);
        for (int i = 0; i < values.Length; i++)
        {
            if (sigmoid[(i / hidden) % sigmoid.Length])
            {
                values[i] = (values[i] + 1f) / 2f;
            }
        }

        return values;
    }
}
