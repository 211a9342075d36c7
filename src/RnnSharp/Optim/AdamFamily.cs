namespace RnnSharp.Optim;

/// <summary>What <see cref="Adam"/> and <see cref="AdamW"/> share: argument checks, defaults, state and group options.</summary>
internal static class AdamFamily
{
    /// <summary>PyTorch's checks, in its order.</summary>
    public static IEnumerable<ParamGroup> Checked(
        IEnumerable<ParamGroup> paramGroups, double lr, (double Beta1, double Beta2) betas, double eps, double weightDecay)
    {
        ThrowHelper.CheckNotNegative(lr, "Invalid learning rate", nameof(lr));
        ThrowHelper.CheckNotNegative(eps, "Invalid epsilon value", nameof(eps));
        ThrowHelper.CheckBeta(betas.Beta1, 0, nameof(betas));
        ThrowHelper.CheckBeta(betas.Beta2, 1, nameof(betas));
        ThrowHelper.CheckNotNegative(weightDecay, "Invalid weight_decay value", nameof(weightDecay));
        return paramGroups;
    }

    public static Action<ParamGroup> Defaults(
        double lr, (double Beta1, double Beta2) betas, double eps, double weightDecay, bool amsgrad, bool maximize) => group =>
    {
        group.Lr ??= lr;
        group.Betas ??= betas;
        group.Eps ??= eps;
        group.WeightDecay ??= weightDecay;
        group.Amsgrad ??= amsgrad;
        group.Maximize ??= maximize;
    };

    /// <summary>
    /// PyTorch's lazy state (<c>step</c> a 0-d float32 zero, the moments zeros of the parameter's shape), then
    /// <c>step_t += 1</c> in float32, then the kernel with <c>step_t.item()</c>.
    /// </summary>
    public static void Step(ParamGroup group, Tensor parameter, Tensor grad, OrderedDictionary<string, Tensor?> state, bool decoupled)
    {
        bool amsgrad = group.Amsgrad!.Value;
        if (state.Count == 0)
        {
            state["step"] = Tensor.Zeros();
            state["exp_avg"] = Tensor.Zeros(parameter.Shape.ToArray());
            state["exp_avg_sq"] = Tensor.Zeros(parameter.Shape.ToArray());
            if (amsgrad)
            {
                state["max_exp_avg_sq"] = Tensor.Zeros(parameter.Shape.ToArray());
            }
        }

        Span<float> step = state["step"]!.AsSpan();
        step[0] += 1f; // a float32 tensor in PyTorch: beyond 2^24 it stops counting, and so does this.
        Span<float> max = amsgrad ? state["max_exp_avg_sq"]!.AsSpan() : default;
        var scalars = new AdamKernel.Scalars(
            group.Lr!.Value, group.Betas!.Value.Beta1, group.Betas.Value.Beta2, group.Eps!.Value, group.WeightDecay!.Value,
            amsgrad, group.Maximize!.Value, (long)step[0], decoupled);
        AdamKernel.Update(
            parameter.Data.AsSpan(), grad.AsReadOnlySpan(), state["exp_avg"]!.AsSpan(), state["exp_avg_sq"]!.AsSpan(), max, scalars);
    }

    public static void SetOptions(ParamGroup group, IReadOnlyDictionary<string, object?> options)
    {
        group.Lr = Optimizer.Number(options, "lr");
        group.Betas = ((double, double))options["betas"]!;
        group.Eps = Optimizer.Number(options, "eps");
        group.WeightDecay = Optimizer.Number(options, "weight_decay");
        group.Amsgrad = Optimizer.Flag(options, "amsgrad");
        group.Maximize = Optimizer.Flag(options, "maximize");
    }
}
