using System.Collections.ObjectModel;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using RnnSharp.IO.Pickle;
using RnnSharp.Optim;

namespace RnnSharp;

/// <summary>
/// Reads the zip archive that <c>torch.save</c> writes (the default since PyTorch 1.6): <c>&lt;name&gt;/data.pkl</c>,
/// a pickle of the state dict whose tensors point through persistent ids at raw little-endian storages
/// <c>&lt;name&gt;/data/&lt;key&gt;</c>. The pickle goes through <see cref="RestrictedUnpickler"/>, so nothing in the
/// file is ever executed; every allocation is charged to an <see cref="AllocationBudget"/> before it is made.
/// </summary>
/// <remarks>
/// The archive is checked as PyTorch's <c>PyTorchStreamReader</c> (<c>caffe2/serialize/inline_container.cc</c>, over
/// miniz) checks it: every entry inside the record folder (<c>file in archive is not in a subdirectory</c>), a
/// <c>version</c> record, no encrypted entries, only the stored and deflate methods.
/// </remarks>
internal sealed class TorchCheckpoint : IPickleResolver
{
    private readonly ZipArchive _zip;
    private readonly string _prefix;
    private readonly long _archiveLength;
    private readonly AllocationBudget _budget;
    private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);

    private TorchCheckpoint(ZipArchive zip, string prefix, long archiveLength, AllocationBudget budget)
    {
        _zip = zip;
        _prefix = prefix;
        _archiveLength = archiveLength;
        _budget = budget;
    }

    public static TensorDictionary Load(Stream stream, long? maxBytes) =>
        Load(stream, maxBytes, root => new TensorDictionary(StateDictGlobals.Entries<Tensor>(root)));

    /// <summary>Reads an optimizer's state dict (<c>{'state': ..., 'param_groups': ...}</c>).</summary>
    public static OptimizerStateDict LoadOptimizer(Stream stream, long? maxBytes) => Load(stream, maxBytes, OptimizerCheckpoint.FromPickle);

    private static T Load<T>(Stream stream, long? maxBytes, Func<object?, T> convert)
    {
        try
        {
            return LoadCore(Seekable.From(stream), maxBytes, convert);
        }
        catch (Exception e) when (e is not ModelFileException)
        {
            // Every specific failure is reported above with what is wrong; this only keeps the promise that a
            // load ends in a ModelFileException whatever the bytes are. The fuzz tests treat reaching it as a bug.
            throw new ModelFileException($"Not a valid PyTorch checkpoint: reading it failed unexpectedly ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static T LoadCore<T>(Stream stream, long? maxBytes, Func<object?, T> convert)
    {
        long length = stream.Length - stream.Position;
        RejectLegacyFormats(stream, length);
        var budget = new AllocationBudget(maxBytes, length, "Torch.Load");
        List<ZipDirectory.Entry> directory = ZipDirectory.Read(stream);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException($"Not a valid PyTorch checkpoint: the zip archive is damaged ({e.Message}).", e);
        }

        using (zip)
        {
            try
            {
                string prefix = CheckArchive(zip, directory);
                var checkpoint = new TorchCheckpoint(zip, prefix, length, budget);
                checkpoint.CheckByteOrder();
                ZipArchiveEntry pickleEntry = zip.GetEntry(prefix + "data.pkl")!;
                byte[] pickle = checkpoint.ReadEntry(pickleEntry, pickleEntry.Length, "data.pkl");
                object? root = RestrictedUnpickler.Load(pickle, checkpoint);
                return convert(root);
            }
            catch (InvalidDataException e)
            {
                throw new ModelFileException($"Not a valid PyTorch checkpoint: the zip archive is damaged ({e.Message}).", e);
            }
            catch (OverflowException e)
            {
                throw new ModelFileException("Not a valid PyTorch checkpoint: a tensor's size, offset or strides overflow.", e);
            }
        }
    }

    /// <summary>
    /// Finds the record folder (<c>&lt;name&gt;/</c> of the one <c>&lt;name&gt;/data.pkl</c>) and checks every entry as
    /// PyTorch's reader does, before anything is read.
    /// </summary>
    private static string CheckArchive(ZipArchive zip, List<ZipDirectory.Entry> directory)
    {
        ReadOnlyCollection<ZipArchiveEntry> entries = zip.Entries;
        var pickles = entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
            && e.FullName.IndexOf('/', StringComparison.Ordinal) == e.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
        {
            throw Invalid(pickles.Count == 0
                ? "the archive has no <name>/data.pkl entry"
                : $"the archive has {pickles.Count} <name>/data.pkl entries");
        }

        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        if (directory.Count != entries.Count)
        {
            throw Invalid($"the zip archive is damaged (its central directory lists {directory.Count} entries, {entries.Count} were read)");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < directory.Count; i++)
        {
            ZipDirectory.Entry entry = directory[i];
            if (entry.Name != entries[i].FullName)
            {
                throw Invalid($"the zip archive is damaged (central-directory entry {i} is named both '{entry.Name}' and '{entries[i].FullName}')");
            }

            if (!seen.Add(entry.Name))
            {
                throw Invalid($"the archive holds two entries named '{entry.Name}'");
            }

            if (!entry.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw Invalid($"file in archive is not in a subdirectory {prefix}: {entry.Name} (PyTorch refuses such archives too)");
            }

            if (entry.IsEncrypted || entries[i].IsEncrypted)
            {
                throw Invalid($"the entry {entry.Name} is encrypted (PyTorch: unsupported encryption)");
            }

            if (entry.Method is not (ZipDirectory.Stored or ZipDirectory.Deflated))
            {
                throw Invalid($"the entry {entry.Name} is compressed with zip method {entry.Method}; PyTorch reads only stored (0) and deflate (8) entries (unsupported method)");
            }
        }

        if (zip.GetEntry(prefix + "constants.pkl") is not null
            || entries.Any(e => e.FullName.StartsWith(prefix + "code/", StringComparison.Ordinal)))
        {
            throw Invalid("this is a TorchScript archive (torch.jit.save), which holds code, not a state dict; " +
                "in Python, save model.state_dict() with torch.save and load that");
        }

        if (zip.GetEntry(prefix + "version") is null && zip.GetEntry(prefix + ".data/version") is null)
        {
            throw Invalid($"the archive has no {prefix}version record, which torch.save always writes and PyTorch requires");
        }

        return prefix;
    }

    /// <inheritdoc/>
    public object? Reduce(PyGlobal callable, object?[] args) =>
        StateDictGlobals.Reduce(callable, args, a => RebuildTensor(a[0], a[1], a[2], a[3]));

    /// <inheritdoc/>
    public void Build(object? target, object? state) => StateDictGlobals.Build(target, state);

    /// <inheritdoc/>
    /// <remarks>Checks the storage's entry but reads nothing: data is read when a tensor first needs it.</remarks>
    public object? PersistentLoad(object? id)
    {
        if (id is not object?[] { Length: 5 } tuple || tuple[0] is not "storage"
            || tuple[1] is not PyGlobal type || tuple[2] is not string key || tuple[4] is not long numel)
        {
            throw Invalid("a persistent id is not ('storage', type, key, location, numel)");
        }

        StorageType storageType = type.Name switch
        {
            "FloatStorage" => StorageType.Float32,
            "DoubleStorage" => StorageType.Float64,
            "HalfStorage" => StorageType.Float16,
            "BFloat16Storage" => StorageType.BFloat16,
            "LongStorage" => StorageType.Int64,
            _ => throw Invalid($"storage type {type} is not supported: RnnSharp loads float32, float64, float16, bfloat16 and int64 tensors"),
        };

        if (_storages.TryGetValue(key, out Storage? known))
        {
            return known.Type == storageType && known.Numel == numel
                ? known
                : throw Invalid($"storage '{key}' is referenced with two different types or sizes");
        }

        if (numel < 0 || numel > Array.MaxLength)
        {
            throw Invalid($"storage '{key}' claims {numel} elements");
        }

        ZipArchiveEntry entry = _zip.GetEntry(_prefix + "data/" + key)
            ?? throw Invalid($"storage '{key}' has no entry {_prefix}data/{key} in the archive");
        CheckEntrySize(entry, numel * StorageTypes.ElementSize(storageType), "data/" + key);
        var storage = new Storage(key, storageType, numel, entry);
        _storages.Add(key, storage);
        return storage;
    }

    /// <summary>
    /// Materialises a tensor view (offset and strides into a storage) as a dense float32 tensor. A float32 view that
    /// is its whole storage uses the storage's array itself, read straight from the archive; the same view met
    /// again (several names for one tensor) shares the array it got the first time, as it shares storage in PyTorch.
    /// Every other view is a copy, charged to the budget before it is allocated.
    /// </summary>
    private Tensor RebuildTensor(object? storageArg, object? offsetArg, object? sizeArg, object? strideArg)
    {
        if (storageArg is not Storage storage)
        {
            throw Invalid("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        }

        TensorGeometry geometry = TensorGeometry.Parse(offsetArg, sizeArg, strideArg, storage.Numel);
        int[] shape = geometry.Shape;
        if (geometry.Numel == 0)
        {
            return storage.Type == StorageType.Int64 ? Tensor.FromInt64([], shape) : new Tensor([], shape);
        }

        string view = geometry.Key;
        if (storage.Views.TryGetValue(view, out Array? shared))
        {
            return shared is long[] sharedLongs ? Tensor.FromInt64(sharedLongs, shape) : new Tensor((float[])shared, shape);
        }

        if (storage.Type == StorageType.Int64)
        {
            long[] longs = Int64View(storage, geometry);
            storage.Views.Add(view, longs);
            return Tensor.FromInt64(longs, shape);
        }

        float[] values;
        if (storage.Type == StorageType.Float32 && geometry.IsContiguous && geometry.Offset == 0 && geometry.Numel == storage.Numel)
        {
            values = Float32Data(storage);
        }
        else
        {
            string what = geometry.Describe(storage.Key, storage.Numel);
            if (storage.Type == StorageType.Float32)
            {
                float[] source = Float32Data(storage);
                _budget.Charge(geometry.Numel * sizeof(float), what);
                values = geometry.Gather(source);
            }
            else
            {
                byte[] source = RawData(storage);
                _budget.Charge(geometry.Numel * sizeof(float), what);
                values = new float[geometry.Numel];
                int elementSize = StorageTypes.ElementSize(storage.Type);
                Gather(source, geometry.Offset * elementSize, shape, geometry.Stride, elementSize, values, storage.Type);
            }
        }

        storage.Views.Add(view, values);
        return new Tensor(values, shape);
    }

    /// <summary>
    /// An int64 view: the storage's own array when the view is all of it, read straight from the entry; otherwise a
    /// copy, charged to the budget first.
    /// </summary>
    private long[] Int64View(Storage storage, TensorGeometry geometry)
    {
        if (geometry.IsContiguous && geometry.Offset == 0 && geometry.Numel == storage.Numel && BitConverter.IsLittleEndian)
        {
            _budget.Charge(geometry.Numel * sizeof(long), $"storage '{storage.Key}' of {storage.Numel} int64 elements");
            var whole = new long[geometry.Numel];
            ReadEntryInto(storage.Entry, MemoryMarshal.AsBytes(whole.AsSpan()), "data/" + storage.Key);
            return whole;
        }

        byte[] source = RawData(storage);
        _budget.Charge(geometry.Numel * sizeof(long), geometry.Describe(storage.Key, storage.Numel));
        var values = new long[geometry.Numel];
        int[] index = new int[geometry.Shape.Length];
        for (int i = 0; i < values.Length; i++)
        {
            long at = geometry.Offset;
            for (int d = 0; d < index.Length; d++)
            {
                at += index[d] * geometry.Stride[d];
            }

            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(source.AsSpan((int)(at * sizeof(long)), sizeof(long)));
            TensorGeometry.Advance(index, geometry.Shape);
        }

        return values;
    }

    /// <summary>A float32 storage as an array, read straight from its entry the first time it is needed.</summary>
    private float[] Float32Data(Storage storage)
    {
        if (storage.Floats is not null)
        {
            return storage.Floats;
        }

        if (!BitConverter.IsLittleEndian)
        {
            byte[] raw = RawData(storage);
            _budget.Charge(storage.Numel * sizeof(float), $"storage '{storage.Key}' of {storage.Numel} float32 elements");
            storage.Floats = new float[storage.Numel];
            StorageTypes.ToFloat32(raw, storage.Type, storage.Floats);
            return storage.Floats;
        }

        _budget.Charge(storage.Numel * sizeof(float), $"storage '{storage.Key}' of {storage.Numel} float32 elements");
        var values = new float[storage.Numel];
        ReadEntryInto(storage.Entry, MemoryMarshal.AsBytes(values.AsSpan()), "data/" + storage.Key);
        storage.Floats = values;
        return values;
    }

    /// <summary>A storage's raw little-endian bytes, read once.</summary>
    private byte[] RawData(Storage storage)
    {
        if (storage.Bytes is null)
        {
            long bytes = storage.Numel * StorageTypes.ElementSize(storage.Type);
            _budget.Charge(bytes, $"storage '{storage.Key}' of {storage.Numel} elements");
            storage.Bytes = new byte[bytes];
            ReadEntryInto(storage.Entry, storage.Bytes, "data/" + storage.Key);
        }

        return storage.Bytes;
    }

    /// <summary>Converts the strided view of raw <paramref name="type"/> elements into dense float32.</summary>
    private static void Gather(byte[] source, long byteOffset, int[] shape, long[] stride, int elementSize, float[] destination, StorageType type)
    {
        int[] index = new int[shape.Length];
        for (int i = 0; i < destination.Length; i++)
        {
            long at = byteOffset;
            for (int d = 0; d < shape.Length; d++)
            {
                at += index[d] * stride[d] * elementSize;
            }

            StorageTypes.ToFloat32(source.AsSpan((int)at, elementSize), type, destination.AsSpan(i, 1));
            TensorGeometry.Advance(index, shape);
        }
    }

    private static void RejectLegacyFormats(Stream stream, long length)
    {
        Span<byte> head = stackalloc byte[4];
        long start = stream.Position;
        int read = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = start;
        if (read < 4)
        {
            throw Invalid($"the file holds {length} bytes");
        }

        if (head[0] == 0x80)
        {
            // Torch.Load sends legacy state dicts to LegacyCheckpoint; optimizer state dicts are read from zip files only.
            throw Invalid("this is PyTorch's legacy (pre-1.6, or _use_new_zipfile_serialization=False) format, in which RnnSharp " +
                "reads state dicts (Torch.Load) but not optimizer state dicts; re-save it with torch.save from PyTorch 1.6 or later");
        }

        if (head[0] != (byte)'P' || head[1] != (byte)'K')
        {
            throw Invalid("the file is not a zip archive, which torch.save writes since PyTorch 1.6");
        }
    }

    private void CheckByteOrder()
    {
        ZipArchiveEntry? entry = _zip.GetEntry(_prefix + "byteorder");
        if (entry is null)
        {
            return;
        }

        if (entry.Length > 16)
        {
            throw Invalid($"byteorder holds {entry.Length} bytes");
        }

        byte[] text = ReadEntry(entry, entry.Length, "byteorder");
        if (System.Text.Encoding.ASCII.GetString(text).Trim() != "little")
        {
            throw Invalid("the storages are big-endian; RnnSharp reads little-endian checkpoints");
        }
    }

    /// <summary>Checks that an entry claims exactly <paramref name="expected"/> bytes, and a plausible stored size.</summary>
    private void CheckEntrySize(ZipArchiveEntry entry, long expected, string what)
    {
        if (entry.Length != expected)
        {
            throw Invalid($"{what} holds {entry.Length} bytes, {expected} expected");
        }

        if (entry.CompressedLength > _archiveLength)
        {
            throw Invalid($"{what} claims {entry.CompressedLength} stored bytes in a {_archiveLength}-byte file");
        }
    }

    /// <summary>Reads an entry of exactly <paramref name="expected"/> bytes, charging it to the budget first.</summary>
    private byte[] ReadEntry(ZipArchiveEntry entry, long expected, string what)
    {
        CheckEntrySize(entry, expected, what);
        _budget.Charge(expected, what);
        byte[] data = new byte[expected];
        ReadEntryInto(entry, data, what);
        return data;
    }

    /// <summary>Fills <paramref name="destination"/> with the entry's data, which must be exactly that long.</summary>
    private static void ReadEntryInto(ZipArchiveEntry entry, Span<byte> destination, string what)
    {
        using Stream stream = entry.Open();
        int read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read != destination.Length || stream.ReadByte() != -1)
        {
            throw Invalid($"{what} does not hold the {destination.Length} bytes its header claims");
        }
    }

    private static ModelFileException Invalid(string detail) => new($"Not a valid PyTorch checkpoint: {detail}.");

    /// <summary>A storage named by the pickle: its entry, and its data once read (raw bytes, or float32 values).</summary>
    private sealed class Storage(string key, StorageType type, long numel, ZipArchiveEntry entry)
    {
        public string Key { get; } = key;

        public StorageType Type { get; } = type;

        public long Numel { get; } = numel;

        public ZipArchiveEntry Entry { get; } = entry;

        public byte[]? Bytes { get; set; }

        public float[]? Floats { get; set; }

        /// <summary>The arrays already made for views of this storage, by offset, shape and strides.</summary>
        public Dictionary<string, Array> Views { get; } = new(StringComparer.Ordinal);
    }
}
