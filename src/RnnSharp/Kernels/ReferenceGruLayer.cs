namespace RnnSharp.Kernels;

/// <summary>
/// The naive oracle for one direction of one <c>torch.nn.GRU</c> layer over a whole sequence, forward and
/// backward (BPTT), written for clarity: scalar loops, every step's arithmetic in double, the state carried
/// between steps in float32 as PyTorch's float32 run carries it. Speed does not matter here; the fast kernels
/// are tested against it.
/// <para>PyTorch's gate order and formulas, with 3·H rows in the weights (gates r, z, n):</para>
/// <code>
/// a = W_ih·x_t + b_ih,   b = W_hh·h_(t−1) + b_hh            (3H each)
/// r = σ(a_r + b_r),  z = σ(a_z + b_z),  n = tanh(a_n + r∘b_n)
/// h_t = (1 − z)∘n + z∘h_(t−1)
/// </code>
/// </summary>
internal static class ReferenceGruLayer
{
    /// <summary>
    /// Runs the layer forward. Shapes (seq-first, contiguous): input <c>(L, N, I)</c>; weightIh <c>(3H, I)</c>;
    /// weightHh <c>(3H, H)</c>; biasIh, biasHh <c>(3H)</c> or empty (bias=False); h0 <c>(N, H)</c>; output
    /// <c>(L, N, H)</c> (this direction only, h_t at step t); hN <c>(N, H)</c>. Saved for <see cref="Backward"/>:
    /// gates <c>(L, N, 4H)</c> holding r, z, n and b_n = (W_hh·h_(t−1) + b_hh)[2H, 3H). When
    /// <paramref name="reverse"/> is set the steps run from t = L − 1 down to 0.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> input, int seqLen, int batch, int inputSize, int hiddenSize,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        ReadOnlySpan<float> h0, bool reverse, Span<float> output, Span<float> hN, Span<float> gates)
    {
        int h = hiddenSize;
        var a = new double[3 * h];
        var b = new double[3 * h];
        for (int s = 0; s < seqLen; s++)
        {
            int t = reverse ? seqLen - 1 - s : s;
            int previous = reverse ? t + 1 : t - 1;
            for (int n = 0; n < batch; n++)
            {
                int row = (t * batch) + n;
                ReadOnlySpan<float> x = input.Slice(row * inputSize, inputSize);
                ReadOnlySpan<float> hPrev = s == 0 ? h0.Slice(n * h, h) : output.Slice(((previous * batch) + n) * h, h);
                for (int j = 0; j < 3 * h; j++)
                {
                    double sa = biasIh.IsEmpty ? 0.0 : biasIh[j];
                    for (int k = 0; k < inputSize; k++)
                    {
                        sa += (double)weightIh[(j * inputSize) + k] * x[k];
                    }

                    double sb = biasHh.IsEmpty ? 0.0 : biasHh[j];
                    for (int k = 0; k < h; k++)
                    {
                        sb += (double)weightHh[(j * h) + k] * hPrev[k];
                    }

                    a[j] = sa;
                    b[j] = sb;
                }

                Span<float> gateRow = gates.Slice(row * 4 * h, 4 * h);
                Span<float> hRow = output.Slice(row * h, h);
                for (int j = 0; j < h; j++)
                {
                    double r = ReferenceGateAlgebra.Sigmoid(a[j] + b[j]);
                    double z = ReferenceGateAlgebra.Sigmoid(a[h + j] + b[h + j]);
                    double g = Math.Tanh(a[(2 * h) + j] + (r * b[(2 * h) + j]));
                    gateRow[j] = (float)r;
                    gateRow[h + j] = (float)z;
                    gateRow[(2 * h) + j] = (float)g;
                    gateRow[(3 * h) + j] = (float)b[(2 * h) + j];
                    hRow[j] = (float)(((1 - z) * g) + (z * hPrev[j]));
                }
            }
        }

        if (seqLen == 0)
        {
            h0[..(batch * h)].CopyTo(hN);
            return;
        }

        output.Slice((reverse ? 0 : seqLen - 1) * batch * h, batch * h).CopyTo(hN);
    }

    /// <summary>
    /// The backward of <see cref="Forward"/> (back-propagation through time for this layer and direction), with
    /// the same arguments and what Forward saved (output, gates). Upstream gradients: gradOutput <c>(L, N, H)</c>,
    /// gradHN <c>(N, H)</c>. Writes the gradients of input <c>(L, N, I)</c>, h0 <c>(N, H)</c>, weightIh
    /// <c>(3H, I)</c>, weightHh <c>(3H, H)</c>, biasIh and biasHh <c>(3H)</c> (left alone when empty). The
    /// gradients of the parameters are accumulated in double over the whole sequence.
    /// <code>
    /// dn = dh∘(1 − z);  dz = dh∘(h_(t−1) − n);  dh_(t−1) = dh∘z + W_hhᵀ·db + dout_(t−1)
    /// da = (dr∘r(1−r), dz∘z(1−z), dn∘(1−n²));   db = (da_r, da_z, da_n∘r);   dr = da_n∘b_n;   dx_t = W_ihᵀ·da
    /// </code>
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> input, int seqLen, int batch, int inputSize, int hiddenSize,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> h0, bool reverse,
        ReadOnlySpan<float> output, ReadOnlySpan<float> gates, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradHN,
        Span<float> gradInput, Span<float> gradH0, Span<float> gradWeightIh, Span<float> gradWeightHh,
        Span<float> gradBiasIh, Span<float> gradBiasHh)
    {
        int h = hiddenSize, g3 = 3 * h;
        var dWeightIh = new double[g3 * inputSize];
        var dWeightHh = new double[g3 * h];
        var dBiasIh = new double[g3];
        var dBiasHh = new double[g3];
        var dh = new double[batch * h];
        var da = new double[g3];
        var db = new double[g3];
        var dx = new double[inputSize];
        var dhFromGates = new double[h];
        for (int e = 0; e < dh.Length; e++)
        {
            dh[e] = gradHN[e];
        }

        // Walk the steps in the opposite order of the forward.
        for (int s = seqLen - 1; s >= 0; s--)
        {
            int t = reverse ? seqLen - 1 - s : s;
            int previous = reverse ? t + 1 : t - 1;
            for (int n = 0; n < batch; n++)
            {
                int row = (t * batch) + n;
                ReadOnlySpan<float> x = input.Slice(row * inputSize, inputSize);
                ReadOnlySpan<float> hPrev = s == 0 ? h0.Slice(n * h, h) : output.Slice(((previous * batch) + n) * h, h);
                ReadOnlySpan<float> gateRow = gates.Slice(row * 4 * h, 4 * h);
                Span<double> dhRow = dh.AsSpan(n * h, h);
                for (int j = 0; j < h; j++)
                {
                    double r = gateRow[j], z = gateRow[h + j], g = gateRow[(2 * h) + j], bn = gateRow[(3 * h) + j];
                    double dH = dhRow[j] + gradOutput[(row * h) + j];
                    double dN = dH * (1 - z) * (1 - (g * g));
                    double dR = dN * bn;
                    da[j] = dR * r * (1 - r);
                    da[h + j] = dH * (hPrev[j] - g) * z * (1 - z);
                    da[(2 * h) + j] = dN;
                    db[j] = da[j];
                    db[h + j] = da[h + j];
                    db[(2 * h) + j] = dN * r;
                    dhRow[j] = dH * z;
                }

                ReferenceGateAlgebra.AccumulateOuter(da, x, dWeightIh, dBiasIh);
                ReferenceGateAlgebra.AccumulateOuter(db, hPrev, dWeightHh, dBiasHh);
                ReferenceGateAlgebra.MultiplyTransposed(da, weightIh, dx);
                ReferenceGateAlgebra.Store(dx, gradInput.Slice(row * inputSize, inputSize));
                ReferenceGateAlgebra.MultiplyTransposed(db, weightHh, dhFromGates);
                for (int k = 0; k < h; k++)
                {
                    dhRow[k] += dhFromGates[k];
                }
            }
        }

        ReferenceGateAlgebra.Store(dh, gradH0);
        ReferenceGateAlgebra.Store(dWeightIh, gradWeightIh);
        ReferenceGateAlgebra.Store(dWeightHh, gradWeightHh);
        if (!gradBiasIh.IsEmpty)
        {
            ReferenceGateAlgebra.Store(dBiasIh, gradBiasIh);
            ReferenceGateAlgebra.Store(dBiasHh, gradBiasHh);
        }
    }
}
