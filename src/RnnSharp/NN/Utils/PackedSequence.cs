using System.Globalization;

namespace RnnSharp;

/// <summary>
/// A batch of variable-length sequences packed step by step: equivalent to <c>torch.nn.utils.rnn.PackedSequence</c>.
/// Step <c>t</c>'s rows are <c>Data[offset_t .. offset_t + BatchSizes[t]]</c>, one per sequence still running at
/// <c>t</c>, longest sequence first. <see cref="Rnn"/>, <see cref="Lstm"/> and <see cref="Gru"/> accept it and
/// return one.
/// </summary>
public sealed class PackedSequence
{
    /// <summary>
    /// Wraps already-packed parts, as PyTorch's constructor does (it does not check that they agree; the recurrent
    /// layers do).
    /// </summary>
    /// <param name="data">The packed rows, <c>(Σ BatchSizes, *)</c>.</param>
    /// <param name="batchSizes">The int64 number of sequences running at each step, <c>(T)</c>, non-increasing.</param>
    /// <param name="sortedIndices">
    /// The int64 permutation that sorted the caller's batch by decreasing length (<c>None</c> when the batch came sorted).
    /// </param>
    /// <param name="unsortedIndices">Its inverse: the caller's order back from the sorted one.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or <paramref name="batchSizes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="sortedIndices"/> is given without <paramref name="unsortedIndices"/> and is not a 1-D int64
    /// permutation of <c>0 … N−1</c> (PyTorch: <c>index 2 is out of bounds for dimension 0 with size 2</c>; a repeated
    /// position, which PyTorch turns into an uninitialised inverse, is refused too).
    /// </exception>
    public PackedSequence(Tensor data, Tensor batchSizes, Tensor? sortedIndices = null, Tensor? unsortedIndices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batchSizes);
        Data = data;
        BatchSizes = batchSizes;
        SortedIndices = sortedIndices;
        UnsortedIndices = unsortedIndices ?? (sortedIndices is null ? null : InvertPermutation(sortedIndices, nameof(sortedIndices)));
    }

    /// <summary>The packed rows, <c>(Σ BatchSizes, *)</c>.</summary>
    public Tensor Data { get; }

    /// <summary>The int64 number of sequences running at each step, <c>(T)</c>, non-increasing.</summary>
    public Tensor BatchSizes { get; }

    /// <summary>The int64 permutation that sorted the batch by decreasing length, or <see langword="null"/>.</summary>
    public Tensor? SortedIndices { get; }

    /// <summary>The inverse of <see cref="SortedIndices"/>, or <see langword="null"/>.</summary>
    public Tensor? UnsortedIndices { get; }

    /// <summary>
    /// Returns what PyTorch prints for a <c>PackedSequence</c> (its namedtuple repr):
    /// <c>PackedSequence(data=tensor([...]), batch_sizes=tensor([...]), sorted_indices=None, unsorted_indices=None)</c>,
    /// each tensor as <see cref="Tensor.ToString"/> prints it (line breaks and <c>grad_fn=</c> included).
    /// </summary>
    /// <returns>The text PyTorch prints.</returns>
    public override string ToString() =>
        $"PackedSequence(data={Data}, batch_sizes={BatchSizes}, sorted_indices={Repr(SortedIndices)}, unsorted_indices={Repr(UnsortedIndices)})";

    /// <summary>Unpacks the four fields, as Python's tuple unpacking of a <c>PackedSequence</c>.</summary>
    /// <param name="data">The packed rows.</param>
    /// <param name="batchSizes">The number of sequences running at each step.</param>
    /// <param name="sortedIndices">The sorting permutation, or <see langword="null"/>.</param>
    /// <param name="unsortedIndices">Its inverse, or <see langword="null"/>.</param>
    public void Deconstruct(out Tensor data, out Tensor batchSizes, out Tensor? sortedIndices, out Tensor? unsortedIndices)
    {
        data = Data;
        batchSizes = BatchSizes;
        sortedIndices = SortedIndices;
        unsortedIndices = UnsortedIndices;
    }

    /// <summary>Unpacks data and batch sizes, as <c>data, batch_sizes = packed[:2]</c>.</summary>
    /// <param name="data">The packed rows.</param>
    /// <param name="batchSizes">The number of sequences running at each step.</param>
    public void Deconstruct(out Tensor data, out Tensor batchSizes)
    {
        data = Data;
        batchSizes = BatchSizes;
    }

    private static string Repr(Tensor? t) => t?.ToString() ?? "None";

    /// <summary>The inverse of an int64 permutation, as PyTorch's <c>invert_permutation</c>.</summary>
    internal static Tensor InvertPermutation(Tensor permutation, string paramName)
    {
        if (permutation.DType != DType.Int64 || permutation.Dim != 1)
        {
            ThrowHelper.ThrowNotAPermutation($"must be a 1-D int64 tensor, got {permutation.DType} of shape {ShapeMath.Format(permutation.Shape)}", paramName);
        }

        ReadOnlySpan<long> p = permutation.AsReadOnlyInt64Span();
        long[] inverse = new long[p.Length];
        inverse.AsSpan().Fill(-1);
        for (int i = 0; i < p.Length; i++)
        {
            if ((ulong)p[i] >= (ulong)p.Length)
            {
                ThrowHelper.ThrowNotAPermutation(null, paramName, string.Create(CultureInfo.InvariantCulture, $"index {p[i]} is out of bounds for dimension 0 with size {p.Length}"));
            }

            if (inverse[p[i]] >= 0)
            {
                ThrowHelper.ThrowNotAPermutation(string.Create(CultureInfo.InvariantCulture, $"is not a permutation: {p[i]} appears twice"), paramName);
            }

            inverse[p[i]] = i;
        }

        return Torch.Tensor(inverse);
    }
}
