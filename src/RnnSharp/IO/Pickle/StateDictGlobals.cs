namespace RnnSharp.IO.Pickle;

/// <summary>
/// What the globals of a state dict's pickle mean, for both checkpoint readers (zip and legacy): <c>OrderedDict()</c>
/// is an empty dict, <c>_rebuild_tensor_v2</c> a tensor (built by the reader), <c>_rebuild_parameter</c> its tensor,
/// and BUILD only sets the dict's <c>_metadata</c>. Anything else is refused.
/// </summary>
internal static class StateDictGlobals
{
    /// <summary>The result of calling <paramref name="callable"/> (REDUCE); tensors come from <paramref name="rebuildTensor"/>.</summary>
    /// <typeparam name="TTensor">What the reader makes of a tensor.</typeparam>
    /// <exception cref="ModelFileException">The global is not callable in a state dict, or its arguments are wrong.</exception>
    public static object? Reduce<TTensor>(PyGlobal callable, object?[] args, Func<object?[], TTensor> rebuildTensor)
        where TTensor : class
    {
        switch (callable.ToString())
        {
            case "collections.OrderedDict":
                if (args.Length != 0)
                {
                    throw Invalid("collections.OrderedDict is called with arguments; a state dict builds it empty");
                }

                return new PyDict();
            case "torch._utils._rebuild_tensor_v2":
                if (args.Length is not (6 or 7))
                {
                    throw Invalid($"_rebuild_tensor_v2 takes 6 or 7 arguments, got {args.Length}");
                }

                return rebuildTensor(args);
            case "torch._utils._rebuild_parameter":
                if (args.Length != 3 || args[0] is not TTensor data)
                {
                    throw Invalid("_rebuild_parameter takes a tensor, requires_grad and hooks");
                }

                return data;
            default:
                throw Invalid($"{callable} cannot be called");
        }
    }

    /// <summary>Applies BUILD state: only an OrderedDict's <c>_metadata</c> (PyTorch's per-module versions), which RnnSharp has no use for.</summary>
    /// <exception cref="ModelFileException">BUILD applies to anything else.</exception>
    public static void Build(object? target, object? state)
    {
        if (target is PyDict && state is PyDict or null)
        {
            return;
        }

        throw Invalid("BUILD is only expected on the state dict itself");
    }

    /// <summary>The state dict a pickle holds: its names and tensors (as the reader made them), in order.</summary>
    /// <typeparam name="TTensor">What the reader makes of a tensor.</typeparam>
    /// <exception cref="ModelFileException">The pickle holds no dict, or a dict of anything but names to tensors.</exception>
    public static List<KeyValuePair<string, TTensor>> Entries<TTensor>(object? root)
        where TTensor : class
    {
        if (root is not PyDict dict)
        {
            throw Invalid("the pickle does not hold a state dict (a dict of names to tensors)");
        }

        var entries = new List<KeyValuePair<string, TTensor>>(dict.Count);
        foreach (KeyValuePair<object?, object?> entry in dict.Entries)
        {
            if (entry.Key is not string name || entry.Value is not TTensor tensor)
            {
                throw Invalid($"the state dict maps {entry.Key ?? "None"} to something that is not a tensor");
            }

            entries.Add(new(name, tensor));
        }

        return entries;
    }

    private static ModelFileException Invalid(string detail) => new($"Not a valid PyTorch checkpoint: {detail}.");
}
