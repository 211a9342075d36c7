namespace RnnSharp;

/// <summary>PyTorch's <c>torch/_tensor_str.py</c> for float32 tensors. (Stub: being implemented.)</summary>
internal static class TensorFormatter
{
    /// <summary>Returns <c>str(tensor)</c>, with an optional suffix such as <c>requires_grad=True</c>.</summary>
    public static string Format(Tensor tensor, string? suffix) => "tensor(" + string.Join(", ", tensor.ToArray()) + (suffix is null ? ")" : ", " + suffix + ")");
}
