namespace RnnSharp;

/// <summary>Which fan Kaiming initialisation scales by: PyTorch's <c>mode</c> argument (<c>'fan_in'</c> or <c>'fan_out'</c>).</summary>
public enum FanMode
{
    /// <summary><c>'fan_in'</c>, the default: preserves the variance of the activations in the forward pass.</summary>
    FanIn = 0,

    /// <summary><c>'fan_out'</c>: preserves the variance of the gradients in the backward pass.</summary>
    FanOut = 1,
}
