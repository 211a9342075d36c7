namespace RnnSharp.Optim;

/// <summary>
/// Equivalent to <c>torch.optim.SGD</c>: stochastic gradient descent, optionally with momentum, Nesterov momentum and
/// weight decay. Each step runs PyTorch 1.13's <c>_single_tensor_sgd</c> update bit for bit (see the kernel's remarks):
/// <c>d = g + λ·θ</c>; with momentum <c>b = μ·b + (1 − τ)·d</c> (<c>b = d</c> at the first step) and <c>d = b</c>
/// (Nesterov: <c>d = d + μ·b</c>); then <c>θ = θ − γ·d</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1709", Justification = "PyTorch's class name, torch.optim.SGD.")]
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer over one group. Equivalent to <c>torch.optim.SGD(params, lr, momentum, dampening, weight_decay, nesterov, maximize=maximize)</c>.</summary>
    /// <param name="parameters">The tensors to optimize, e.g. <see cref="Module.Parameters"/>.</param>
    /// <param name="lr">Learning rate γ (PyTorch requires it too).</param>
    /// <param name="momentum">Momentum factor μ.</param>
    /// <param name="dampening">Dampening τ for momentum.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs a momentum and zero dampening).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="lr"/>, <paramref name="momentum"/> or <paramref name="weightDecay"/> is negative (PyTorch: <c>Invalid learning rate: -1.0</c>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// There are no parameters (<c>optimizer got an empty parameter list</c>), one is not a leaf, or Nesterov momentum
    /// is asked for without momentum or with dampening (<c>Nesterov momentum requires a momentum and zero dampening</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException">A parameter is an int64 tensor.</exception>
    public SGD(
        IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : this(ParamGroup.Single(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize)
    {
    }

    /// <summary>
    /// Creates the optimizer over several groups; options a group leaves unset take these values. Equivalent to
    /// <c>torch.optim.SGD([{'params': ...}, {'params': ..., 'lr': 0.01}], lr, ...)</c>.
    /// </summary>
    /// <param name="paramGroups">The groups.</param>
    /// <param name="lr">Learning rate γ (PyTorch requires it too).</param>
    /// <param name="momentum">Momentum factor μ.</param>
    /// <param name="dampening">Dampening τ for momentum.</param>
    /// <param name="weightDecay">L2 penalty λ.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs a momentum and zero dampening).</param>
    /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="paramGroups"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, as for the other constructor.</exception>
    /// <exception cref="ArgumentException">
    /// There are no groups, a parameter is not a leaf or is in two groups (<c>some parameters appear in more than one parameter group</c>),
    /// or Nesterov momentum is asked for without momentum or with dampening.
    /// </exception>
    /// <exception cref="InvalidOperationException">A parameter is an int64 tensor.</exception>
    public SGD(
        IEnumerable<ParamGroup> paramGroups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(Checked(paramGroups, lr, momentum, weightDecay, nesterov, dampening), group =>
        {
            group.Lr ??= lr;
            group.Momentum ??= momentum;
            group.Dampening ??= dampening;
            group.WeightDecay ??= weightDecay;
            group.Nesterov ??= nesterov;
            group.Maximize ??= maximize;
        })
    {
    }

    private protected override string TypeName => "SGD";

    private protected override void StepParameter(ParamGroup group, Tensor parameter, Tensor grad, OrderedDictionary<string, Tensor?> state)
    {
        double momentum = group.Momentum!.Value;
        Tensor? buffer = state.GetValueOrDefault("momentum_buffer");
        bool exists = buffer is not null;
        if (momentum != 0 && buffer is null)
        {
            buffer = ZerosLike(parameter);
        }

        SgdKernel.Step(
            parameter.Data.AsSpan(), grad.AsReadOnlySpan(), buffer is null ? default : buffer.AsSpan(), exists,
            group.Lr!.Value, momentum, group.Dampening!.Value, group.WeightDecay!.Value, group.Nesterov!.Value, group.Maximize!.Value);
        state["momentum_buffer"] = buffer; // PyTorch stores the buffer, or None without momentum.
    }

    private protected override OrderedDictionary<string, object?> GroupOptions(ParamGroup group) => new(StringComparer.Ordinal)
    {
        ["lr"] = group.Lr,
        ["momentum"] = group.Momentum,
        ["dampening"] = group.Dampening,
        ["weight_decay"] = group.WeightDecay,
        ["nesterov"] = group.Nesterov,
        ["maximize"] = group.Maximize,
        ["foreach"] = null,
        ["differentiable"] = false,
    };

    private protected override void SetGroupOptions(ParamGroup group, IReadOnlyDictionary<string, object?> options)
    {
        group.Lr = Number(options, "lr");
        group.Momentum = Number(options, "momentum");
        group.Dampening = Number(options, "dampening");
        group.WeightDecay = Number(options, "weight_decay");
        group.Nesterov = Flag(options, "nesterov");
        group.Maximize = Flag(options, "maximize");
    }

    private static IEnumerable<ParamGroup> Checked(
        IEnumerable<ParamGroup> paramGroups, double lr, double momentum, double weightDecay, bool nesterov, double dampening)
    {
        ThrowHelper.CheckNotNegative(lr, "Invalid learning rate", nameof(lr));
        ThrowHelper.CheckNotNegative(momentum, "Invalid momentum value", nameof(momentum));
        ThrowHelper.CheckNotNegative(weightDecay, "Invalid weight_decay value", nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            ThrowHelper.ThrowNesterov(nameof(nesterov));
        }

        return paramGroups;
    }
}
