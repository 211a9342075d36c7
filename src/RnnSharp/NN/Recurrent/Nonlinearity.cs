namespace RnnSharp;

/// <summary>The activation of a simple recurrent cell: PyTorch's <c>nonlinearity</c> argument (<c>'tanh'</c> or <c>'relu'</c>).</summary>
public enum Nonlinearity
{
    /// <summary><c>h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)</c>, PyTorch's default (<c>'tanh'</c>).</summary>
    Tanh = 0,

    /// <summary><c>h' = max(0, x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)</c> (<c>'relu'</c>).</summary>
    Relu = 1,
}
