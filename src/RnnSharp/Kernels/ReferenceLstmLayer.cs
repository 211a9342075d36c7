namespace RnnSharp.Kernels;

/// <summary>
/// The naive oracle for one direction of one <c>torch.nn.LSTM</c> layer over a whole sequence, forward and
/// backward (BPTT), written for clarity: scalar loops, every step's arithmetic in double, the state carried
/// between steps in float32 as PyTorch's float32 run carries it. Speed does not matter here; the fast kernels
/// are tested against it.
/// <para>
/// PyTorch's gate order and formulas, with G = 4·H rows in the weights (gates i, f, g, o) and P the size of h
/// (P = proj_size when it is positive, else H):
/// </para>
/// <code>
/// z   = W_ih·x_t + b_ih + W_hh·h_(t−1) + b_hh            (4H)
/// i   = σ(z[0, H)),  f = σ(z[H, 2H)),  g = tanh(z[2H, 3H)),  o = σ(z[3H, 4H))
/// c_t = f∘c_(t−1) + i∘g
/// m_t = o∘tanh(c_t);   h_t = W_hr·m_t when proj_size > 0, else m_t
/// </code>
/// </summary>
internal static class ReferenceLstmLayer
{
    /// <summary>
    /// Runs the layer forward. Shapes (seq-first, contiguous): input <c>(L, N, I)</c>; weightIh <c>(4H, I)</c>;
    /// weightHh <c>(4H, P)</c>; biasIh, biasHh <c>(4H)</c> or empty (bias=False); weightHr <c>(P, H)</c> or empty
    /// (proj_size = 0, then P = H); h0 <c>(N, P)</c>; c0 <c>(N, H)</c>; output <c>(L, N, P)</c> (this direction
    /// only, h_t at step t); hN <c>(N, P)</c>; cN <c>(N, H)</c>. Saved for <see cref="Backward"/>: gates
    /// <c>(L, N, 4H)</c> (i, f, g, o after their activations) and cells <c>(L, N, H)</c> (c_t). When
    /// <paramref name="reverse"/> is set the steps run from t = L − 1 down to 0.
    /// </summary>
    public static void Forward(
        ReadOnlySpan<float> input, int seqLen, int batch, int inputSize, int hiddenSize, int projSize,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh,
        ReadOnlySpan<float> weightHr, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, bool reverse,
        Span<float> output, Span<float> hN, Span<float> cN, Span<float> gates, Span<float> cells)
    {
        int h = hiddenSize, p = StateSize(hiddenSize, projSize);
        var z = new double[4 * h];
        var m = new double[h];
        for (int s = 0; s < seqLen; s++)
        {
            int t = reverse ? seqLen - 1 - s : s;
            int previous = reverse ? t + 1 : t - 1;
            bool first = s == 0;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> x = input.Slice(((t * batch) + n) * inputSize, inputSize);
                ReadOnlySpan<float> hPrev = first ? h0.Slice(n * p, p) : output.Slice(((previous * batch) + n) * p, p);
                ReadOnlySpan<float> cPrev = first ? c0.Slice(n * h, h) : cells.Slice(((previous * batch) + n) * h, h);
                for (int j = 0; j < 4 * h; j++)
                {
                    double sum = biasIh.IsEmpty ? 0.0 : (double)biasIh[j] + biasHh[j];
                    for (int k = 0; k < inputSize; k++)
                    {
                        sum += (double)weightIh[(j * inputSize) + k] * x[k];
                    }

                    for (int k = 0; k < p; k++)
                    {
                        sum += (double)weightHh[(j * p) + k] * hPrev[k];
                    }

                    z[j] = sum;
                }

                Span<float> gateRow = gates.Slice(((t * batch) + n) * 4 * h, 4 * h);
                Span<float> cellRow = cells.Slice(((t * batch) + n) * h, h);
                for (int j = 0; j < h; j++)
                {
                    double i = ReferenceGateAlgebra.Sigmoid(z[j]), f = ReferenceGateAlgebra.Sigmoid(z[h + j]);
                    double g = Math.Tanh(z[(2 * h) + j]), o = ReferenceGateAlgebra.Sigmoid(z[(3 * h) + j]);
                    double c = (f * cPrev[j]) + (i * g);
                    gateRow[j] = (float)i;
                    gateRow[h + j] = (float)f;
                    gateRow[(2 * h) + j] = (float)g;
                    gateRow[(3 * h) + j] = (float)o;
                    cellRow[j] = (float)c;
                    m[j] = o * Math.Tanh(c);
                }

                Span<float> hRow = output.Slice(((t * batch) + n) * p, p);
                for (int r = 0; r < p; r++)
                {
                    hRow[r] = (float)(weightHr.IsEmpty ? m[r] : ReferenceGateAlgebra.Dot(weightHr.Slice(r * h, h), m));
                }
            }
        }

        int last = reverse ? 0 : seqLen - 1;
        if (seqLen == 0)
        {
            h0[..(batch * p)].CopyTo(hN);
            c0[..(batch * h)].CopyTo(cN);
            return;
        }

        output.Slice(last * batch * p, batch * p).CopyTo(hN);
        cells.Slice(last * batch * h, batch * h).CopyTo(cN);
    }

    /// <summary>
    /// The backward of <see cref="Forward"/> (back-propagation through time for this layer and direction), with
    /// the same arguments and what Forward saved (output, gates, cells). Upstream gradients: gradOutput
    /// <c>(L, N, P)</c>, gradHN <c>(N, P)</c>, gradCN <c>(N, H)</c>. Writes the gradients of input
    /// <c>(L, N, I)</c>, h0 <c>(N, P)</c>, c0 <c>(N, H)</c>, weightIh <c>(4H, I)</c>, weightHh <c>(4H, P)</c>,
    /// the bias <c>(4H)</c> (the same for b_ih and b_hh; left alone when empty) and weightHr <c>(P, H)</c> (left
    /// alone when empty). The gradients of the parameters are accumulated in double over the whole sequence.
    /// <code>
    /// dm = W_hrᵀ·dh (or dh);   do = dm∘tanh(c_t);   dc += dm∘o∘(1 − tanh²(c_t))
    /// di = dc∘g;  df = dc∘c_(t−1);  dg = dc∘i;  dc_(t−1) = dc∘f
    /// dz = (di∘i(1−i), df∘f(1−f), dg∘(1−g²), do∘o(1−o));  dx_t = W_ihᵀ·dz;  dh_(t−1) = W_hhᵀ·dz + dout_(t−1)
    /// </code>
    /// </summary>
    public static void Backward(
        ReadOnlySpan<float> input, int seqLen, int batch, int inputSize, int hiddenSize, int projSize,
        ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh, ReadOnlySpan<float> weightHr,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, bool reverse,
        ReadOnlySpan<float> output, ReadOnlySpan<float> gates, ReadOnlySpan<float> cells,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> gradHN, ReadOnlySpan<float> gradCN,
        Span<float> gradInput, Span<float> gradH0, Span<float> gradC0,
        Span<float> gradWeightIh, Span<float> gradWeightHh, Span<float> gradBias, Span<float> gradWeightHr)
    {
        int h = hiddenSize, p = StateSize(hiddenSize, projSize), g4 = 4 * h;
        var dWeightIh = new double[g4 * inputSize];
        var dWeightHh = new double[g4 * p];
        var dBias = new double[g4];
        var dWeightHr = new double[p * h];
        var dh = new double[batch * p];
        var dc = new double[batch * h];
        var dm = new double[h];
        var dz = new double[g4];
        var dx = new double[inputSize];
        for (int e = 0; e < dh.Length; e++)
        {
            dh[e] = gradHN[e];
        }

        for (int e = 0; e < dc.Length; e++)
        {
            dc[e] = gradCN[e];
        }

        // Walk the steps in the opposite order of the forward.
        for (int s = seqLen - 1; s >= 0; s--)
        {
            int t = reverse ? seqLen - 1 - s : s;
            int previous = reverse ? t + 1 : t - 1;
            bool first = s == 0;
            for (int n = 0; n < batch; n++)
            {
                int row = (t * batch) + n;
                ReadOnlySpan<float> x = input.Slice(row * inputSize, inputSize);
                ReadOnlySpan<float> hPrev = first ? h0.Slice(n * p, p) : output.Slice(((previous * batch) + n) * p, p);
                ReadOnlySpan<float> cPrev = first ? c0.Slice(n * h, h) : cells.Slice(((previous * batch) + n) * h, h);
                ReadOnlySpan<float> gateRow = gates.Slice(row * g4, g4);
                ReadOnlySpan<float> cellRow = cells.Slice(row * h, h);
                Span<double> dhRow = dh.AsSpan(n * p, p);
                Span<double> dcRow = dc.AsSpan(n * h, h);
                for (int r = 0; r < p; r++)
                {
                    dhRow[r] += gradOutput[(row * p) + r];
                }

                if (weightHr.IsEmpty)
                {
                    dhRow.CopyTo(dm);
                }
                else
                {
                    Array.Clear(dm);
                    for (int r = 0; r < p; r++)
                    {
                        for (int j = 0; j < h; j++)
                        {
                            double o = gateRow[(3 * h) + j];
                            dm[j] += dhRow[r] * weightHr[(r * h) + j];
                            dWeightHr[(r * h) + j] += dhRow[r] * o * Math.Tanh(cellRow[j]);
                        }
                    }
                }

                for (int j = 0; j < h; j++)
                {
                    double i = gateRow[j], f = gateRow[h + j], g = gateRow[(2 * h) + j], o = gateRow[(3 * h) + j];
                    double tc = Math.Tanh(cellRow[j]);
                    double dO = dm[j] * tc;
                    double dC = dcRow[j] + (dm[j] * o * (1 - (tc * tc)));
                    dz[j] = dC * g * i * (1 - i);
                    dz[h + j] = dC * cPrev[j] * f * (1 - f);
                    dz[(2 * h) + j] = dC * i * (1 - (g * g));
                    dz[(3 * h) + j] = dO * o * (1 - o);
                    dcRow[j] = dC * f;
                }

                ReferenceGateAlgebra.AccumulateOuter(dz, x, dWeightIh, dBias);
                ReferenceGateAlgebra.AccumulateOuter(dz, hPrev, dWeightHh, default);
                ReferenceGateAlgebra.MultiplyTransposed(dz, weightIh, dx);
                ReferenceGateAlgebra.Store(dx, gradInput.Slice(row * inputSize, inputSize));
                ReferenceGateAlgebra.MultiplyTransposed(dz, weightHh, dhRow);
            }
        }

        ReferenceGateAlgebra.Store(dh, gradH0);
        ReferenceGateAlgebra.Store(dc, gradC0);
        ReferenceGateAlgebra.Store(dWeightIh, gradWeightIh);
        ReferenceGateAlgebra.Store(dWeightHh, gradWeightHh);
        if (!gradBias.IsEmpty)
        {
            ReferenceGateAlgebra.Store(dBias, gradBias);
        }

        if (!gradWeightHr.IsEmpty)
        {
            ReferenceGateAlgebra.Store(dWeightHr, gradWeightHr);
        }
    }

    /// <summary>The size of h: proj_size when it is positive, else hidden_size.</summary>
    public static int StateSize(int hiddenSize, int projSize) => projSize > 0 ? projSize : hiddenSize;
}
