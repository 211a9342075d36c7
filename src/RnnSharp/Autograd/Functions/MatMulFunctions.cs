using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward of <see cref="Tensor.MatMul"/> for every rank (named as PyTorch names the node it records):
/// <c>dA = G·Bᵀ</c> and <c>dB = Aᵀ·G</c> per batch, added up over the batches an operand was broadcast to.
/// </summary>
internal sealed class MatMulBackward : Node
{
    private readonly string _name;
    private readonly int _m;
    private readonly int _k;
    private readonly int _n;
    private readonly int[] _aIndex;
    private readonly int[] _bIndex;
    private SavedTensor _a;
    private SavedTensor _b;

    public MatMulBackward(string name, Tensor a, Tensor b, int m, int k, int n, int[] aIndex, int[] bIndex)
    {
        _name = name;
        (_m, _k, _n) = (m, k, n);
        (_aIndex, _bIndex) = (aIndex, bIndex);
        SetInputs(a, b);
        _a = new SavedTensor(a);
        _b = new SavedTensor(b);
    }

    public override string Name => _name;

    internal override bool HasSavedTensors => true;

    /// <summary>For each batch of the result, the batch of A and of B it reads (row-major, broadcasting).</summary>
    public static (int[] A, int[] B) BatchIndices(int[] batch, int[] batchA, int[] batchB)
    {
        int count = ShapeMath.CheckedNumel(batch, nameof(batch));
        int[] a = new int[count];
        int[] b = new int[count];
        int[] index = new int[batch.Length];
        for (int t = 0; t < count; t++)
        {
            a[t] = Linear(index, batch, batchA);
            b[t] = Linear(index, batch, batchB);
            for (int d = batch.Length - 1; d >= 0; d--)
            {
                if (++index[d] < batch[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }

        return (a, b);

        static int Linear(int[] index, int[] batch, int[] shape)
        {
            int lead = batch.Length - shape.Length;
            int flat = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                flat = (flat * shape[d]) + (shape[d] == 1 ? 0 : index[d + lead]);
            }

            return flat;
        }
    }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        ReadOnlySpan<float> g = gradOutputs[0]!.AsReadOnlySpan();
        Tensor a = _a.Unpack();
        Tensor b = _b.Unpack();
        (int m, int k, int n) = (_m, _k, _n);
        Tensor? ga = null;
        Tensor? gb = null;
        if (NeedsInputGrad(0))
        {
            ga = Tensor.Zeros(a.Shape.ToArray());
            Span<float> dst = ga.AsSpan();
            ReadOnlySpan<float> bs = b.AsReadOnlySpan();
            for (int t = 0; t < _aIndex.Length; t++)
            {
                MatMulKernel.MultiplyTransposedB(
                    g.Slice(t * m * n, m * n), bs.Slice(_bIndex[t] * k * n, k * n), m, n, k, accumulate: true, dst.Slice(_aIndex[t] * m * k, m * k));
            }
        }

        if (NeedsInputGrad(1))
        {
            gb = Tensor.Zeros(b.Shape.ToArray());
            Span<float> dst = gb.AsSpan();
            ReadOnlySpan<float> avals = a.AsReadOnlySpan();
            for (int t = 0; t < _bIndex.Length; t++)
            {
                MatMulKernel.MultiplyTransposedA(
                    avals.Slice(_aIndex[t] * m * k, m * k), g.Slice(t * m * n, m * n), k, m, n, accumulate: true, dst.Slice(_bIndex[t] * k * n, k * n));
            }
        }

        return [ga, gb];
    }

    private protected override void ReleaseSaved()
    {
        _a = default;
        _b = default;
    }
}
