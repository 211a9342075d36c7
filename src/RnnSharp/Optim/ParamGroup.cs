namespace RnnSharp.Optim;

/// <summary>
/// A set of parameters optimized with the same options: one entry of PyTorch's <c>optimizer.param_groups</c>
/// (<c>{'params': [...], 'lr': 0.01}</c>). Options left <see langword="null"/> take the optimizer's defaults when the
/// optimizer is built; after that every option the optimizer uses is set, and may be changed between steps
/// (<c>group.Lr = 0.01</c>, as a learning-rate schedule does with <c>group['lr']</c>).
/// </summary>
/// <remarks>
/// One type serves every optimizer: options an optimizer does not use stay <see langword="null"/> (Adam has no
/// <see cref="Momentum"/>). As in PyTorch, only the optimizer's constructor arguments are validated, not the
/// options of individual groups.
/// </remarks>
public sealed class ParamGroup
{
    /// <summary>Creates a group of the given parameters. Equivalent to <c>{'params': parameters}</c>.</summary>
    /// <param name="parameters">The tensors to optimize: float32 leaves (usually <see cref="Parameter"/>s), in order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> or one of its tensors is <see langword="null"/>.</exception>
    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = parameters.ToList();
        if (Params.Any(p => p is null))
        {
            throw new ArgumentNullException(nameof(parameters), "A parameter is null.");
        }
    }

    /// <summary>The group's parameters, in order. Equivalent to <c>group['params']</c>.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>Learning rate (<c>lr</c>).</summary>
    public double? Lr { get; set; }

    /// <summary>SGD's momentum factor (<c>momentum</c>).</summary>
    public double? Momentum { get; set; }

    /// <summary>SGD's dampening for momentum (<c>dampening</c>).</summary>
    public double? Dampening { get; set; }

    /// <summary>Weight decay (<c>weight_decay</c>): an L2 penalty for SGD and Adam, decoupled decay for AdamW.</summary>
    public double? WeightDecay { get; set; }

    /// <summary>SGD's Nesterov momentum (<c>nesterov</c>).</summary>
    public bool? Nesterov { get; set; }

    /// <summary>Adam's and AdamW's moment decays (<c>betas</c>).</summary>
    public (double Beta1, double Beta2)? Betas { get; set; }

    /// <summary>Adam's and AdamW's term added to the denominator (<c>eps</c>).</summary>
    public double? Eps { get; set; }

    /// <summary>Adam's and AdamW's AMSGrad variant (<c>amsgrad</c>).</summary>
    public bool? Amsgrad { get; set; }

    /// <summary>Maximize the objective instead of minimizing it (<c>maximize</c>).</summary>
    public bool? Maximize { get; set; }

    /// <summary>The groups of an optimizer built over plain parameters: one group, or none when there are no parameters.</summary>
    internal static IEnumerable<ParamGroup> Single(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var group = new ParamGroup(parameters);
        return group.Params.Count == 0 ? [] : [group];
    }
}
