using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// <see cref="NormalKernel"/>: the port of ATen's AVX2 Box–Muller gives PyTorch's bits from PyTorch's recorded uniforms,
/// and stays close to its naive oracle (the same float32 formula with correctly rounded log, sin and cos).
/// </summary>
public sealed class NormalKernelTests(ITestOutputHelper output)
{
    private const string File = "embedding.json";

    /// <summary>Single normal_ draws whose size is a multiple of 16: their values are BoxMuller16 of their uniforms, block by block.</summary>
    public static TheoryData<string> WholeBlockCases() => Fixture.Names(File, c =>
        c.GetProperty("kind").GetString() == "normal" && c.TryGetProperty("uniforms", out JsonElement u)
        && u.GetProperty("data").GetArrayLength() is int n && n >= 16 && n % 16 == 0
        && Fixture.ReadFloat(c.GetProperty("mean")) == 0 && Fixture.ReadFloat(c.GetProperty("std")) == 1);

    [Theory]
    [MemberData(nameof(WholeBlockCases))]
    public void BoxMuller16_RecordedUniforms_MatchesPyTorchBits(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor data = Fixture.ReadTensor(c.GetProperty("uniforms"));

        Span<float> span = data.AsSpan();
        for (int i = 0; i < span.Length; i += NormalKernel.BlockSize)
        {
            NormalKernel.BoxMuller16(span.Slice(i, NormalKernel.BlockSize), 0f, 1f);
        }

        TensorAssert.BitEqual(data, Fixture.ReadTensor(c.GetProperty("values")[0]));
    }

    [Fact]
    public void BoxMuller16_AgainstCorrectlyRoundedOracle_CloseAndMostlyBitExact()
    {
        // 2^16 blocks of random uniforms in [0, 1), drawn as PyTorch draws them (24-bit multiples of 2^-24).
        var generator = new Generator(123);
        float[] uniforms = new float[NormalKernel.BlockSize << 16];
        generator.FillUniform(uniforms, 0f, 1f);
        float[] fast = (float[])uniforms.Clone();
        float[] naive = (float[])uniforms.Clone();

        int exact = 0;
        double maxError = 0;
        for (int i = 0; i < uniforms.Length; i += NormalKernel.BlockSize)
        {
            NormalKernel.BoxMuller16(fast.AsSpan(i, NormalKernel.BlockSize), 0f, 1f);
            NormalKernel.BoxMuller16Reference(naive.AsSpan(i, NormalKernel.BlockSize), 0f, 1f);
        }

        for (int i = 0; i < fast.Length; i++)
        {
            exact += BitConverter.SingleToInt32Bits(fast[i]) == BitConverter.SingleToInt32Bits(naive[i]) ? 1 : 0;
            maxError = Math.Max(maxError, Math.Abs(fast[i] - (double)naive[i]) / Math.Max(1.0, Math.Abs(naive[i])));
        }

        output.WriteLine($"bit-exact with the correctly rounded oracle: {exact} of {fast.Length} ({100.0 * exact / fast.Length:F2}%), max error {maxError:E2}");

        // Measured on 2^20 values: 83.46% bit-exact, max |error| / max(1, |x|) = 3.21e-7 (Cephes' float32 log, sin and
        // cos are within about an ulp of the correctly rounded ones). The bounds leave a little room, no more.
        ((double)exact / fast.Length).Should().BeGreaterThan(0.8);
        maxError.Should().BeLessThan(5e-7);
    }

    [Fact]
    public void Log_OverUnitInterval_WithinTwoUlpOfExact()
    {
        // The u1 = 1 − u values Box–Muller feeds it: (0, 1] in steps of 2^-24, plus the smallest and 1.
        long worst = 0;
        for (int k = 1; k <= 1 << 24; k += 97)
        {
            float x = k * (1f / (1 << 24));
            worst = Math.Max(worst, Ulp(NormalKernel.Log(x), (float)Math.Log(x)));
        }

        worst.Should().BeLessThanOrEqualTo(2);
        float.IsNaN(NormalKernel.Log(0f)).Should().BeTrue();
        float.IsNaN(NormalKernel.Log(-1f)).Should().BeTrue();
    }

    [Fact]
    public void SinCos_OverOnePeriod_WithinOneMillionthOfExact()
    {
        double worst = 0;
        for (int k = 0; k < 1 << 20; k++)
        {
            float theta = (float)(2.0 * Math.PI) * (k * (1f / (1 << 20)));
            NormalKernel.SinCos(theta, out float sin, out float cos);
            worst = Math.Max(worst, Math.Max(Math.Abs(sin - Math.Sin(theta)), Math.Abs(cos - Math.Cos(theta))));
        }

        output.WriteLine($"max |error| of sin/cos on [0, 2π): {worst:E2}");
        worst.Should().BeLessThan(1e-6);
    }

    private static long Ulp(float a, float b)
    {
        static long Ordered(float x)
        {
            int bits = BitConverter.SingleToInt32Bits(x);
            return bits < 0 ? (long)int.MinValue - bits : bits;
        }

        return Math.Abs(Ordered(a) - Ordered(b));
    }
}
