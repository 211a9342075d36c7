using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The LSTM cell's vector loops against their oracles, bit for bit: the fused forward against the separate
/// passes, the vectorised backward against the scalar loop, over hidden sizes 1..70 (every
/// Vector512/Vector256/scalar split), odd batch counts, column chunks, recording or not, and zero c_(t−1).
/// </summary>
public sealed class LstmCellKernelTests
{
    [Theory]
    [MemberData(nameof(CellKernelTestData.HiddenSizes), MemberType = typeof(CellKernelTestData))]
    public void ForwardFused_EveryChunk_MatchesSeparatePassesBitForBit(int hidden)
    {
        foreach ((int batch, bool record, int unitStart, int unitEnd) in CellKernelTestData.ForwardCases(hidden))
        {
            int seed = (hidden * 1000) + (batch * 10) + unitStart + (record ? 1 : 0);
            int hStride = hidden + 3;
            float[] gates = SoftmaxKernelTests.Random(batch * 4 * hidden, seed, 8f);
            float[] cPrevious = SoftmaxKernelTests.Random(batch * hidden, seed + 1, 3f);
            var fused = new CellForwardBuffers(gates, batch, hidden, hStride, record);
            var spans = new CellForwardBuffers(gates, batch, hidden, hStride, record);

            LstmCellKernel.ForwardFused(fused.Lstm(cPrevious), unitStart, unitEnd);
            LstmCellKernel.ForwardSpans(spans.Lstm(cPrevious), unitStart, unitEnd);

            string because = $"H={hidden} N={batch} units [{unitStart}, {unitEnd}) record={record}";
            TensorAssert.BitEqual(new Tensor(fused.C, [fused.C.Length]), new Tensor(spans.C, [spans.C.Length]), "c_t " + because);
            TensorAssert.BitEqual(new Tensor(fused.H, [fused.H.Length]), new Tensor(spans.H, [spans.H.Length]), "h_t " + because);
            if (record)
            {
                TensorAssert.BitEqual(new Tensor(fused.Saved, [fused.Saved.Length]), new Tensor(spans.Saved, [spans.Saved.Length]), "gates " + because);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CellKernelTestData.HiddenSizes), MemberType = typeof(CellKernelTestData))]
    public void Backward_VectorLoops_MatchScalarLoopBitForBit(int hidden)
    {
        foreach ((int batch, bool zeroCell) in CellKernelTestData.BackwardCases)
        {
            int seed = (hidden * 100) + (batch * 2) + (zeroCell ? 1 : 0);
            int count = batch * hidden;
            float[] saved = CellKernelTestData.ActivatedGates(batch, hidden, [true, true, false, true], seed);
            float[] gradH = SoftmaxKernelTests.Random(count, seed + 1, 1f);
            float[] gradC = SoftmaxKernelTests.Random(count, seed + 2, 1f);
            float[] cPrevious = zeroCell ? [] : SoftmaxKernelTests.Random(count, seed + 3, 3f);
            float[] c = SoftmaxKernelTests.Random(count, seed + 4, 10f);
            float[] gradCFast = (float[])gradC.Clone(), gradCSlow = (float[])gradC.Clone();
            float[] gradGatesFast = new float[4 * count], gradGatesSlow = new float[4 * count];

            LstmCellKernel.Instance.Backward(Step(gradCFast, gradGatesFast));
            LstmCellKernel.BackwardScalar(Step(gradCSlow, gradGatesSlow));

            string because = $"H={hidden} N={batch} zero c0={zeroCell}";
            TensorAssert.BitEqual(new Tensor(gradGatesFast, [batch, 4 * hidden]), new Tensor(gradGatesSlow, [batch, 4 * hidden]), "gate gradients " + because);
            TensorAssert.BitEqual(new Tensor(gradCFast, [batch, hidden]), new Tensor(gradCSlow, [batch, hidden]), "dc_(t−1) " + because);

            CellBackward Step(float[] dc, float[] da) => new()
            {
                GradH = gradH,
                GradC = dc,
                CPrevious = cPrevious,
                C = c,
                Saved = saved,
                GradInputGates = da,
                Batch = batch,
                Hidden = hidden,
            };
        }
    }
}
