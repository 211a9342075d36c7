using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The GRU cell's vector loops against their oracles, bit for bit: the fused forward against the separate
/// passes, the vectorised backward against the scalar loop, over hidden sizes 1..70, odd batch
/// counts, column chunks, strided h_(t−1), recording or not, and zero h_(t−1).
/// </summary>
public sealed class GruCellKernelTests
{
    [Theory]
    [MemberData(nameof(CellKernelTestData.HiddenSizes), MemberType = typeof(CellKernelTestData))]
    public void ForwardFused_EveryChunk_MatchesSeparatePassesBitForBit(int hidden)
    {
        foreach ((int batch, bool record, int unitStart, int unitEnd) in CellKernelTestData.ForwardCases(hidden))
        {
            int seed = (hidden * 1000) + (batch * 10) + unitStart + (record ? 1 : 0);
            int hStride = hidden + 3, hPreviousStride = (2 * hidden) + 1;
            float[] gates = SoftmaxKernelTests.Random(batch * 3 * hidden, seed, 8f);
            float[] inputGates = SoftmaxKernelTests.Random(batch * 3 * hidden, seed + 1, 8f);
            float[] hPrevious = SoftmaxKernelTests.Random(batch * hPreviousStride, seed + 2, 1f);
            var fused = new CellForwardBuffers(gates, batch, hidden, hStride, record);
            var spans = new CellForwardBuffers(gates, batch, hidden, hStride, record);

            GruCellKernel.ForwardFused(fused.Gru((float[])inputGates.Clone(), hPrevious, hPreviousStride), unitStart, unitEnd);
            GruCellKernel.ForwardSpans(spans.Gru((float[])inputGates.Clone(), hPrevious, hPreviousStride), unitStart, unitEnd);

            string because = $"H={hidden} N={batch} units [{unitStart}, {unitEnd}) record={record}";
            TensorAssert.BitEqual(new Tensor(fused.H, [fused.H.Length]), new Tensor(spans.H, [spans.H.Length]), "h_t " + because);
            if (record)
            {
                TensorAssert.BitEqual(new Tensor(fused.Saved, [fused.Saved.Length]), new Tensor(spans.Saved, [spans.Saved.Length]), "r, z, n, h_n " + because);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CellKernelTestData.HiddenSizes), MemberType = typeof(CellKernelTestData))]
    public void Backward_VectorLoops_MatchScalarLoopBitForBit(int hidden)
    {
        foreach ((int batch, bool zeroState) in CellKernelTestData.BackwardCases)
        {
            int seed = (hidden * 100) + (batch * 2) + (zeroState ? 1 : 0);
            int count = batch * hidden, hPreviousStride = hidden + 5;
            float[] saved = CellKernelTestData.ActivatedGates(batch, hidden, [true, true, false, false], seed);
            float[] gradH = SoftmaxKernelTests.Random(count, seed + 1, 1f);
            float[] hPrevious = zeroState ? [] : SoftmaxKernelTests.Random(batch * hPreviousStride, seed + 2, 1f);
            var fast = (Input: new float[3 * count], Hidden: new float[3 * count], Direct: new float[count]);
            var slow = (Input: new float[3 * count], Hidden: new float[3 * count], Direct: new float[count]);

            GruCellKernel.Instance.Backward(Step(fast.Input, fast.Hidden, fast.Direct));
            GruCellKernel.BackwardScalar(Step(slow.Input, slow.Hidden, slow.Direct));

            string because = $"H={hidden} N={batch} zero h0={zeroState}";
            TensorAssert.BitEqual(new Tensor(fast.Input, [batch, 3 * hidden]), new Tensor(slow.Input, [batch, 3 * hidden]), "input gate gradients " + because);
            TensorAssert.BitEqual(new Tensor(fast.Hidden, [batch, 3 * hidden]), new Tensor(slow.Hidden, [batch, 3 * hidden]), "hidden gate gradients " + because);
            TensorAssert.BitEqual(new Tensor(fast.Direct, [batch, hidden]), new Tensor(slow.Direct, [batch, hidden]), "dh ⊙ z " + because);

            CellBackward Step(float[] dx, float[] dhg, float[] direct) => new()
            {
                GradH = gradH,
                HPrevious = hPrevious,
                HPreviousStride = hPreviousStride,
                Saved = saved,
                GradInputGates = dx,
                GradHiddenGates = dhg,
                GradHPreviousDirect = direct,
                Batch = batch,
                Hidden = hidden,
            };
        }
    }
}
