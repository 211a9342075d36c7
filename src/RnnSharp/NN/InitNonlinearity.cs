namespace RnnSharp;

/// <summary>
/// The nonlinearity an initialiser's gain is computed for: PyTorch's <c>nonlinearity</c> argument of
/// <c>torch.nn.init.calculate_gain</c> and <c>kaiming_uniform_</c>. The convolution names PyTorch also accepts all
/// have <see cref="Linear"/>'s gain of 1.
/// </summary>
public enum InitNonlinearity
{
    /// <summary><c>'linear'</c> (and the <c>'conv*'</c> names, and <c>'sigmoid'</c>'s value): gain 1.</summary>
    Linear = 0,

    /// <summary><c>'sigmoid'</c>: gain 1.</summary>
    Sigmoid = 1,

    /// <summary><c>'tanh'</c>: gain 5/3.</summary>
    Tanh = 2,

    /// <summary><c>'relu'</c>: gain √2.</summary>
    Relu = 3,

    /// <summary><c>'leaky_relu'</c>, Kaiming's default: gain √(2 / (1 + negative_slope²)).</summary>
    LeakyRelu = 4,

    /// <summary><c>'selu'</c>: gain 3/4.</summary>
    Selu = 5,
}
