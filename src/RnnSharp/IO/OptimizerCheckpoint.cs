using System.Collections.ObjectModel;
using RnnSharp.IO.Pickle;
using RnnSharp.Optim;

namespace RnnSharp;

/// <summary>
/// Turns the unpickled <c>{'state': {int: {str: tensor or None}}, 'param_groups': [{str: value}]}</c> of
/// <c>torch.save(optimizer.state_dict())</c> into an <see cref="OptimizerStateDict"/>, checking every part of it.
/// </summary>
internal static class OptimizerCheckpoint
{
    /// <summary>The optimizer state dict the pickle's root holds.</summary>
    /// <exception cref="ModelFileException">The root is not an optimizer's state dict.</exception>
    public static OptimizerStateDict FromPickle(object? root)
    {
        if (root is not PyDict dict || dict.Count != 2 || Find(dict, "state") is not PyDict stateDict || Find(dict, "param_groups") is not List<object?> groupList)
        {
            throw Invalid("the pickle does not hold an optimizer's state dict ({'state': {...}, 'param_groups': [...]})");
        }

        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor?>>();
        foreach (KeyValuePair<object?, object?> entry in stateDict.Entries)
        {
            if (entry.Key is not long index || index is < 0 or > int.MaxValue || entry.Value is not PyDict items)
            {
                throw Invalid("'state' must map parameter indices to dicts");
            }

            var values = new OrderedDictionary<string, Tensor?>(StringComparer.Ordinal);
            foreach (KeyValuePair<object?, object?> item in items.Entries)
            {
                if (item.Key is not string name || item.Value is not (Tensor or null))
                {
                    throw Invalid($"the state of parameter {index} maps {item.Key ?? "None"} to something that is not a tensor or None");
                }

                values.Add(name, (Tensor?)item.Value);
            }

            state.Add((int)index, new ReadOnlyDictionary<string, Tensor?>(values));
        }

        var groups = new List<IReadOnlyDictionary<string, object?>>(groupList.Count);
        foreach (object? g in groupList)
        {
            if (g is not PyDict group)
            {
                throw Invalid("'param_groups' must be a list of dicts");
            }

            var options = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<object?, object?> option in group.Entries)
            {
                if (option.Key is not string name)
                {
                    throw Invalid("a param group's keys must be strings");
                }

                options.Add(name, OptionValue(name, option.Value));
            }

            groups.Add(new ReadOnlyDictionary<string, object?>(options));
        }

        return new OptimizerStateDict(state, groups);
    }

    /// <summary>A Python option value as <see cref="OptimizerStateDict"/> holds it: numbers as doubles, <c>params</c> as ints.</summary>
    private static object? OptionValue(string name, object? value) => value switch
    {
        null or bool or double => value,
        long l => (double)l,
        List<object?> ids when name == "params" && ids.All(i => i is long l && l is >= 0 and <= int.MaxValue) => ids.Select(i => (int)(long)i!).ToArray(),
        object?[] { Length: 2 } pair when pair[0] is double or long && pair[1] is double or long =>
            (Convert.ToDouble(pair[0], System.Globalization.CultureInfo.InvariantCulture), Convert.ToDouble(pair[1], System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw Invalid($"the option '{name}' holds a value RnnSharp's optimizers do not use"),
    };

    private static object? Find(PyDict dict, string key) =>
        dict.Entries.FirstOrDefault(e => e.Key is string s && s == key).Value;

    private static ModelFileException Invalid(string detail) => new($"Not a valid PyTorch checkpoint: {detail}.");
}
