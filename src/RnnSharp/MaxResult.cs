namespace RnnSharp;

/// <summary>
/// The maxima along a dimension and where they are: what <see cref="Tensor.Max(int, bool)"/> returns, like PyTorch's
/// <c>torch.return_types.max(values, indices)</c>. Deconstructs: <c>var (values, indices) = x.Max(1);</c>
/// </summary>
/// <param name="Values">The maxima (<c>MaxBackward0</c> when the input requires grad).</param>
/// <param name="Indices">The int64 position of each maximum along the dimension.</param>
public readonly record struct MaxResult(Tensor Values, Tensor Indices);

/// <summary>
/// The k largest (or smallest) elements along a dimension and where they are: what <see cref="Tensor.TopK"/> returns,
/// like PyTorch's <c>torch.return_types.topk(values, indices)</c>.
/// </summary>
/// <param name="Values">The selected elements, sorted (<c>TopkBackward0</c> when the input requires grad).</param>
/// <param name="Indices">The int64 position of each along the dimension.</param>
public readonly record struct TopKResult(Tensor Values, Tensor Indices);
