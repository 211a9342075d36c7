using System.Text;

namespace RnnSharp.Optim;

/// <summary>
/// The base of RnnSharp's optimizers: the counterpart of <c>torch.optim.Optimizer</c>. It holds the parameter groups
/// and a state per parameter (created at the parameter's first step), and implements <see cref="ZeroGrad"/>,
/// <see cref="Step"/>, <see cref="StateDict"/> and <see cref="LoadStateDict(OptimizerStateDict)"/> with PyTorch's
/// structure.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups;
    private readonly Dictionary<Tensor, OrderedDictionary<string, Tensor?>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Checks the groups as PyTorch's <c>Optimizer.__init__</c> does and fills in the defaults.</summary>
    private protected Optimizer(IEnumerable<ParamGroup> paramGroups, Action<ParamGroup> setDefaults)
    {
        ArgumentNullException.ThrowIfNull(paramGroups);
        _groups = paramGroups.ToList();
        if (_groups.Count == 0)
        {
            ThrowHelper.ThrowOptimizerEmpty(nameof(paramGroups));
        }

        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (ParamGroup group in _groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(paramGroups));
            foreach (Tensor p in group.Params)
            {
                if (!p.IsLeaf)
                {
                    ThrowHelper.ThrowOptimizeNonLeaf(nameof(paramGroups));
                }

                if (p.DType != DType.Float32)
                {
                    ThrowHelper.ThrowWrongDType(DType.Float32, p.DType);
                }
            }

            if (group.Params.Distinct(ReferenceEqualityComparer.Instance).Any(p => !seen.Add((Tensor)p!)))
            {
                ThrowHelper.ThrowParameterInTwoGroups(nameof(paramGroups));
            }

            setDefaults(group);
        }
    }

    /// <summary>The parameter groups, in order. Equivalent to <c>optimizer.param_groups</c>.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>PyTorch's class name, used by <see cref="ToString"/>.</summary>
    private protected abstract string TypeName { get; }

    /// <summary>
    /// Clears the gradients of every parameter. Equivalent to <c>optimizer.zero_grad(set_to_none)</c>, with PyTorch 2.x's
    /// default (<see langword="true"/>: set each <see cref="Tensor.Grad"/> to <see langword="null"/>; PyTorch 1.13's
    /// default was <see langword="false"/>, which fills them with zeros in place).
    /// </summary>
    /// <param name="setToNone">Drop the gradients (<see langword="true"/>) or fill them with zeros (<see langword="false"/>).</param>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (ParamGroup group in _groups)
        {
            foreach (Tensor p in group.Params)
            {
                if (setToNone)
                {
                    p.Grad = null;
                }
                else
                {
                    p.Grad?.Data.AsSpan().Clear();
                }
            }
        }
    }

    /// <summary>
    /// Updates every parameter that has a gradient, in place and without recording a graph. Equivalent to
    /// <c>optimizer.step()</c>. Parameters whose <see cref="Tensor.Grad"/> is <see langword="null"/> are skipped (their
    /// state, step count included, does not advance), as in PyTorch.
    /// </summary>
    /// <remarks>Writing a parameter bumps its storage version, so modules that cache repacked weights refresh them.</remarks>
    public void Step()
    {
        using (Torch.NoGrad())
        {
            foreach (ParamGroup group in _groups)
            {
                foreach (Tensor p in group.Params)
                {
                    if (p.Grad is { } grad)
                    {
                        if (!_state.TryGetValue(p, out OrderedDictionary<string, Tensor?>? state))
                        {
                            state = new OrderedDictionary<string, Tensor?>(StringComparer.Ordinal);
                            _state.Add(p, state);
                        }

                        StepParameter(group, p, grad, state);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Returns the optimizer's state as PyTorch structures it: <c>state</c> keyed by the parameter's index across all
    /// groups (only parameters that have stepped), and <c>param_groups</c> with every option and the parameters'
    /// indices. Equivalent to <c>optimizer.state_dict()</c>; as in PyTorch the state tensors are the optimizer's own,
    /// not copies.
    /// </summary>
    /// <returns>The state dict.</returns>
    public OptimizerStateDict StateDict()
    {
        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor?>>();
        var groups = new List<IReadOnlyDictionary<string, object?>>();
        int index = 0;
        foreach (ParamGroup group in _groups)
        {
            var indices = new int[group.Params.Count];
            for (int i = 0; i < indices.Length; i++, index++)
            {
                indices[i] = index;
                if (_state.TryGetValue(group.Params[i], out OrderedDictionary<string, Tensor?>? s) && !state.ContainsKey(index))
                {
                    state.Add(index, new System.Collections.ObjectModel.ReadOnlyDictionary<string, Tensor?>(s));
                }
            }

            OrderedDictionary<string, object?> options = GroupOptions(group);
            options.Add("params", indices);
            groups.Add(new System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>(options));
        }

        return new OptimizerStateDict(state, groups);
    }

    /// <summary>
    /// Replaces the optimizer's state and group options with <paramref name="stateDict"/>'s (copying its tensors).
    /// Equivalent to <c>optimizer.load_state_dict(state_dict)</c>: parameters are matched by their index across groups.
    /// </summary>
    /// <param name="stateDict">A state dict from <see cref="StateDict"/> or <see cref="OptimizerStateDict.Load"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The number of groups differs (<c>loaded state dict has a different number of parameter groups</c>), a group's size
    /// differs (<c>loaded state dict contains a parameter group that doesn't match the size of optimizer's group</c>),
    /// or a state tensor's shape differs from its parameter's.
    /// </exception>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        if (stateDict.ParamGroups.Count != _groups.Count)
        {
            ThrowHelper.ThrowLoadGroupCount(nameof(stateDict));
        }

        var byIndex = new Dictionary<int, Tensor>();
        for (int g = 0; g < _groups.Count; g++)
        {
            int[] ids = OptimizerStateDict.ParamIndices(stateDict.ParamGroups[g]);
            if (ids.Length != _groups[g].Params.Count)
            {
                ThrowHelper.ThrowLoadGroupSize(nameof(stateDict));
            }

            for (int i = 0; i < ids.Length; i++)
            {
                byIndex[ids[i]] = _groups[g].Params[i];
            }
        }

        var loaded = new Dictionary<Tensor, OrderedDictionary<string, Tensor?>>(ReferenceEqualityComparer.Instance);
        foreach (KeyValuePair<int, IReadOnlyDictionary<string, Tensor?>> entry in stateDict.State)
        {
            if (!byIndex.TryGetValue(entry.Key, out Tensor? p))
            {
                continue; // PyTorch keeps state for unknown ids under the id; nothing here can use it.
            }

            var copy = new OrderedDictionary<string, Tensor?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, Tensor?> item in entry.Value)
            {
                if (item.Value is { } t && item.Key != "step" && !t.ShapeEquals(p.Shape))
                {
                    ThrowHelper.ThrowShapeMismatch(nameof(stateDict), p.Shape, t.Shape);
                }

                copy.Add(item.Key, item.Value?.Detach().Clone());
            }

            loaded.Add(p, copy);
        }

        for (int g = 0; g < _groups.Count; g++)
        {
            SetGroupOptions(_groups[g], stateDict.ParamGroups[g]);
        }

        _state.Clear();
        foreach (KeyValuePair<Tensor, OrderedDictionary<string, Tensor?>> item in loaded)
        {
            _state.Add(item.Key, item.Value);
        }
    }

    /// <summary>
    /// Returns what PyTorch's <c>repr(optimizer)</c> prints: the class name, then each group's options in sorted order.
    /// Options are doubles in C#; those PyTorch defaults to the integer 0 print as <c>0</c> when zero.
    /// </summary>
    /// <returns>The optimizer's PyTorch representation.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder(TypeName).Append(" (");
        for (int g = 0; g < _groups.Count; g++)
        {
            // torch/optim/optimizer.py's __repr__: '\n', 'Parameter Group {i}\n', then '    {key}: {value}\n' per option.
            sb.Append('\n').Append("Parameter Group ").Append(g).Append('\n');
            foreach (KeyValuePair<string, object?> option in GroupOptions(_groups[g]).OrderBy(o => o.Key, StringComparer.Ordinal))
            {
                sb.Append("    ").Append(option.Key).Append(": ").Append(OptimizerStateDict.PyRepr(option.Key, option.Value)).Append('\n');
            }
        }

        return sb.Append(')').ToString();
    }

    /// <summary>One parameter's update: <paramref name="state"/> is empty before its first step.</summary>
    private protected abstract void StepParameter(ParamGroup group, Tensor parameter, Tensor grad, OrderedDictionary<string, Tensor?> state);

    /// <summary>A group's options under PyTorch's keys, in the order of PyTorch's <c>param_groups</c> (without <c>params</c>).</summary>
    private protected abstract OrderedDictionary<string, object?> GroupOptions(ParamGroup group);

    /// <summary>Sets a group's options from a loaded <c>param_groups</c> entry.</summary>
    private protected abstract void SetGroupOptions(ParamGroup group, IReadOnlyDictionary<string, object?> options);

    /// <summary>A state tensor of the parameter's shape filled with zeros (PyTorch's <c>torch.zeros_like(p, memory_format=torch.preserve_format)</c>).</summary>
    private protected static Tensor ZerosLike(Tensor p) => Tensor.Zeros(p.Shape.ToArray());

    /// <summary>Reads a number option back from a loaded group.</summary>
    internal static double Number(IReadOnlyDictionary<string, object?> options, string key) =>
        Convert.ToDouble(options[key], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads a boolean option back from a loaded group.</summary>
    internal static bool Flag(IReadOnlyDictionary<string, object?> options, string key) => (bool)options[key]!;
}
