using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>The argument checks the recurrent modules share (<see cref="Rnn"/>, <see cref="RnnCell"/>, <see cref="RnnBase"/>, <see cref="RnnCellBase"/>).</summary>
internal static class RecurrentArguments
{
    /// <summary>Positive sizes and a defined nonlinearity, with the parameter names of the public constructors.</summary>
    public static void Check(int inputSize, int hiddenSize, Nonlinearity nonlinearity)
    {
        CheckSizes(inputSize, hiddenSize);
        if (!Enum.IsDefined(nonlinearity))
        {
            ThrowHelper.ThrowUnknownNonlinearity(nonlinearity, nameof(nonlinearity));
        }
    }

    /// <summary><c>input_size</c> and <c>hidden_size</c> must be positive.</summary>
    public static void CheckSizes(int inputSize, int hiddenSize)
    {
        if (inputSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("input_size", inputSize, nameof(inputSize));
        }

        if (hiddenSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("hidden_size", hiddenSize, nameof(hiddenSize));
        }
    }

    /// <summary>
    /// The dtype check PyTorch's first matrix product makes (<c>mat1 and mat2 must have the same dtype</c>): the input
    /// and the states must be float32. PyTorch checks shapes first, so this runs after the shape checks.
    /// </summary>
    public static void CheckFloat32(Tensor input, Tensor? h, Tensor? c, string hName, string cName)
    {
        if (input.DType != DType.Float32)
        {
            ThrowHelper.ThrowMatMulDType(nameof(input));
        }

        if (h is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(hName);
        }

        if (c is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(cName);
        }
    }

    /// <summary>
    /// A packed sequence's batch sizes as a recurrent layer needs them: a non-empty 1-D int64 tensor of positive,
    /// non-increasing sizes summing to the data's rows, with sort permutations (when given) of the first size's length.
    /// PyTorch trusts these (it builds them itself); a hand-made <see cref="PackedSequence"/> gets a clear error instead.
    /// </summary>
    public static void CheckBatchSizesOnly(PackedSequence input, string paramName)
    {
        Tensor batchSizes = input.BatchSizes;
        if (batchSizes.DType != DType.Int64 || batchSizes.Dim != 1 || batchSizes.Size(0) == 0)
        {
            ThrowHelper.ThrowBatchSizes(
                $"must be a non-empty 1-D int64 tensor, got {batchSizes.DType} of shape {ShapeMath.Format(batchSizes.Shape)}", paramName);
        }

        ReadOnlySpan<long> sizes = batchSizes.AsReadOnlyInt64Span();
        long total = 0;
        for (int t = 0; t < sizes.Length; t++)
        {
            if (sizes[t] <= 0 || (t > 0 && sizes[t] > sizes[t - 1]))
            {
                ThrowHelper.ThrowBatchSizes($"must be positive and non-increasing, got {sizes[t]} at step {t}", paramName);
            }

            total += sizes[t];
        }

        if (total != input.Data.Size(0))
        {
            ThrowHelper.ThrowBatchSizes($"sum to {total}, but data has {input.Data.Size(0)} rows", paramName);
        }

        foreach (Tensor? permutation in (ReadOnlySpan<Tensor?>)[input.SortedIndices, input.UnsortedIndices])
        {
            if (permutation is not null && (permutation.DType != DType.Int64 || permutation.Dim != 1 || permutation.Size(0) != sizes[0]))
            {
                ThrowHelper.ThrowBatchSizes(
                    $"say {sizes[0]} sequences, but a sort permutation has shape {ShapeMath.Format(permutation.Shape)} ({permutation.DType})", paramName);
            }

            // PyTorch's index_select of h0 (and h_n) by the permutation refuses it, in these words.
            foreach (long position in permutation is null ? default : permutation.AsReadOnlyInt64Span())
            {
                if ((ulong)position >= (ulong)sizes[0])
                {
                    ThrowHelper.ThrowPermutationIndex(position, sizes[0], paramName);
                }
            }
        }
    }
}
