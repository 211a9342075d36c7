using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The packed backward of one recurrent layer direction against its naive oracle (ReferenceRecurrentLayer.Backward),
/// and the packing of row-major matrices for products with their transposes.
/// </summary>
public sealed class RecurrentLayerBackwardTests
{
    [Theory]
    [InlineData(1, 1, 1, 1, false, false)]
    [InlineData(5, 3, 4, 7, true, false)]
    [InlineData(6, 2, 31, 32, false, true)]
    [InlineData(3, 7, 33, 65, true, true)]
    [InlineData(9, 1, 8, 17, false, true)]
    public void Backward_Packed_MatchesReference(int seqLen, int batch, int inputSize, int hidden, bool reverse, bool bidirectionalWidth)
    {
        int width = bidirectionalWidth ? 2 * hidden : hidden;
        int offset = bidirectionalWidth ? hidden : 0;
        int rows = seqLen * batch;
        var random = new Random(seqLen + (100 * hidden));
        float[] Rand(int n, double bound = 1) => Enumerable.Range(0, n).Select(_ => (float)(((random.NextDouble() * 2) - 1) * bound)).ToArray();
        float[] input = Rand(rows * inputSize), states = Rand(rows * width), h0 = Rand(batch * hidden);
        double stdv = 1 / Math.Sqrt(hidden); // PyTorch's initial range, so gradients neither explode nor vanish over the steps
        float[] weightIh = Rand(hidden * inputSize, stdv), weightHh = Rand(hidden * hidden, stdv);
        float[] gradOutput = Rand(rows * width), gradHN = Rand(batch * hidden);

        foreach (Nonlinearity nonlinearity in new[] { Nonlinearity.Tanh, Nonlinearity.Relu })
        {
            // Two directions' share: the second call adds into the first's input gradient.
            float[] initialInputGrad = Rand(rows * inputSize);
            var results = new List<float[][]>();
            foreach (bool packed in new[] { false, true })
            {
                float[] dx = (float[])initialInputGrad.Clone();
                float[] dWih = new float[hidden * inputSize], dWhh = new float[hidden * hidden], db = new float[hidden], dh0 = new float[batch * hidden];
                var saved = new RecurrentLayerSaved
                {
                    Input = input, Hidden = states, H0 = h0, WeightIh = weightIh, WeightHh = weightHh, GradOutput = gradOutput, GradHN = gradHN,
                    SeqLen = seqLen, Batch = batch, InputSize = inputSize, HiddenSize = hidden, Width = width, ColumnOffset = offset,
                    Reverse = reverse, Nonlinearity = nonlinearity,
                };
                var gradients = new RecurrentLayerGradients { Input = dx, AccumulateInput = true, WeightIh = dWih, WeightHh = dWhh, Bias = db, H0 = dh0 };
                float[] workspace = Enumerable.Repeat(float.NaN, Math.Max(
                    PackedRecurrentLayer.BackwardWorkspaceLength(seqLen, batch, inputSize, hidden),
                    ReferenceRecurrentLayer.BackwardWorkspaceLength(seqLen, batch, hidden))).ToArray();
                if (packed)
                {
                    PackedRecurrentLayer.Backward(saved, gradients, workspace);
                }
                else
                {
                    ReferenceRecurrentLayer.Backward(saved, gradients, workspace);
                }

                results.Add([dx, dWih, dWhh, db, dh0]);
            }

            string[] names = ["input", "weight_ih", "weight_hh", "bias", "h0"];
            for (int i = 0; i < names.Length; i++)
            {
                // Different summation orders (fused multiply-adds over k versus a plain loop): float32 rounding of sums,
                // which scales with the magnitude of the terms, so the bound is RnnBackwardTests' 1e-5 · max(1, max|g|).
                float[] expected = results[0][i];
                double scale = Math.Max(1, expected.Max(Math.Abs));
                TensorAssert.AllClose(new Tensor(results[1][i], expected.Length), new Tensor(expected, expected.Length),
                    rtol: 1e-5, atol: 1e-5 * scale, because: $"{nonlinearity} {names[i]}");
            }
        }
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(5, 31, 2)]
    [InlineData(7, 33, 0)]
    [InlineData(3, 70, 4)]
    public void PackTransposedRows_EqualsPackingTheTranspose(int rows, int n, int kOffset)
    {
        int k = rows + kOffset + 1;
        int ld = n + 3;
        var random = new Random(n);
        float[] source = Enumerable.Range(0, rows * ld).Select(_ => (float)random.NextDouble()).ToArray();
        var transposed = new float[n * k];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                transposed[(j * k) + kOffset + r] = source[(r * ld) + j];
            }
        }

        var expected = new float[PackedGemm.PackedLength(n, k)];
        PackedGemm.Pack(transposed, n, k, expected);
        float[] actual = Enumerable.Repeat(float.NaN, expected.Length).ToArray();
        PackedGemm.ClearRows(kOffset, n, k, 0, actual);
        PackedGemm.ClearRows(k - rows - kOffset, n, k, kOffset + rows, actual);

        PackedGemm.PackTransposedRows(source, ld, rows, n, k, kOffset, actual);

        actual.Should().Equal(expected);
    }

    [Fact]
    public void Multiply_AddendIsTheDestination_Accumulates()
    {
        const int M = 7, N = 40, K = 9;
        var random = new Random(1);
        float[] a = Enumerable.Range(0, M * K).Select(_ => (float)random.NextDouble()).ToArray();
        float[] w = Enumerable.Range(0, N * K).Select(_ => (float)random.NextDouble()).ToArray();
        float[] c = Enumerable.Range(0, M * N).Select(_ => (float)random.NextDouble()).ToArray();
        var packed = new float[PackedGemm.PackedLength(N, K)];
        PackedGemm.Pack(w, N, K, packed);
        var expected = new float[M * N];
        PackedGemm.Multiply(a, K, packed, default, c, N, expected, N, M, N, K);

        PackedGemm.Multiply(a, K, packed, default, c, N, c, N, M, N, K);

        c.Should().Equal(expected);
    }
}
