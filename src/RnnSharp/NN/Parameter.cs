namespace RnnSharp;

/// <summary>
/// A tensor that is a learnable parameter of a <see cref="Module"/>: the counterpart of <c>torch.nn.Parameter</c>,
/// and like it a <see cref="Tensor"/> — a leaf that requires grad by default — so that
/// <see cref="Module.Parameters"/> feeds optimizers directly.
/// </summary>
/// <remarks>
/// A parameter keeps its storage for the lifetime of the module; loading a state dict copies new values into it
/// rather than replacing it, so references stay valid. It prints as PyTorch prints a parameter
/// (<c>Parameter containing:</c> and the tensor with <c>requires_grad=True</c>).
/// </remarks>
public sealed class Parameter : Tensor
{
    /// <summary>Creates a parameter sharing <paramref name="data"/>'s storage (no copy). Equivalent to <c>torch.nn.Parameter(data, requires_grad)</c>.</summary>
    /// <param name="data">The parameter's values: a float32 tensor.</param>
    /// <param name="requiresGrad">Whether gradients are computed for it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="data"/> is an int64 tensor and <paramref name="requiresGrad"/> is <see langword="true"/>.</exception>
    public Parameter(Tensor data, bool requiresGrad = true)
        : base(data ?? throw new ArgumentNullException(nameof(data)))
    {
        RequiresGrad_(requiresGrad);
    }

    /// <summary>Returns what PyTorch's <c>repr(parameter)</c> prints: <c>Parameter containing:</c>, a newline, and the tensor.</summary>
    /// <returns>The text PyTorch prints for this parameter.</returns>
    public override string ToString() => "Parameter containing:\n" + base.ToString();
}
