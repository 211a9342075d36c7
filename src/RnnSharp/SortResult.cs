namespace RnnSharp;

/// <summary>
/// The elements sorted along a dimension and where each came from: what <see cref="Tensor.Sort"/> returns, like
/// PyTorch's <c>torch.return_types.sort(values, indices)</c>. Deconstructs:
/// <c>var (lengths, sortedIdx) = Torch.Sort(lengths, descending: true);</c>
/// </summary>
/// <param name="Values">The sorted elements, of the input's dtype and shape (<c>SortBackward0</c>/<c>SortBackward1</c> when the input requires grad).</param>
/// <param name="Indices">The int64 position each value had along the dimension.</param>
public readonly record struct SortResult(Tensor Values, Tensor Indices);
