using System.Text;

namespace RnnSharp;

/// <summary>
/// The base of every RnnSharp layer: the counterpart of <c>torch.nn.Module</c>. It keeps the module's
/// parameters and sub-modules by name, in registration order, and implements training mode,
/// <see cref="StateDict"/> and strict <see cref="LoadStateDict"/> with PyTorch's key names.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "Mirrors torch.nn.Module; 'Module' is a keyword only in Visual Basic.")]
public abstract class Module
{
    private readonly List<KeyValuePair<string, Parameter?>> _parameters = [];
    private readonly List<KeyValuePair<string, Module>> _modules = [];

    /// <summary>Whether the module is in training mode (the default, as in PyTorch). Equivalent to <c>module.training</c>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// The name PyTorch gives this module's class, used by <see cref="ToString"/> and in error messages
    /// (<c>RNN</c> for <see cref="Rnn"/>).
    /// </summary>
    protected virtual string TypeName => GetType().Name;

    /// <summary>
    /// Sets training mode (<see langword="true"/>) or evaluation mode (<see langword="false"/>) on this module and
    /// all its sub-modules. Equivalent to <c>module.train(mode)</c>. Training mode matters for dropout.
    /// </summary>
    /// <param name="mode">Whether to enter training mode.</param>
    public void Train(bool mode = true)
    {
        Training = mode;
        foreach (KeyValuePair<string, Module> child in _modules)
        {
            child.Value.Train(mode);
        }
    }

    /// <summary>Sets evaluation mode on this module and its sub-modules. Equivalent to <c>module.eval()</c>.</summary>
    public void Eval() => Train(false);

    /// <summary>
    /// Registers a parameter under <paramref name="name"/>. Equivalent to <c>module.register_parameter(name, param)</c>;
    /// registration order is the order of <see cref="NamedParameters"/> and <see cref="StateDict"/>.
    /// </summary>
    /// <param name="name">The parameter's name, e.g. <c>weight_ih_l0</c>.</param>
    /// <param name="parameter">The parameter, or <see langword="null"/> to record that the name is unset.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is empty, contains a dot, or is already taken.</exception>
    protected void RegisterParameter(string name, Parameter? parameter)
    {
        CheckNewName("parameter", name);
        _parameters.Add(new(name, parameter));
    }

    /// <summary>Registers the next view of <paramref name="buffer"/> as a parameter and returns that view.</summary>
    private protected Parameter RegisterParameter(string name, FlatParameters buffer, int[] shape)
    {
        var parameter = new Parameter(buffer.Next(shape));
        RegisterParameter(name, parameter);
        return parameter;
    }

    /// <summary>Registers a sub-module under <paramref name="name"/>. Equivalent to <c>module.add_module(name, module)</c>.</summary>
    /// <param name="name">The sub-module's name; its parameters are keyed <c>name.param</c>.</param>
    /// <param name="module">The sub-module.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="module"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The name is empty, contains a dot, or is already taken.</exception>
    protected void RegisterModule(string name, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName("module", name);
        _modules.Add(new(name, module));
    }

    /// <summary>
    /// The parameters of this module and its sub-modules with their names (<c>weight_ih_l0</c>, <c>sub.bias</c>),
    /// in registration order. Equivalent to <c>module.named_parameters()</c>.
    /// </summary>
    /// <returns>Name and parameter pairs.</returns>
    public IEnumerable<KeyValuePair<string, Parameter>> NamedParameters()
    {
        foreach (KeyValuePair<string, Parameter?> p in _parameters)
        {
            if (p.Value is not null)
            {
                yield return new(p.Key, p.Value);
            }
        }

        foreach (KeyValuePair<string, Module> child in _modules)
        {
            foreach (KeyValuePair<string, Parameter> p in child.Value.NamedParameters())
            {
                yield return new(child.Key + "." + p.Key, p.Value);
            }
        }
    }

    /// <summary>The parameters of this module and its sub-modules, in registration order. Equivalent to <c>module.parameters()</c>.</summary>
    /// <returns>The parameters.</returns>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Value);

    /// <summary>
    /// Clears the gradients of every parameter. Equivalent to <c>module.zero_grad(set_to_none)</c>, with PyTorch 2.x's
    /// default: <see langword="true"/> sets each <see cref="Tensor.Grad"/> to <see langword="null"/> (PyTorch 1.13's
    /// default was <see langword="false"/>, which zeroes them in place).
    /// </summary>
    /// <param name="setToNone">Drop the gradients (<see langword="true"/>) or fill them with zeros (<see langword="false"/>).</param>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (Parameter p in Parameters())
        {
            if (setToNone)
            {
                p.Grad = null;
            }
            else if (p.Grad is { } g)
            {
                using (Torch.NoGrad())
                {
                    g.Fill(0f);
                }
            }
        }
    }

    /// <summary>Returns the parameter called <paramref name="name"/>. Equivalent to <c>module.get_parameter(name)</c>.</summary>
    /// <param name="name">A name as <see cref="NamedParameters"/> gives it, e.g. <c>weight_hh_l1_reverse</c>.</param>
    /// <returns>The parameter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">There is no parameter of that name.</exception>
    public Parameter GetParameter(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (KeyValuePair<string, Parameter> p in NamedParameters())
        {
            if (p.Key == name)
            {
                return p.Value;
            }
        }

        ThrowHelper.ThrowNoSuchParameter(TypeName, name);
        return null;
    }

    /// <summary>
    /// The module's state: every parameter's tensor under PyTorch's key, in registration order. Equivalent to
    /// <c>module.state_dict()</c>. As in PyTorch, the tensors share storage with the parameters: writing to them
    /// changes the module (use <see cref="Tensor.Clone"/> for a snapshot).
    /// </summary>
    /// <returns>An ordered, read-only map from key to tensor.</returns>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Parameter> p in NamedParameters())
        {
            dict.Add(p.Key, p.Value.Data);
        }

        return new System.Collections.ObjectModel.ReadOnlyDictionary<string, Tensor>(dict);
    }

    /// <summary>
    /// Copies the values in <paramref name="stateDict"/> into this module's parameters. Equivalent to
    /// <c>module.load_state_dict(state_dict, strict)</c>, with the same checks and PyTorch's error text.
    /// </summary>
    /// <remarks>
    /// Every key is checked before anything is copied: on any error the module is left exactly as it was.
    /// A size mismatch is always an error; missing and unexpected keys are errors when <paramref name="strict"/>
    /// is <see langword="true"/> and are reported in the result otherwise.
    /// </remarks>
    /// <param name="stateDict">Tensors keyed by parameter name, such as another module's <see cref="StateDict"/>.</param>
    /// <param name="strict">Whether missing and unexpected keys are errors.</param>
    /// <returns>The keys that were missing from <paramref name="stateDict"/> and those it had that the module does not.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/> or one of its tensors is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A key is missing or unexpected (with <paramref name="strict"/>), or a tensor's shape differs from the
    /// parameter's. The message lists every problem, as PyTorch's <c>Error(s) in loading state_dict for RNN</c> does.
    /// </exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = NamedParameters().ToList();
        var ownNames = new HashSet<string>(own.Select(p => p.Key), StringComparer.Ordinal);
        var missing = own.Where(p => !stateDict.ContainsKey(p.Key)).Select(p => p.Key).ToList();
        var unexpected = stateDict.Keys.Where(k => !ownNames.Contains(k)).ToList();
        var mismatches = new List<string>();
        foreach (KeyValuePair<string, Parameter> p in own)
        {
            if (stateDict.TryGetValue(p.Key, out Tensor? source))
            {
                if (source is null)
                {
                    throw new ArgumentNullException(nameof(stateDict), $"The tensor for key \"{p.Key}\" is null.");
                }

                if (!p.Value.Data.ShapeEquals(source.Shape))
                {
                    mismatches.Add(
                        $"size mismatch for {p.Key}: copying a param with shape {source.Size()} from checkpoint, " +
                        $"the shape in current model is {p.Value.Data.Size()}.");
                }
            }
        }

        var errors = new List<string>();
        if (strict)
        {
            if (unexpected.Count > 0)
            {
                errors.Insert(0, "Unexpected key(s) in state_dict: " + string.Join(", ", unexpected.Select(k => $"\"{k}\"")) + ". ");
            }

            if (missing.Count > 0)
            {
                errors.Insert(0, "Missing key(s) in state_dict: " + string.Join(", ", missing.Select(k => $"\"{k}\"")) + ". ");
            }
        }

        errors.AddRange(mismatches);
        if (errors.Count > 0)
        {
            ThrowHelper.ThrowLoadStateDict(TypeName, string.Join("\n\t", errors), nameof(stateDict));
        }

        foreach (KeyValuePair<string, Parameter> p in own)
        {
            if (stateDict.TryGetValue(p.Key, out Tensor? source))
            {
                source.AsReadOnlySpan().CopyTo(p.Value.Data.AsSpan());
            }
        }

        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>The arguments PyTorch's <c>extra_repr()</c> shows inside the parentheses, e.g. <c>4, 2, num_layers=2</c>.</summary>
    /// <returns>The text between the parentheses of <see cref="ToString"/>.</returns>
    protected virtual string ExtraRepr() => string.Empty;

    /// <summary>Returns what PyTorch's <c>repr(module)</c> prints, e.g. <c>RNN(4, 2, num_layers=2)</c>.</summary>
    /// <returns>The module's PyTorch representation.</returns>
    public override string ToString()
    {
        if (_modules.Count == 0)
        {
            return TypeName + "(" + ExtraRepr() + ")";
        }

        var sb = new StringBuilder(TypeName).Append('(');
        string extra = ExtraRepr();
        if (extra.Length > 0)
        {
            sb.Append("\n  ").Append(extra.Replace("\n", "\n  ", StringComparison.Ordinal));
        }

        foreach (KeyValuePair<string, Module> child in _modules)
        {
            string childRepr = child.Value.ToString().Replace("\n", "\n  ", StringComparison.Ordinal);
            sb.Append("\n  (").Append(child.Key).Append("): ").Append(childRepr);
        }

        return sb.Append("\n)").ToString();
    }

    private void CheckNewName(string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('.', StringComparison.Ordinal))
        {
            ThrowHelper.ThrowInvalidName(kind, name);
        }

        if (_parameters.Any(p => p.Key == name) || _modules.Any(m => m.Key == name))
        {
            ThrowHelper.ThrowDuplicateName(kind, name);
        }
    }
}
