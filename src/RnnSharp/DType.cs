namespace RnnSharp;

/// <summary>
/// The element type of a <see cref="Tensor"/>. Equivalent to <c>torch.dtype</c>, restricted to the two types
/// recurrent models need: float32 values and int64 class indices.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "PyTorch's dtype names: torch.float32 and torch.int64.")]
public enum DType
{
    /// <summary>32-bit floating point, <c>torch.float32</c> (<c>torch.float</c>): every value, parameter and gradient.</summary>
    Float32,

    /// <summary>64-bit signed integer, <c>torch.int64</c> (<c>torch.long</c>): class indices, lengths, sort indices.</summary>
    Int64,
}
