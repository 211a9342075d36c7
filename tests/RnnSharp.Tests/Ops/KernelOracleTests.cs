using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>Each fast kernel of the tensor operations against its naive oracle, over sizes around the SIMD widths.</summary>
public sealed class KernelOracleTests
{
    private const double Unit = 1.0 / (1 << 24); // float32 unit roundoff

    public static TheoryData<int, int, int> MatrixSizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int m in new[] { 1, 3, 17 })
        {
            foreach (int k in new[] { 1, 7, 16, 33 })
            {
                foreach (int n in new[] { 1, 5, 8, 31 })
                {
                    data.Add(m, k, n);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MatrixSizes))]
    public void MatMulKernels_MatchNaiveWithinRoundingBound(int m, int k, int n)
    {
        float[] a = Random(m * k, 1);
        float[] b = Random(k * n, 2);
        float[] expected = new float[m * n];
        MatMulKernel.MultiplyNaive(a, b, m, k, n, expected);

        // Any summation order of k products is within γ_k·Σ|a||b| of the exact value (γ_k ≈ k·u); the naive oracle
        // accumulates in double, so it is within one rounding of exact.
        float[] bound = Bound(a, b, m, k, n);
        float[] c = new float[m * n];
        MatMulKernel.Multiply(a, b, m, k, n, accumulate: false, c);
        Within(c, expected, bound);

        float[] bT = Transpose(b, k, n);
        MatMulKernel.MultiplyTransposedB(a, bT, m, k, n, accumulate: false, c);
        Within(c, expected, bound);

        float[] aT = Transpose(a, m, k);
        MatMulKernel.MultiplyTransposedA(aT, b, m, k, n, accumulate: false, c);
        Within(c, expected, bound);

        // accumulate: C += A·B onto C = A·B doubles it (exactly, up to the same bound twice).
        MatMulKernel.Multiply(a, b, m, k, n, accumulate: true, c);
        Within(c, expected.Select(v => 2 * v).ToArray(), bound.Select(v => 4 * v).ToArray());
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 300, 1)]
    [InlineData(2, 5, 7)]
    [InlineData(1, 300, 17)]
    [InlineData(4, 0, 3)]
    public void SumDim_MatchesNaiveWithinRoundingBound(int outer, int size, int inner)
    {
        float[] x = Random(outer * size * inner, 3);
        float[] expected = new float[outer * inner];
        float[] actual = new float[outer * inner];
        ReduceKernel.SumDimNaive(x, outer, size, inner, expected);
        ReduceKernel.SumDim(x, outer, size, inner, actual);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double abs = 0;
                for (int s = 0; s < size; s++)
                {
                    abs += Math.Abs(x[(((o * size) + s) * inner) + i]);
                }

                Math.Abs((double)actual[(o * inner) + i] - expected[(o * inner) + i]).Should().BeLessThanOrEqualTo((size + 1) * Unit * abs);
            }
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(40, false)]
    [InlineData(7, true)]
    [InlineData(40, true)]
    public void Softmax_MatchesNaiveRows_InnerAndOuterLayouts(int size, bool log)
    {
        const int Rows = 3;
        float[] x = Random(Rows * size, 4).Select(v => v * 20).ToArray();
        float[] expected = new float[x.Length];
        for (int r = 0; r < Rows; r++)
        {
            SoftmaxOps.ForwardNaive(x.AsSpan(r * size, size), log, expected.AsSpan(r * size, size));
        }

        // Last dimension (inner = 1) and first dimension (the transposed layout: outer = 1, inner = Rows).
        float[] rows = new float[x.Length];
        SoftmaxOps.Forward(x, Rows, size, 1, log, rows);
        float[] columns = new float[x.Length];
        SoftmaxOps.Forward(Transpose(x, Rows, size), 1, size, Rows, log, columns);

        // A few float roundings of results of magnitude ≤ 1 (softmax) or ≤ ~60 (log-softmax of 20·N(0,1) inputs).
        double atol = log ? 64 * 8 * Unit : 8 * Unit;
        TensorAssert.AllClose(new Tensor(rows, Rows, size), new Tensor(expected, Rows, size), rtol: 8 * Unit, atol: atol);
        TensorAssert.AllClose(new Tensor(Transpose(columns, size, Rows), Rows, size), new Tensor(expected, Rows, size), rtol: 8 * Unit, atol: atol);
    }

    [Fact]
    public void PermuteAndBroadcast_MatchIndexArithmetic()
    {
        float[] x = Enumerable.Range(0, 2 * 3 * 4).Select(i => (float)i).ToArray();
        float[] permuted = new float[x.Length];
        PermuteKernel.Copy(x, [2, 3, 4], [2, 0, 1], permuted);
        for (int a = 0; a < 4; a++)
        {
            for (int b = 0; b < 2; b++)
            {
                for (int c = 0; c < 3; c++)
                {
                    permuted[(((a * 2) + b) * 3) + c].Should().Be(x[(((b * 3) + c) * 4) + a]);
                }
            }
        }

        // (2, 3, 1) + (1, 4): every element is one addition of the two indexed elements.
        float[] p = Random(6, 5);
        float[] q = Random(4, 6);
        float[] sum = new float[24];
        BroadcastKernel.Apply(new AddRowOp(1f), p, [2, 3, 1], q, [1, 4], sum, [2, 3, 4]);
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                sum[(i * 4) + j].Should().Be(p[i] + q[j]);
            }
        }
    }

    [Fact]
    public void TopKSelect_DistinctValues_IsASort()
    {
        float[] x = Random(200, 7);
        foreach (int k in new[] { 1, 3, 4, 50, 200 })
        {
            var queue = x.Select((v, i) => (v, i)).ToArray();
            TopKSelect<float>.Select(queue, k, largest: true);
            queue.Take(k).Select(e => e.v).Should().Equal(x.OrderByDescending(v => v).Take(k));
        }
    }

    private static float[] Random(int n, int seed)
    {
        var g = new Generator().ManualSeed(seed);
        float[] data = new float[n];
        g.FillUniform(data, -1f, 1f);
        return data;
    }

    private static float[] Transpose(float[] a, int rows, int columns)
    {
        float[] t = new float[a.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                t[(c * rows) + r] = a[(r * columns) + c];
            }
        }

        return t;
    }

    private static float[] Bound(float[] a, float[] b, int m, int k, int n)
    {
        float[] bound = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double abs = 0;
                for (int p = 0; p < k; p++)
                {
                    abs += Math.Abs((double)a[(i * k) + p] * b[(p * n) + j]);
                }

                bound[(i * n) + j] = (float)(((k + 1) * Unit * abs) + 1e-30);
            }
        }

        return bound;
    }

    private static void Within(float[] actual, float[] expected, float[] bound)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            Math.Abs((double)actual[i] - expected[i]).Should().BeLessThanOrEqualTo(bound[i], $"element {i}");
        }
    }
}
