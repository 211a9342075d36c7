namespace RnnSharp;

/// <summary>
/// How a loss reduces its per-element values: PyTorch's <c>reduction</c> argument. The numbering is ATen's
/// (<c>at::Reduction::Reduction</c>).
/// </summary>
public enum Reduction
{
    /// <summary>Equivalent to PyTorch's <c>reduction='none'</c>: one loss per element (per target), not reduced.</summary>
    None = 0,

    /// <summary>
    /// Equivalent to PyTorch's <c>reduction='mean'</c>, the default: the (weighted) mean of the per-element losses.
    /// </summary>
    Mean = 1,

    /// <summary>Equivalent to PyTorch's <c>reduction='sum'</c>: the sum of the per-element losses.</summary>
    Sum = 2,
}
