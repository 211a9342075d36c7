namespace RnnSharp.Optim;

/// <summary>
/// Equivalent to <c>torch.optim.AdamW</c>: AdamW (Loshchilov and Hutter): Adam with decoupled weight decay. Each step runs PyTorch 1.13's <c>_single_tensor_adamw</c> update bit for bit (see the kernel's remarks): the parameter is first scaled by <c>1 − γ·λ</c>, then updated as Adam without weight decay.
/// </summary>
/// <remarks>
/// Per parameter the state holds <c>step</c> (a 0-d float32 tensor, as in PyTorch), <c>exp_avg</c>, <c>exp_avg_sq</c>
/// and, with AMSGrad, <c>max_exp_avg_sq</c>; see <see cref="Optimizer.StateDict"/>.
/// </remarks>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates the optimizer over one group. Equivalent to <c>torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)</c>.</summary>
    /// <param name="parameters">The tensors to optimize, e.g. <see cref="Module.Parameters"/>.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="betas">The decays of the first and second moment estimates; PyTorch's (0.9, 0.999) when <see langword="null"/>.</param>
    /// <param name="eps">Term added to the denominator.</param>
    /// <param name="weightDecay">Weight decay λ.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (the running maximum of the second moment).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="lr"/>, <paramref name="eps"/> or <paramref name="weightDecay"/> is negative, or a beta is outside [0, 1)
    /// (PyTorch: <c>Invalid learning rate: -1.0</c>, <c>Invalid beta parameter at index 0: 1.0</c>).
    /// </exception>
    /// <exception cref="ArgumentException">There are no parameters (<c>optimizer got an empty parameter list</c>) or one is not a leaf.</exception>
    /// <exception cref="InvalidOperationException">A parameter is an int64 tensor.</exception>
    public AdamW(
        IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this(ParamGroup.Single(parameters), lr, betas, eps, weightDecay, amsgrad, maximize)
    {
    }

    /// <summary>
    /// Creates the optimizer over several groups; options a group leaves unset take these values. Equivalent to
    /// <c>torch.optim.AdamW([{'params': ...}, {'params': ..., 'lr': 0.01}], lr, ...)</c>.
    /// </summary>
    /// <param name="paramGroups">The groups.</param>
    /// <param name="lr">Learning rate γ.</param>
    /// <param name="betas">The decays of the first and second moment estimates; PyTorch's (0.9, 0.999) when <see langword="null"/>.</param>
    /// <param name="eps">Term added to the denominator.</param>
    /// <param name="weightDecay">Weight decay λ.</param>
    /// <param name="amsgrad">Use the AMSGrad variant (the running maximum of the second moment).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="paramGroups"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, as for the other constructor.</exception>
    /// <exception cref="ArgumentException">
    /// There are no groups, or a parameter is not a leaf or is in two groups (<c>some parameters appear in more than one parameter group</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">A parameter is an int64 tensor.</exception>
    public AdamW(
        IEnumerable<ParamGroup> paramGroups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(
            AdamFamily.Checked(paramGroups, lr, betas ?? (0.9, 0.999), eps, weightDecay),
            AdamFamily.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize))
    {
    }

    private protected override string TypeName => "AdamW";

    private protected override void StepParameter(ParamGroup group, Tensor parameter, Tensor grad, OrderedDictionary<string, Tensor?> state) =>
        AdamFamily.Step(group, parameter, grad, state, decoupled: true);

    private protected override OrderedDictionary<string, object?> GroupOptions(ParamGroup group) => new(StringComparer.Ordinal)
    {
        ["lr"] = group.Lr,
        ["betas"] = group.Betas,
        ["eps"] = group.Eps,
        ["weight_decay"] = group.WeightDecay,
        ["amsgrad"] = group.Amsgrad,
        ["foreach"] = null,
        ["maximize"] = group.Maximize,
        ["capturable"] = false,
    };

    private protected override void SetGroupOptions(ParamGroup group, IReadOnlyDictionary<string, object?> options) =>
        AdamFamily.SetOptions(group, options);
}
