using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>
/// An ordered, read-only map from names to tensors, as a state dict or a weights file holds them, with the
/// file's string metadata. Pass it straight to <see cref="Module.LoadStateDict"/>; use <see cref="WithPrefix"/>
/// to pick one sub-module's entries out of a larger model's state dict.
/// </summary>
public sealed class TensorDictionary : IReadOnlyDictionary<string, Tensor>
{
    private readonly List<KeyValuePair<string, Tensor>> _entries;
    private readonly Dictionary<string, Tensor> _byName;

    /// <summary>Creates a map from entries in order, with optional metadata.</summary>
    /// <param name="entries">The entries; names must be unique.</param>
    /// <param name="metadata">String metadata (safetensors' <c>__metadata__</c>); empty when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="entries"/>, a name or a tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A name occurs twice.</exception>
    public TensorDictionary(IEnumerable<KeyValuePair<string, Tensor>> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [];
        _byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Tensor> entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry.Key, nameof(entries));
            ArgumentNullException.ThrowIfNull(entry.Value, nameof(entries));
            if (!_byName.TryAdd(entry.Key, entry.Value))
            {
                ThrowHelper.ThrowDuplicateName("tensor", entry.Key, nameof(entries));
            }

            _entries.Add(entry);
        }

        Metadata = metadata is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>The file's string metadata (safetensors' <c>__metadata__</c>); empty if it had none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <inheritdoc/>
    public int Count => _entries.Count;

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <inheritdoc/>
    public IEnumerable<Tensor> Values => _entries.Select(e => e.Value);

    /// <inheritdoc/>
    public Tensor this[string key] => _byName[key];

    /// <summary>
    /// The entries whose names start with <paramref name="prefix"/>, with the prefix removed, in order: the state
    /// dict of one sub-module (<c>"rnn."</c> turns <c>rnn.weight_ih_l0</c> into <c>weight_ih_l0</c>).
    /// </summary>
    /// <param name="prefix">The prefix, usually ending with a dot.</param>
    /// <returns>A new map sharing the tensors and the metadata.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="prefix"/> is <see langword="null"/>.</exception>
    public TensorDictionary WithPrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        return new TensorDictionary(
            _entries.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(e => new KeyValuePair<string, Tensor>(e.Key[prefix.Length..], e.Value)),
            Metadata);
    }

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _byName.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => _byName.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
