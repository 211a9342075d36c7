using System.Globalization;
using System.Runtime.InteropServices;
using RnnSharp.IO.Pickle;
using RnnSharp.Optim;

namespace RnnSharp;

/// <summary>
/// Writes what <c>torch.save</c> (PyTorch 1.13, the zip format) writes: <c>&lt;archive&gt;/data.pkl</c>, a protocol-2
/// pickle in which every tensor is <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False,
/// OrderedDict())</c> and every storage a persistent id <c>('storage', torch.FloatStorage | torch.LongStorage, key,
/// 'cpu', numel)</c>; then each storage's raw little-endian bytes as <c>&lt;archive&gt;/data/&lt;key&gt;</c> (keys
/// numbered in the order the pickle first meets them, records in sorted key order); then <c>&lt;archive&gt;/version</c>
/// (<c>3</c>). The zip layout is <see cref="TorchZipWriter"/>'s.
/// </summary>
/// <remarks>
/// Storages: tensors whose elements overlap in one RnnSharp array (a tensor and its views) share one storage that spans
/// them all, each at its own offset, as views of one storage do in PyTorch; tensors that do not overlap get a storage of
/// their own, exactly their elements, as the parameters of a PyTorch module have (RnnSharp keeps a module's parameters
/// in one buffer, which PyTorch would not). Strides are row-major, as RnnSharp tensors always are.
/// </remarks>
internal static class TorchCheckpointWriter
{
    private static readonly PyGlobal OrderedDict = new("collections", "OrderedDict");
    private static readonly PyGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor_v2");
    private static readonly PyGlobal FloatStorage = new("torch", "FloatStorage");
    private static readonly PyGlobal LongStorage = new("torch", "LongStorage");

    /// <summary>Writes a state dict as an <c>OrderedDict</c> of names to tensors.</summary>
    public static void WriteStateDict(Stream stream, string archiveName, IReadOnlyList<KeyValuePair<string, Tensor>> entries)
    {
        var storages = new StorageTable(entries.Select(e => e.Value));
        var items = entries.Select(e => new KeyValuePair<object?, object?>(e.Key, storages.Rebuild(e.Value))).ToList();
        Write(stream, archiveName, new PickleCall(OrderedDict, [], items), storages);
    }

    /// <summary>
    /// Writes an optimizer's state dict as <c>torch.save(optimizer.state_dict())</c> does: a dict <c>{'state': {index:
    /// {name: tensor or None}}, 'param_groups': [{option: value, ..., 'params': [indices]}]}</c>.
    /// </summary>
    public static void WriteOptimizer(Stream stream, string archiveName, OptimizerStateDict stateDict)
    {
        var storages = new StorageTable(stateDict.State.SelectMany(s => s.Value.Values).OfType<Tensor>());
        var state = stateDict.State.Select(s => new KeyValuePair<object?, object?>(
            (long)s.Key,
            new PickleDict(s.Value.Select(v => new KeyValuePair<object?, object?>(v.Key, v.Value is null ? null : storages.Rebuild(v.Value))).ToList())))
            .ToList();
        var groups = stateDict.ParamGroups.Select(g => (object?)new PickleDict(
            g.Select(o => new KeyValuePair<object?, object?>(o.Key, OptionValue(o.Key, o.Value))).ToList())).ToList();
        var root = new PickleDict(
        [
            new("state", new PickleDict(state)),
            new("param_groups", groups),
        ]);
        Write(stream, archiveName, root, storages);
    }

    /// <summary>
    /// PyTorch's Python value for an option: the integer 0 where PyTorch's defaults are the integer 0 (<c>weight_decay</c>,
    /// <c>momentum</c>, <c>dampening</c>), as <see cref="OptimizerStateDict"/> prints them.
    /// </summary>
    private static object? OptionValue(string key, object? value) => value switch
    {
        null or bool or double or string => value is double d && d == 0 && key is "weight_decay" or "momentum" or "dampening" ? 0L : value,
        int i => (long)i,
        long l => l,
        float f => (double)f,
        ValueTuple<double, double> t => new object?[] { t.Item1, t.Item2 },
        int[] ids => ids.Select(i => (object?)(long)i).ToList(),
        _ => ThrowHelper.ThrowUnsupportedOptimizerOption<object?>(key, value, "stateDict"),
    };

    private static void Write(Stream stream, string archiveName, object root, StorageTable storages)
    {
        byte[] pickle = PickleWriter.Dump(root);
        var zip = new TorchZipWriter(stream, archiveName);
        zip.WriteRecord("data.pkl", pickle);
        foreach (StorageSlot slot in storages.Slots.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            WriteStorage(zip, slot);
        }

        zip.WriteRecord("version", "3\n"u8); // PyTorch 1.13's kProducedFileFormatVersion
        zip.Finish();
    }

    private static void WriteStorage(TorchZipWriter zip, StorageSlot slot)
    {
        const int Chunk = 1 << 26; // elements per write: a span of bytes cannot reach 2 GiB
        int elementSize = slot.Array is long[] ? sizeof(long) : sizeof(float);
        zip.BeginRecord("data/" + slot.Key, (long)slot.Length * elementSize);
        byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[Chunk * sizeof(long)];
        for (int start = 0; start < slot.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, slot.Length - start);
            ReadOnlySpan<byte> bytes = slot.Array is long[] longs
                ? MemoryMarshal.AsBytes(new ReadOnlySpan<long>(longs, slot.Start + start, count))
                : MemoryMarshal.AsBytes(new ReadOnlySpan<float>((float[])slot.Array, slot.Start + start, count));
            if (swapped is not null)
            {
                // Storages are little-endian in every PyTorch file.
                bytes.CopyTo(swapped);
                for (int i = 0; i < bytes.Length; i += elementSize)
                {
                    swapped.AsSpan(i, elementSize).Reverse();
                }

                bytes = swapped.AsSpan(0, bytes.Length);
            }

            zip.WriteData(bytes);
        }

        zip.EndRecord();
    }

    /// <summary>One storage to write: a range of an RnnSharp array.</summary>
    private sealed class StorageSlot(Array array, int start, int length)
    {
        public Array Array { get; } = array;

        public int Start { get; } = start;

        public int Length { get; } = length;

        public string Key { get; set; } = string.Empty;
    }

    /// <summary>Assigns every tensor a storage and an offset in it, and makes each tensor's pickled form once.</summary>
    private sealed class StorageTable
    {
        private readonly Dictionary<Tensor, (StorageSlot Slot, int Offset)> _placement = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<Tensor, PickleCall> _pickled = new(ReferenceEqualityComparer.Instance);

        public StorageTable(IEnumerable<Tensor> tensors)
        {
            var ordered = new List<Tensor>();
            foreach (Tensor t in tensors)
            {
                if (!_placement.ContainsKey(t))
                {
                    _placement[t] = default;
                    ordered.Add(t);
                }
            }

            // Tensors over one array: merge the ranges that overlap into one storage each; an empty tensor has its own.
            foreach (IGrouping<Array, Tensor> group in ordered.Where(t => t.NumElements > 0).GroupBy<Tensor, Array>(t => t.StorageArray, ReferenceEqualityComparer.Instance))
            {
                StorageSlot? current = null;
                int end = 0;
                var members = new List<Tensor>();
                foreach (Tensor t in group.OrderBy(t => t.StorageOffset))
                {
                    if (current is not null && t.StorageOffset < end)
                    {
                        end = Math.Max(end, t.StorageOffset + t.NumElements);
                        members.Add(t);
                        continue;
                    }

                    Close(current, members, end);
                    current = new StorageSlot(group.Key, t.StorageOffset, 0);
                    end = t.StorageOffset + t.NumElements;
                    members.Clear();
                    members.Add(t);
                }

                Close(current, members, end);
            }

            foreach (Tensor t in ordered.Where(t => t.NumElements == 0))
            {
                _placement[t] = (new StorageSlot(t.StorageArray, 0, 0), 0);
            }

            // Keys in the order the pickle meets the storages, as torch.save's persistent_id numbers them.
            int next = 0;
            foreach (Tensor t in ordered)
            {
                StorageSlot slot = _placement[t].Slot;
                if (slot.Key.Length == 0)
                {
                    slot.Key = (next++).ToString(CultureInfo.InvariantCulture);
                    Slots.Add(slot);
                }
            }
        }

        public List<StorageSlot> Slots { get; } = [];

        /// <summary>The tensor's <c>_rebuild_tensor_v2(...)</c> call; the same object for the same tensor, as Python memoizes it.</summary>
        public PickleCall Rebuild(Tensor tensor)
        {
            if (_pickled.TryGetValue(tensor, out PickleCall? known))
            {
                return known;
            }

            (StorageSlot slot, int offset) = _placement[tensor];
            ReadOnlySpan<int> shape = tensor.Shape;
            var size = new object?[shape.Length];
            var stride = new object?[shape.Length];
            long step = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                size[d] = (long)shape[d];
                stride[d] = step;
                step *= Math.Max(shape[d], 1);
            }

            PyGlobal type = tensor.DType switch
            {
                DType.Float32 => FloatStorage,
                DType.Int64 => LongStorage,
                _ => ThrowHelper.ThrowUnsupportedSaveDType<PyGlobal>(tensor.DType, "stateDict"),
            };
            var id = new PicklePersistent(["storage", type, slot.Key, "cpu", (long)slot.Length]);
            var call = new PickleCall(RebuildTensor, [id, (long)offset, size, stride, false, new PickleCall(OrderedDict, [])]);
            _pickled.Add(tensor, call);
            return call;
        }

        private void Close(StorageSlot? slot, List<Tensor> members, int end)
        {
            if (slot is null)
            {
                return;
            }

            var closed = new StorageSlot(slot.Array, slot.Start, end - slot.Start);
            foreach (Tensor t in members)
            {
                _placement[t] = (closed, t.StorageOffset - slot.Start);
            }
        }
    }
}
