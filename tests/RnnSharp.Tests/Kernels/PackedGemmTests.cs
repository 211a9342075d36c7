using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;
using static RnnSharp.Kernels.PackedGemm;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The packed GEMM against two oracles: a scalar chain of fused multiply-adds in the kernel's order (which it must
/// match bit for bit, on every SIMD level the machine runs) and the naive dot-product reference (within rounding).
/// </summary>
public sealed class PackedGemmTests
{
    public static TheoryData<string> SimdLevels()
    {
        var data = new TheoryData<string> { nameof(SimdLevel.Scalar) };
        if (BestSimd >= SimdLevel.Vector256)
        {
            data.Add(nameof(SimdLevel.Vector256));
        }

        if (BestSimd >= SimdLevel.Vector512)
        {
            data.Add(nameof(SimdLevel.Vector512));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SimdLevels))]
    public void Multiply_EveryColumnCountUpTo70_MatchesFmaChainBitForBit(string level)
    {
        var simd = Enum.Parse<SimdLevel>(level);
        foreach (int m in new[] { 1, 5, 6, 7, 13 })
        {
            for (int n = 0; n <= 70; n++)
            {
                foreach (int k in new[] { 1, 2, 17, 64 })
                {
                    Check(m, n, k, simd, withBias: (n + k) % 2 == 0, withAddend: (m + n) % 3 != 0);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(SimdLevels))]
    public void Multiply_EveryRowAndDepthCountUpTo70_MatchesFmaChainBitForBit(string level)
    {
        var simd = Enum.Parse<SimdLevel>(level);
        for (int size = 0; size <= 70; size++)
        {
            Check(size, 33, 9, simd, withBias: true, withAddend: true);
            Check(3, 40, size, simd, withBias: true, withAddend: size % 2 == 0);
        }
    }

    [Theory]
    [MemberData(nameof(SimdLevels))]
    public void Multiply_OddLargeSizesAndStrides_MatchesFmaChainBitForBit(string level)
    {
        var simd = Enum.Parse<SimdLevel>(level);
        Check(150, 97, 301, simd, withBias: true, withAddend: true, lda: 305, ldc: 130, ldAddend: 101);
        Check(289, 255, 127, simd, withBias: false, withAddend: true);
        Check(7, 1000, 3, simd, withBias: true, withAddend: false, ldc: 2003);

        // A weight over 512 KB packed: the 8-row kernel fetches the next panel ahead, which must change nothing.
        Check(17, 100, 1400, simd, withBias: true, withAddend: true);
    }

    [Fact]
    public void Pack_OverAnyOldContents_MatchesTheElementwiseOracle()
    {
        // Rows and depths around the 8 × 8 blocks and the 32-wide panels; the destination starts as NaN, as a
        // recycled array may hold anything, so every element (the padding too) must be written.
        foreach (int n in new[] { 1, 7, 8, 9, 31, 32, 33, 64, 70, 100 })
        {
            foreach (int k in new[] { 1, 7, 8, 9, 16, 17, 64, 130 })
            {
                float[] w = [.. Enumerable.Range(0, n * k).Select(i => (float)((i * 37 % 101) - 50) / 7f)];
                float[] expected = new float[PackedLength(n, k)];
                PackReference(w, n, k, expected);
                float[] packed = Enumerable.Repeat(float.NaN, PackedLength(n, k)).ToArray();

                Pack(w, n, k, packed);

                packed.Should().Equal(expected, $"n = {n}, k = {k}");
            }
        }
    }

    [Fact]
    public void Multiply_PanelRanges_TogetherWriteEveryColumnOnce()
    {
        const int M = 9, N = 100, K = 20;
        var (a, w, bias, addend) = Data(M, N, K, seed: 3);
        float[] packed = new float[PackedLength(N, K)];
        Pack(w, N, K, packed);
        float[] whole = new float[M * N];
        float[] parts = Enumerable.Repeat(float.NaN, M * N).ToArray();

        Multiply(a, K, packed, bias, addend, N, whole, N, M, N, K);
        Multiply(a, K, packed, bias, addend, N, parts, N, M, N, K, panelStart: 0, panelEnd: 2);
        Multiply(a, K, packed, bias, addend, N, parts, N, M, N, K, panelStart: 2, panelEnd: Panels(N));

        parts.Should().Equal(whole);
    }

    [Fact]
    public void Multiply_WithFollowingPanelHint_WritesTheSameBits()
    {
        // Over 512 KB packed (3 panels × 1500 × 32 floats), so that the kernel fetches ahead.
        const int M = 64, N = 96, K = 1500;
        var (a, w, bias, addend) = Data(M, N, K, seed: 5);
        float[] packed = new float[PackedLength(N, K)];
        Pack(w, N, K, packed);
        float[] plain = new float[M * N];
        float[] hinted = new float[M * N];

        Multiply(a, K, packed, bias, addend, N, plain, N, M, N, K);
        Multiply(a, K, packed, bias, addend, N, hinted, N, M, N, K, following: packed.AsSpan(0, K * PanelWidth));

        hinted.Should().Equal(plain);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(128)]
    [InlineData(1024)]
    [InlineData(4099)]
    public void PrefetchPlan_EveryCallFetchesItsOwnShareOfTheNextPanel_AndNothingOutsideIt(int k)
    {
        int panelLines = 2 * k;
        foreach (int blocks in new[] { 1, 2, 3, 4, 8, 18, 2 * k, (2 * k) + 1 })
        {
            for (int block = 0; block < blocks; block++)
            {
                var plan = new PrefetchPlan(k, blocks);
                int offset = plan.Offset(block);
                ulong rate = plan.Rate;
                int share = panelLines / blocks;
                var own = new HashSet<int>();
                for (ulong kk = 0; kk < (ulong)k; kk++)
                {
                    own.Add((offset / 16) + (int)((kk * rate) >> 32));
                }

                string because = $"k={k}, call {block} of {blocks}";
                own.Min().Should().Be(block * share, because);

                // The last line of the share (its second-to-last when one call must cover 2k lines in k steps, one every other).
                int last = share == 0 ? 0 : share > k ? share - 2 : share - 1;
                own.Max().Should().Be((block * share) + last, because);

                // A call runs k steps and fetches a line per step: its whole share if that is at most k lines.
                own.Should().HaveCount(Math.Max(1, Math.Min(share, k)), because);
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(6, 32, 16)]
    [InlineData(16, 128, 64)]
    [InlineData(13, 71, 130)]
    public void Multiply_AgainstNaiveDotProductReference_AgreesWithinRounding(int m, int n, int k)
    {
        var (a, w, bias, addend) = Data(m, n, k, seed: m + n + k);
        float[] packed = new float[PackedLength(n, k)];
        Pack(w, n, k, packed);
        float[] fast = new float[m * n];
        float[] reference = new float[m * n];

        Multiply(a, k, packed, bias, addend, n, fast, n, m, n, k);
        LinearKernel.Forward(a, w, bias, reference, m, k, n);
        for (int i = 0; i < reference.Length; i++)
        {
            reference[i] += addend[i];
        }

        // Both sum the same products in different orders: float32 rounding of sums of k terms of size ~1.
        TensorAssert.AllClose(new Tensor(fast, m, n), new Tensor(reference, m, n), rtol: 1e-5, atol: 1e-5);
    }

    private static void Check(
        int m, int n, int k, SimdLevel simd, bool withBias, bool withAddend, int lda = -1, int ldc = -1, int ldAddend = -1)
    {
        lda = lda < 0 ? k : lda;
        ldc = ldc < 0 ? n : ldc;
        ldAddend = ldAddend < 0 ? n : ldAddend;
        var rng = new Random((m * 7919) + (n * 104729) + k);
        float[] a = Random(rng, Math.Max(0, ((m - 1) * lda) + k));
        float[] w = Random(rng, n * k);
        float[] bias = withBias ? Random(rng, n) : [];
        float[] addend = withAddend ? Random(rng, Math.Max(0, ((m - 1) * ldAddend) + n)) : [];
        float[] packed = new float[PackedLength(n, k)];
        Pack(w, n, k, packed);
        float sentinel = -12345f;
        float[] c = Enumerable.Repeat(sentinel, Math.Max(0, ((m - 1) * ldc) + n + 5)).ToArray();

        Multiply(a, lda, packed, bias, addend, ldAddend, c, ldc, m, n, k, simd: simd);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc && (i * ldc) + j < c.Length; j++)
            {
                float actual = c[(i * ldc) + j];
                if (j >= n)
                {
                    actual.Should().Be(sentinel, $"column {j} >= n={n} must not be written (m={m}, k={k}, {simd})");
                    continue;
                }

                float expected = 0f;
                for (int kk = 0; kk < k; kk++)
                {
                    expected = MathF.FusedMultiplyAdd(a[(i * lda) + kk], w[(j * k) + kk], expected);
                }

                if (withBias)
                {
                    expected += bias[j];
                }

                if (withAddend)
                {
                    expected += addend[(i * ldAddend) + j];
                }

                if (BitConverter.SingleToInt32Bits(actual) != BitConverter.SingleToInt32Bits(expected))
                {
                    throw new Xunit.Sdk.XunitException(
                        $"C[{i}, {j}] = {actual:R}, FMA chain gives {expected:R} (m={m}, n={n}, k={k}, lda={lda}, ldc={ldc}, {simd}, bias={withBias}, addend={withAddend})");
                }
            }
        }

        c.Skip(Math.Max(0, ((m - 1) * ldc) + n)).Should().OnlyContain(v => v == sentinel, "nothing is written past the last row");
    }

    private static (float[] A, float[] W, float[] Bias, float[] Addend) Data(int m, int n, int k, int seed)
    {
        var rng = new Random(seed);
        return (Random(rng, m * k), Random(rng, n * k), Random(rng, n), Random(rng, m * n));
    }

    private static float[] Random(Random rng, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return values;
    }
}
