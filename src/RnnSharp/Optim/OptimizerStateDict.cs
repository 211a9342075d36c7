using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RnnSharp.Optim;

/// <summary>
/// An optimizer's state in PyTorch's structure (what <c>optimizer.state_dict()</c> returns): <see cref="State"/> maps a
/// parameter's index (counted across all groups) to its state — <c>step</c> (a 0-d float32 tensor), <c>exp_avg</c>,
/// <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c> for Adam and AdamW, <c>momentum_buffer</c> (or <see langword="null"/>) for
/// SGD — and <see cref="ParamGroups"/> holds each group's options under PyTorch's keys (<c>lr</c>, <c>betas</c>, …,
/// <c>foreach</c>, <c>capturable</c>) with <c>params</c>, the indices of its parameters.
/// </summary>
/// <remarks>
/// Option values are <see cref="double"/>, <see cref="bool"/>, <see langword="null"/> (<c>foreach</c>), a
/// <c>(double, double)</c> tuple (<c>betas</c>) and an <see cref="int"/> array (<c>params</c>). <see cref="Save"/> writes
/// what <c>torch.save(optimizer.state_dict(), path)</c> writes; <see cref="Load"/> reads it back with every bit.
/// </remarks>
public sealed class OptimizerStateDict
{
    private const string StateKeysMetadata = "state";
    private const string GroupsMetadata = "param_groups";

    /// <summary>Creates a state dict. Equivalent to the dict <c>{'state': state, 'param_groups': param_groups}</c>.</summary>
    /// <param name="state">Per parameter index, its state tensors by PyTorch's names.</param>
    /// <param name="paramGroups">Per group, its options by PyTorch's names, including <c>params</c>.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public OptimizerStateDict(
        IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor?>> state, IReadOnlyList<IReadOnlyDictionary<string, object?>> paramGroups)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(paramGroups);
        State = state;
        ParamGroups = paramGroups;
    }

    /// <summary>The per-parameter state, keyed by the parameter's index across groups. Equivalent to <c>state_dict['state']</c>.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor?>> State { get; }

    /// <summary>Each group's options and <c>params</c> indices. Equivalent to <c>state_dict['param_groups']</c>.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> ParamGroups { get; }

    /// <summary>
    /// Writes the state dict as <c>torch.save(optimizer.state_dict(), path)</c> does, in PyTorch's
    /// <c>{'state': ..., 'param_groups': ...}</c> layout. Same as <see cref="Torch.Save(OptimizerStateDict, string)"/>.
    /// </summary>
    /// <param name="path">The file to write (replaced only once fully written).</param>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A name is empty, an option holds a value a <c>.pt</c> file cannot hold, or the file name has no stem.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Save(string path) => Torch.Save(this, path);

    /// <summary>
    /// Reads a state dict written by <see cref="Save"/> or by <c>torch.save(optimizer.state_dict(), path)</c> (see
    /// <see cref="Torch.LoadOptimizerStateDict(string, long?)"/>); files of earlier RnnSharp versions, which were
    /// safetensors with the options in the metadata, still load.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The state dict, ready for <see cref="Optimizer.LoadStateDict(OptimizerStateDict)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelFileException">The file is not an optimizer's state dict in either format.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static OptimizerStateDict Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using (FileStream stream = File.OpenRead(path))
        {
            if (stream.ReadByte() == 'P' && stream.ReadByte() == 'K')
            {
                stream.Position = 0;
                return Torch.LoadOptimizerStateDict(stream);
            }
        }

        TensorDictionary file = SafeTensors.LoadFile(path);
        if (!file.Metadata.TryGetValue(StateKeysMetadata, out string? keysJson) | !file.Metadata.TryGetValue(GroupsMetadata, out string? groupsJson)
            || keysJson is null || groupsJson is null)
        {
            throw new ModelFileException($"{path} holds no optimizer state: its metadata lacks \"{StateKeysMetadata}\" and \"{GroupsMetadata}\".");
        }

        var state = new SortedDictionary<int, IReadOnlyDictionary<string, Tensor?>>();
        foreach (KeyValuePair<string, JsonNode?> entry in JsonNode.Parse(keysJson)!.AsObject())
        {
            var items = new OrderedDictionary<string, Tensor?>(StringComparer.Ordinal);
            foreach (JsonNode? name in entry.Value!.AsArray())
            {
                string key = name!.GetValue<string>();
                items.Add(key, file.TryGetValue($"state.{entry.Key}.{key}", out Tensor? t) ? t : null);
            }

            state.Add(int.Parse(entry.Key, CultureInfo.InvariantCulture), new System.Collections.ObjectModel.ReadOnlyDictionary<string, Tensor?>(items));
        }

        var groups = new List<IReadOnlyDictionary<string, object?>>();
        foreach (JsonNode? node in JsonNode.Parse(groupsJson)!.AsArray())
        {
            var group = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, JsonNode?> option in node!.AsObject())
            {
                group.Add(option.Key, option.Value switch
                {
                    null => null,
                    JsonArray a when option.Key == "params" => a.Select(i => i!.GetValue<int>()).ToArray(),
                    JsonArray a => (a[0]!.GetValue<double>(), a[1]!.GetValue<double>()),
                    JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
                    JsonValue v => v.GetValue<double>(),
                    _ => null,
                });
            }

            groups.Add(new System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>(group));
        }

        return new OptimizerStateDict(state, groups);
    }

    /// <summary>The <c>params</c> indices of a group.</summary>
    internal static int[] ParamIndices(IReadOnlyDictionary<string, object?> group) =>
        group.TryGetValue("params", out object? ids) && ids is int[] array ? array : [];

    /// <summary>
    /// Python's repr of an option value as PyTorch prints it: <c>0.001</c>, <c>(0.9, 0.999)</c>, <c>False</c>,
    /// <c>None</c>; options PyTorch defaults to the integer 0 print <c>0</c> when zero.
    /// </summary>
    internal static string PyRepr(string key, object? value) => value switch
    {
        null => "None",
        bool b => PyFormat.Repr(b),
        double d when d == 0 && key is "weight_decay" or "momentum" or "dampening" => "0",
        double d => PyFormat.Repr(d),
        ValueTuple<double, double> t => $"({PyFormat.Repr(t.Item1)}, {PyFormat.Repr(t.Item2)})",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };
}
