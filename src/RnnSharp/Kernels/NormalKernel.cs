namespace RnnSharp.Kernels;

/// <summary>
/// ATen's CPU Box–Muller for <c>normal_</c> on float tensors of 16 or more elements
/// (<c>aten/src/ATen/native/cpu/DistributionTemplates.h</c>, <c>normal_fill_16_AVX2</c>, the path PyTorch 1.13 takes on
/// an AVX2 machine): on a block of 16 uniforms <c>d</c>, for <c>j &lt; 8</c>, with <c>u1 = 1 − d[j]</c>,
/// <c>u2 = d[j + 8]</c>, <c>r = √(−2·log u1)</c> and <c>θ = 2π·u2</c>: <c>d[j] = fma(r·cos θ, std, mean)</c> and
/// <c>d[j + 8] = fma(r·sin θ, std, mean)</c>.
/// </summary>
/// <remarks>
/// log, sin and cos are ATen's own (<c>avx_mathfun.h</c>: <c>log256_ps</c>, <c>sincos256_ps</c>, Cephes polynomials
/// in float32), ported operation for operation, so the values are PyTorch's rather than the correctly rounded ones.
/// GCC builds those intrinsics as plain vector arithmetic and, with its default <c>-ffp-contract=fast</c> and
/// <c>-mfma</c>, fuses each multiply whose only use is an add into an FMA (visiting multiplies in program order);
/// the port does the same fusions. Measured against Debian's PyTorch 1.13.1 (AVX2 capability): with the fusions all
/// 5,163 recorded values are bit-exact; without them 98.9% are, the rest 1–2 ulp off.
/// <see cref="BoxMuller16Reference"/> is the naive oracle: the same float32 formula with correctly rounded functions.
/// </remarks>
internal static class NormalKernel
{
    /// <summary>The block ATen's vectorised Box–Muller works on.</summary>
    public const int BlockSize = 16;

    private const float TwoPi = (float)(2.0 * Math.PI);

    private const float SqrtHalf = (float)0.707106781186547524;
    private const float LogP0 = (float)7.0376836292E-2;
    private const float LogP1 = (float)-1.1514610310E-1;
    private const float LogP2 = (float)1.1676998740E-1;
    private const float LogP3 = (float)-1.2420140846E-1;
    private const float LogP4 = (float)1.4249322787E-1;
    private const float LogP5 = (float)-1.6668057665E-1;
    private const float LogP6 = (float)2.0000714765E-1;
    private const float LogP7 = (float)-2.4999993993E-1;
    private const float LogP8 = (float)3.3333331174E-1;
    private const float LogQ1 = (float)-2.12194440e-4;
    private const float LogQ2 = (float)0.693359375;

    private const float MinusDp1 = (float)-0.78515625;
    private const float MinusDp2 = (float)-2.4187564849853515625e-4;
    private const float MinusDp3 = (float)-3.77489497744594108e-8;
    private const float SinP0 = (float)-1.9515295891E-4;
    private const float SinP1 = (float)8.3321608736E-3;
    private const float SinP2 = (float)-1.6666654611E-1;
    private const float CosP0 = (float)2.443315711809948E-005;
    private const float CosP1 = (float)-1.388731625493765E-003;
    private const float CosP2 = (float)4.166664568298827E-002;
    private const float FourOverPi = (float)1.27323954473516;

    /// <summary>Turns the 16 uniforms in <paramref name="block"/> (each in [0, 1)) into normals, in place, as ATen does.</summary>
    public static void BoxMuller16(Span<float> block, float mean, float std)
    {
        block = block[..BlockSize];
        for (int j = 0; j < BlockSize / 2; j++)
        {
            float u1 = 1f - block[j];
            float u2 = block[j + 8];
            float radius = MathF.Sqrt(-2f * Log(u1));
            float theta = TwoPi * u2;
            SinCos(theta, out float sin, out float cos);
            block[j] = MathF.FusedMultiplyAdd(radius * cos, std, mean);
            block[j + 8] = MathF.FusedMultiplyAdd(radius * sin, std, mean);
        }
    }

    /// <summary>
    /// The naive oracle for <see cref="BoxMuller16"/>: ATen's float32 formula step for step (<c>u1 = 1 − d[j]</c>,
    /// <c>θ = float(2π)·u2</c> in float32, then the products and the FMA), with correctly rounded log, sin and cos
    /// (computed in double, rounded once) in place of the Cephes polynomials.
    /// </summary>
    public static void BoxMuller16Reference(Span<float> block, float mean, float std)
    {
        block = block[..BlockSize];
        for (int j = 0; j < BlockSize / 2; j++)
        {
            float u1 = 1f - block[j];
            float u2 = block[j + 8];
            float radius = MathF.Sqrt(-2f * (float)Math.Log(u1));
            float theta = TwoPi * u2;
            block[j] = MathF.FusedMultiplyAdd(radius * (float)Math.Cos(theta), std, mean);
            block[j + 8] = MathF.FusedMultiplyAdd(radius * (float)Math.Sin(theta), std, mean);
        }
    }

    /// <summary><c>log256_ps</c> for one lane: Cephes' logf (NaN for x ≤ 0).</summary>
    internal static float Log(float x)
    {
        bool invalid = x <= 0f;
        x = x > 1.17549435e-38f ? x : 1.17549435e-38f; // _mm256_max_ps(x, min_norm_pos): cut off denormals
        int bits = BitConverter.SingleToInt32Bits(x);
        int exponent = (int)((uint)bits >> 23);
        x = BitConverter.Int32BitsToSingle((bits & ~0x7f800000) | BitConverter.SingleToInt32Bits(0.5f));
        float e = (float)(exponent - 0x7f);
        e += 1f;
        bool below = x < SqrtHalf;
        float tmp = below ? x : 0f;
        x -= 1f;
        e -= below ? 1f : 0f;
        x += tmp;
        float z = x * x;
        float y = LogP0;
        y = MathF.FusedMultiplyAdd(y, x, LogP1);
        y = MathF.FusedMultiplyAdd(y, x, LogP2);
        y = MathF.FusedMultiplyAdd(y, x, LogP3);
        y = MathF.FusedMultiplyAdd(y, x, LogP4);
        y = MathF.FusedMultiplyAdd(y, x, LogP5);
        y = MathF.FusedMultiplyAdd(y, x, LogP6);
        y = MathF.FusedMultiplyAdd(y, x, LogP7);
        y = MathF.FusedMultiplyAdd(y, x, LogP8);
        y *= x;
        y = MathF.FusedMultiplyAdd(y, z, e * LogQ1);
        y = MathF.FusedMultiplyAdd(-z, 0.5f, y);
        x += y;
        x = MathF.FusedMultiplyAdd(e, LogQ2, x);
        return invalid ? float.NaN : x;
    }

    /// <summary><c>sincos256_ps</c> for one lane: Cephes' sinf and cosf sharing one argument reduction.</summary>
    internal static void SinCos(float x, out float sin, out float cos)
    {
        int signSin = BitConverter.SingleToInt32Bits(x) & unchecked((int)0x80000000);
        x = MathF.Abs(x);
        float y = x * FourOverPi;
        int j = (int)y; // _mm256_cvttps_epi32: truncation
        j = (j + 1) & ~1;
        y = j;
        int swapSignSin = (j & 4) << 29;
        bool firstPolynomial = (j & 2) == 0;
        x = MathF.FusedMultiplyAdd(y, MinusDp1, x);
        x = MathF.FusedMultiplyAdd(y, MinusDp2, x);
        x = MathF.FusedMultiplyAdd(y, MinusDp3, x);
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSignSin;

        float z = x * x;
        float yc = CosP0;
        yc = MathF.FusedMultiplyAdd(yc, z, CosP1);
        yc = MathF.FusedMultiplyAdd(yc, z, CosP2);
        yc *= z;
        yc = MathF.FusedMultiplyAdd(yc, z, -(z * 0.5f));
        yc += 1f;

        float ys = SinP0;
        ys = MathF.FusedMultiplyAdd(ys, z, SinP1);
        ys = MathF.FusedMultiplyAdd(ys, z, SinP2);
        ys *= z;
        ys = MathF.FusedMultiplyAdd(ys, x, x);

        // Select the polynomials with masks, as the vector code does (and-ed lanes are +0).
        float sin2 = firstPolynomial ? ys : 0f;
        float sin1 = firstPolynomial ? 0f : yc;
        ys -= sin2;
        yc -= sin1;
        float s = sin1 + sin2;
        float c = yc + ys;
        sin = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(s) ^ signSin);
        cos = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(c) ^ signCos);
    }
}
