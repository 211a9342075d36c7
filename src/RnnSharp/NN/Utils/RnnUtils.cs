using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Batching sequences of different lengths: equivalent to <c>torch.nn.utils.rnn</c>. <see cref="PadSequence"/> stacks
/// them with padding, <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/> packs a padded batch into a
/// <see cref="PackedSequence"/> (which <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> run over the real
/// steps only), <see cref="PadPackedSequence"/> undoes it. Float32 and int64 tensors; gradients flow through every
/// function for float32, with PyTorch 1.13's <c>grad_fn</c> names.
/// </summary>
/// <remarks>
/// Padded batches are <c>(T, B, *)</c>, or <c>(B, T, *)</c> with <c>batchFirst</c>, where <c>T</c> is the longest
/// length, <c>B</c> the number of sequences and <c>*</c> any trailing dimensions; a sequence is <c>(L, *)</c>.
/// </remarks>
public static class RnnUtils
{
    /// <summary>
    /// Stacks sequences of different lengths into one padded tensor. Equivalent to
    /// <c>torch.nn.utils.rnn.pad_sequence(sequences, batch_first, padding_value)</c> (<c>grad_fn=&lt;CopySlices&gt;</c>).
    /// </summary>
    /// <param name="sequences">The sequences, <c>(L_i, *)</c> with the same trailing dimensions; the result has the first one's dtype.</param>
    /// <param name="batchFirst">Return <c>(B, T, *)</c> instead of <c>(T, B, *)</c>.</param>
    /// <param name="paddingValue">The value of the padding (truncated toward zero for int64, as PyTorch does).</param>
    /// <returns>A new tensor, <c>(T, B, *)</c> or <c>(B, T, *)</c> with <c>T = max L_i</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sequences"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The list is empty (PyTorch: <c>received an empty list of sequences</c>), or the trailing dimensions differ
    /// (<c>The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1</c>).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">A sequence is 0-d (PyTorch: <c>Dimension specified as 0 but tensor has no dimensions</c>).</exception>
    public static Tensor PadSequence(IReadOnlyList<Tensor> sequences, bool batchFirst = false, float paddingValue = 0)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (sequences.Count == 0)
        {
            ThrowHelper.ThrowEmptySequences(nameof(sequences));
        }

        Tensor first = sequences[0];
        ArgumentNullException.ThrowIfNull(first, nameof(sequences));
        int steps = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            Tensor s = sequences[i];
            ArgumentNullException.ThrowIfNull(s, nameof(sequences));
            if (s.Dim == 0)
            {
                ThrowHelper.ThrowNoDimensions(0, nameof(sequences));
            }

            if (s.Dim != first.Dim)
            {
                ThrowHelper.ThrowSequenceRank(i, s.Dim, first.Dim, nameof(sequences));
            }

            for (int d = 1; d < s.Dim; d++)
            {
                if (s.Shape[d] != first.Shape[d])
                {
                    ThrowHelper.ThrowBroadcastMismatch(first.Shape[d], s.Shape[d], d, nameof(sequences));
                }
            }

            steps = Math.Max(steps, s.Shape[0]);
        }

        int batch = sequences.Count;
        int inner = RowSize(first.Shape, 1);
        int[] shape = [.. batchFirst ? [batch, steps] : (int[])[steps, batch], .. first.Shape[1..]];
        bool int64 = first.DType == DType.Int64;
        Tensor result = int64
            ? Tensor.FromInt64(new long[ShapeMath.CheckedNumel(shape, nameof(sequences))], shape)
            : Tensor.Empty(shape);
        bool record = false;
        if (int64)
        {
            Span<long> dst = result.AsInt64Span();
            dst.Fill((long)paddingValue);
            for (int i = 0; i < batch; i++)
            {
                CopyRows(sequences[i].Long().AsReadOnlyInt64Span(), i, steps, batch, inner, batchFirst, dst);
            }
        }
        else
        {
            Span<float> dst = result.AsSpan();
            dst.Fill(paddingValue);
            for (int i = 0; i < batch; i++)
            {
                CopyRows(sequences[i].Float().AsReadOnlySpan(), i, steps, batch, inner, batchFirst, dst);
                record |= Tensor.MustRecord(sequences[i]);
            }
        }

        return record ? result.SetGradFn(new PadSequenceBackward(sequences, batchFirst)) : result;
    }

    /// <summary>
    /// Packs a padded batch of sequences. Equivalent to
    /// <c>torch.nn.utils.rnn.pack_padded_sequence(input, lengths, batch_first, enforce_sorted)</c>; the result's
    /// <see cref="PackedSequence.Data"/> records <c>PackPaddedSequenceBackward0</c>.
    /// </summary>
    /// <param name="input">The padded batch, <c>(T, B, *)</c> or <c>(B, T, *)</c>, float32 or int64.</param>
    /// <param name="lengths">The int64 length of each sequence, <c>(B)</c>, each in <c>[1, T]</c>.</param>
    /// <param name="batchFirst">The input is <c>(B, T, *)</c>.</param>
    /// <param name="enforceSorted">
    /// Require the lengths in decreasing order (the sorted indices are then <see langword="null"/>); with
    /// <see langword="false"/> the batch is sorted here (PyTorch's <c>torch.sort(lengths, descending=True)</c>) and the
    /// permutation kept in <see cref="PackedSequence.SortedIndices"/>.
    /// </param>
    /// <returns>The packed batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="lengths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="lengths"/> is not 1-D (PyTorch: <c>'lengths' argument should be a 1D CPU int64 tensor, ...</c>),
    /// does not have one entry per sequence (<c>Expected `len(lengths)` to be equal to batch_size, ...</c>), has a
    /// length ≤ 0 (<c>Length of all samples has to be greater than 0, ...</c>), is not sorted with
    /// <paramref name="enforceSorted"/> (<c>`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. ...</c>),
    /// or has a length above <c>T</c> (an error of RnnSharp's: PyTorch 1.13 does not check it and builds an inconsistent result).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="input"/> has fewer than 2 dimensions (PyTorch: <c>Dimension out of range ...</c>).</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, Tensor lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(lengths);
        lengths = lengths.Long();
        Tensor? sortedIndices = null;
        if (!enforceSorted)
        {
            (lengths, sortedIndices) = lengths.Sort(descending: true);
            input = input.IndexSelect(batchFirst ? 0 : 1, sortedIndices);
        }

        long[] batchSizes = BatchSizes(input, lengths, batchFirst);
        (int steps, int batch, int inner) = PaddedLayout(input.Shape, batchFirst);
        int rows = 0;
        foreach (long b in batchSizes)
        {
            rows += (int)b;
        }

        int[] shape = [rows, .. input.Shape[2..]];
        Tensor data;
        if (input.DType == DType.Int64)
        {
            long[] packed = new long[rows * inner];
            PackKernel.Pack(input.AsReadOnlyInt64Span(), steps, batch, inner, batchFirst, batchSizes, packed);
            data = Tensor.FromInt64(packed, shape);
        }
        else
        {
            data = Tensor.Empty(shape);
            PackKernel.Pack(input.AsReadOnlySpan(), steps, batch, inner, batchFirst, batchSizes, data.AsSpan());
            if (Tensor.MustRecord(input))
            {
                data.SetGradFn(new PackPaddedSequenceBackward(input, batchFirst, batchSizes));
            }
        }

        return new PackedSequence(data, Tensor.FromInt64(batchSizes, [batchSizes.Length]), sortedIndices);
    }

    /// <summary>Packs a padded batch given its lengths as an array; see <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.</summary>
    /// <param name="input">The padded batch, <c>(T, B, *)</c> or <c>(B, T, *)</c>.</param>
    /// <param name="lengths">The length of each sequence (PyTorch accepts a list of ints too).</param>
    /// <param name="batchFirst">The input is <c>(B, T, *)</c>.</param>
    /// <param name="enforceSorted">Require the lengths in decreasing order.</param>
    /// <returns>The packed batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="lengths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">See <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="input"/> has fewer than 2 dimensions.</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, long[] lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        return PackPaddedSequence(input, Torch.Tensor(lengths), batchFirst, enforceSorted);
    }

    /// <summary>Packs a padded batch given its lengths as an array; see <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.</summary>
    /// <param name="input">The padded batch, <c>(T, B, *)</c> or <c>(B, T, *)</c>.</param>
    /// <param name="lengths">The length of each sequence.</param>
    /// <param name="batchFirst">The input is <c>(B, T, *)</c>.</param>
    /// <param name="enforceSorted">Require the lengths in decreasing order.</param>
    /// <returns>The packed batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> or <paramref name="lengths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">See <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="input"/> has fewer than 2 dimensions.</exception>
    public static PackedSequence PackPaddedSequence(Tensor input, int[] lengths, bool batchFirst = false, bool enforceSorted = true)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        return PackPaddedSequence(input, Torch.Tensor(lengths), batchFirst, enforceSorted);
    }

    /// <summary>
    /// Pads a packed batch back into one tensor: the inverse of <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.
    /// Equivalent to <c>torch.nn.utils.rnn.pad_packed_sequence(sequence, batch_first, padding_value, total_length)</c>.
    /// The padded output records <c>CopySlices</c> (<c>TransposeBackward0</c> with <paramref name="batchFirst"/>), and
    /// <c>IndexSelectBackward0</c> when the batch had been sorted: it comes back in the caller's original order.
    /// </summary>
    /// <param name="sequence">The packed batch.</param>
    /// <param name="batchFirst">Return <c>(B, T, *)</c> instead of <c>(T, B, *)</c>.</param>
    /// <param name="paddingValue">The value of the padding (truncated toward zero for int64 data).</param>
    /// <param name="totalLength">Pad to this many steps instead of the longest length.</param>
    /// <returns>The padded batch and the int64 lengths, both in the caller's original order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sequence"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="totalLength"/> is below the longest length (PyTorch: <c>Expected total_length to be at least the
    /// length of the longest sequence in input, but got total_length=2 and max sequence length being 3</c>).
    /// </exception>
    public static PadPackedSequenceResult PadPackedSequence(
        PackedSequence sequence, bool batchFirst = false, float paddingValue = 0, int? totalLength = null)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        long[] batchSizes = sequence.BatchSizes.AsReadOnlyInt64Span().ToArray();
        int steps = batchSizes.Length;
        if (totalLength is int total)
        {
            if (total < steps)
            {
                ThrowHelper.ThrowTotalLengthTooShort(total, steps, nameof(totalLength));
            }

            steps = total;
        }

        Tensor data = sequence.Data;
        int batch = batchSizes.Length == 0 ? 0 : (int)batchSizes[0];
        int inner = RowSize(data.Shape, 1);
        int[] shape = [.. batchFirst ? [batch, steps] : (int[])[steps, batch], .. data.Shape[1..]];
        Tensor padded;
        if (data.DType == DType.Int64)
        {
            long[] values = new long[ShapeMath.CheckedNumel(shape, nameof(sequence))];
            PackKernel.Pad(data.AsReadOnlyInt64Span(), batchSizes, steps, batch, inner, batchFirst, (long)paddingValue, values);
            padded = Tensor.FromInt64(values, shape);
        }
        else
        {
            padded = Tensor.Empty(shape);
            PackKernel.Pad(data.AsReadOnlySpan(), batchSizes, steps, batch, inner, batchFirst, paddingValue, padded.AsSpan());
            if (Tensor.MustRecord(data))
            {
                padded.SetGradFn(new PadPackedSequenceBackward(data, batchSizes, batchFirst, steps));
            }
        }

        long[] lengths = new long[batch];
        foreach (long b in batchSizes)
        {
            for (int i = 0; i < b; i++)
            {
                lengths[i]++;
            }
        }

        Tensor lengthsTensor = Tensor.FromInt64(lengths, [batch]);
        if (sequence.UnsortedIndices is { } unsorted)
        {
            return new PadPackedSequenceResult(padded.IndexSelect(batchFirst ? 0 : 1, unsorted), lengthsTensor[unsorted]);
        }

        return new PadPackedSequenceResult(padded, lengthsTensor);
    }

    /// <summary>
    /// Packs a list of sequences: <see cref="PadSequence"/> then <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.
    /// Equivalent to <c>torch.nn.utils.rnn.pack_sequence(sequences, enforce_sorted)</c>.
    /// </summary>
    /// <param name="sequences">The sequences, <c>(L_i, *)</c>.</param>
    /// <param name="enforceSorted">Require them in order of decreasing length; with <see langword="false"/> they are sorted here and the order kept.</param>
    /// <returns>The packed batch.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sequences"/> or one of them is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">See <see cref="PadSequence"/> and <see cref="PackPaddedSequence(Tensor, Tensor, bool, bool)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A sequence is 0-d.</exception>
    public static PackedSequence PackSequence(IReadOnlyList<Tensor> sequences, bool enforceSorted = true)
    {
        Tensor padded = PadSequence(sequences);
        long[] lengths = new long[sequences.Count];
        for (int i = 0; i < lengths.Length; i++)
        {
            lengths[i] = sequences[i].Shape[0];
        }

        return PackPaddedSequence(padded, Tensor.FromInt64(lengths, [lengths.Length]), enforceSorted: enforceSorted);
    }

    /// <summary>
    /// Unpacks a packed batch into its sequences, in the caller's original order. Equivalent to
    /// <c>torch.nn.utils.rnn.unpack_sequence(packed_sequences)</c> (each records <c>IndexBackward0</c>).
    /// </summary>
    /// <param name="packedSequences">The packed batch.</param>
    /// <returns>One tensor <c>(L_i, *)</c> per sequence.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="packedSequences"/> is <see langword="null"/>.</exception>
    public static IReadOnlyList<Tensor> UnpackSequence(PackedSequence packedSequences)
    {
        (Tensor padded, Tensor lengths) = PadPackedSequence(packedSequences, batchFirst: true);
        return UnpadSequence(padded, lengths, batchFirst: true);
    }

    /// <summary>
    /// Splits a padded batch into its sequences. Equivalent to
    /// <c>torch.nn.utils.rnn.unpad_sequence(padded_sequences, lengths, batch_first)</c> (each records
    /// <c>IndexBackward0</c>). Unlike PyTorch 1.13, which transposes <paramref name="padded"/> in place when
    /// <paramref name="batchFirst"/> is <see langword="false"/>, it leaves its argument unchanged.
    /// </summary>
    /// <param name="padded">The padded batch, <c>(T, B, *)</c> or <c>(B, T, *)</c>.</param>
    /// <param name="lengths">The int64 length of each sequence, <c>(B)</c>.</param>
    /// <param name="batchFirst">The batch is <c>(B, T, *)</c>.</param>
    /// <returns>One tensor <c>(L_i, *)</c> per sequence (as many as there are both sequences and lengths).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="padded"/> or <paramref name="lengths"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="padded"/> has fewer than 2 dimensions.</exception>
    public static IReadOnlyList<Tensor> UnpadSequence(Tensor padded, Tensor lengths, bool batchFirst = false)
    {
        ArgumentNullException.ThrowIfNull(padded);
        ArgumentNullException.ThrowIfNull(lengths);
        ReadOnlySpan<long> l = lengths.Long().AsReadOnlyInt64Span();
        (int steps, int batch, _) = PaddedLayout(padded.Shape, batchFirst);
        int count = Math.Min(batch, l.Length);
        var result = new Tensor[count];
        for (int b = 0; b < count; b++)
        {
            // PyTorch: seq[arange(T) < length], a boolean mask over the steps.
            int length = (int)Math.Clamp(l[b], 0, steps);
            result[b] = padded.Select(batchFirst ? 0 : 1, b)[Torch.Arange(length)];
        }

        return result;
    }

    /// <summary>Steps <c>T</c>, batch <c>B</c> and the row size (product of <c>*</c>) of a padded <c>(T, B, *)</c> or <c>(B, T, *)</c> shape.</summary>
    internal static (int Steps, int Batch, int Inner) PaddedLayout(ReadOnlySpan<int> shape, bool batchFirst)
    {
        int dims = shape.Length;
        ShapeMath.NormalizeDim(1, dims, "input");
        return batchFirst ? (shape[1], shape[0], RowSize(shape, 2)) : (shape[0], shape[1], RowSize(shape, 2));
    }

    /// <summary>The product of <paramref name="shape"/>'s dimensions from <paramref name="from"/> on.</summary>
    internal static int RowSize(ReadOnlySpan<int> shape, int from)
    {
        int size = 1;
        for (int d = from; d < shape.Length; d++)
        {
            size *= shape[d];
        }

        return size;
    }

    /// <summary>ATen's <c>_pack_padded_sequence</c> checks, then the number of sequences running at each step.</summary>
    private static long[] BatchSizes(Tensor input, Tensor lengths, bool batchFirst)
    {
        if (lengths.Dim != 1)
        {
            ThrowHelper.ThrowLengthsRank(lengths.Dim, lengths.DType, nameof(lengths));
        }

        (int steps, int batch, _) = PaddedLayout(input.Shape, batchFirst);
        ReadOnlySpan<long> l = lengths.AsReadOnlyInt64Span();
        if (l.Length != batch)
        {
            ThrowHelper.ThrowLengthsCount(l.Length, batch, nameof(lengths));
        }

        if (batch == 0 || l[batch - 1] <= 0)
        {
            ThrowHelper.ThrowLengthNotPositive(nameof(lengths));
        }

        for (int i = 1; i < batch; i++)
        {
            if (l[i] > l[i - 1])
            {
                ThrowHelper.ThrowLengthsNotSorted(nameof(lengths));
            }
        }

        if (l[0] > steps)
        {
            ThrowHelper.ThrowLengthTooLong(l[0], steps, nameof(lengths));
        }

        long[] batchSizes = new long[l[0]];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < l[b]; t++)
            {
                batchSizes[t]++;
            }
        }

        return batchSizes;
    }

    /// <summary>Copies sequence <paramref name="index"/>'s rows into its column of a padded <c>(T, B, *)</c> or <c>(B, T, *)</c> batch.</summary>
    private static void CopyRows<T>(ReadOnlySpan<T> source, int index, int steps, int batch, int inner, bool batchFirst, Span<T> padded)
    {
        if (batchFirst)
        {
            source.CopyTo(padded.Slice(index * steps * inner, source.Length));
            return;
        }

        for (int t = 0; t * inner < source.Length; t++)
        {
            source.Slice(t * inner, inner).CopyTo(padded.Slice(((t * batch) + index) * inner, inner));
        }
    }
}
