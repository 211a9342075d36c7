namespace RnnSharp;

/// <summary>
/// A tensor that is a learnable parameter of a <see cref="Module"/>: the counterpart of <c>torch.nn.Parameter</c>.
/// </summary>
/// <remarks>
/// A parameter owns its <see cref="Data"/> tensor for the lifetime of the module; loading a state dict copies
/// new values into it rather than replacing it, so references to <see cref="Data"/> stay valid. It prints as
/// PyTorch prints a parameter (<c>Parameter containing:</c> and the tensor with <c>requires_grad=True</c>).
/// </remarks>
public sealed class Parameter
{
    /// <summary>Creates a parameter over <paramref name="data"/> (no copy). Equivalent to <c>torch.nn.Parameter(data, requires_grad)</c>.</summary>
    /// <param name="data">The parameter's values.</param>
    /// <param name="requiresGrad">Whether gradients are to be computed for it (recorded for the autograd to come).</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public Parameter(Tensor data, bool requiresGrad = true)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
        RequiresGrad = requiresGrad;
    }

    /// <summary>The parameter's values. Equivalent to <c>parameter.data</c>.</summary>
    public Tensor Data { get; }

    /// <summary>Whether gradients are to be computed for this parameter. Equivalent to <c>parameter.requires_grad</c>.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The length of each dimension of <see cref="Data"/>.</summary>
    public ReadOnlySpan<int> Shape => Data.Shape;

    /// <summary>Returns the shape of <see cref="Data"/>. Equivalent to <c>parameter.size()</c>.</summary>
    /// <returns>The shape, which prints like <c>torch.Size([2, 4])</c>.</returns>
    public Size Size() => Data.Size();

    /// <summary>The parameter's values as a tensor.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns><see cref="Data"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="parameter"/> is <see langword="null"/>.</exception>
    public static implicit operator Tensor(Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.Data;
    }

    /// <summary>Returns the parameter's values as a tensor (the named alternative to the implicit conversion).</summary>
    /// <returns><see cref="Data"/>.</returns>
    public Tensor ToTensor() => Data;

    /// <summary>Returns what PyTorch's <c>repr(parameter)</c> prints: <c>Parameter containing:</c>, a newline, and the tensor.</summary>
    /// <returns>The text PyTorch prints for this parameter.</returns>
    public override string ToString() =>
        "Parameter containing:\n" + TensorFormatter.Format(Data, RequiresGrad ? "requires_grad=True" : null);
}
