using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using RnnSharp.IO.Pickle;

namespace RnnSharp;

/// <summary>
/// Reads PyTorch's legacy checkpoint format: what <c>torch.save</c> wrote before PyTorch 1.6, and still writes with
/// <c>_use_new_zipfile_serialization=False</c> (<c>_legacy_save</c> in <c>torch/serialization.py</c>). The file is
/// five pickles in a row — the magic number <c>0x1950a86a20f9469cfc6c</c>, the protocol version 1001, a sys-info
/// dict, the state dict, the sorted list of storage keys — then, per key, an 8-byte little-endian element count and
/// the storage's raw little-endian elements. The state dict's tensors reach their storages through persistent ids
/// <c>('storage', storage_type, key, location, numel, view_metadata)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Every pickle goes through <see cref="RestrictedUnpickler"/>, so nothing in the file is ever executed. A storage
/// must lie inside the file: its size is checked against the bytes left before anything is allocated, and every
/// allocation is charged to an <see cref="AllocationBudget"/> first. Contiguous tensors are views sharing their
/// storage's array (and its write counter), as they share storage in PyTorch; other strided tensors are copied out.
/// </para>
/// <para>
/// Checks beyond PyTorch's (which loads such files with uninitialised or overwritten storages): every storage the
/// state dict names is listed exactly once in the key list, and the list names no other. PyTorch's oldest format
/// (a tar archive, before 0.4) is recognised and refused.
/// </para>
/// </remarks>
internal sealed class LegacyCheckpoint : IPickleResolver
{
    private const long ProtocolVersion = 1001;
    private const string StatePickle = "the state dict's pickle";

    /// <summary>The magic number's LONG1 payload: 0x1950a86a20f9469cfc6c, little-endian.</summary>
    private static readonly byte[] MagicNumber = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    private readonly Stream _stream;
    private readonly long _length;
    private readonly AllocationBudget _budget;
    private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StorageRef> _views = new(StringComparer.Ordinal);

    private LegacyCheckpoint(Stream stream, long length, AllocationBudget budget)
    {
        _stream = stream;
        _length = length;
        _budget = budget;
    }

    /// <summary>
    /// Whether the seekable <paramref name="stream"/> holds a legacy checkpoint (it starts with a pickle's PROTO
    /// opcode) or PyTorch's older tar layout, both of which this reader handles; its position is left unchanged.
    /// </summary>
    public static bool Recognizes(Stream stream)
    {
        try
        {
            long start = stream.Position;
            byte[] head = new byte[512];
            int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = start;
            return (read > 0 && head[0] == 0x80) || IsTar(head.AsSpan(0, read));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads the legacy checkpoint at <paramref name="stream"/>'s position (a seekable stream).</summary>
    /// <exception cref="ModelFileException">The file is not a valid or allowed legacy checkpoint, or exceeds the budget.</exception>
    public static TensorDictionary Load(Stream stream, long? maxBytes)
    {
        try
        {
            long length = stream.Length - stream.Position;
            var checkpoint = new LegacyCheckpoint(stream, length, new AllocationBudget(maxBytes, length, "Torch.Load"));
            return checkpoint.Read();
        }
        catch (OverflowException e)
        {
            throw new ModelFileException("Not a valid PyTorch checkpoint: a tensor's size, offset or strides overflow.", e);
        }
        catch (Exception e) when (e is not ModelFileException)
        {
            // As in TorchCheckpoint.Load: every specific failure is reported with what is wrong; this keeps the promise
            // that a load ends in a ModelFileException whatever the bytes are. The fuzz tests treat reaching it as a bug.
            throw new ModelFileException($"Not a valid PyTorch checkpoint: reading it failed unexpectedly ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private TensorDictionary Read()
    {
        long start = _stream.Position;
        byte[] head = new byte[512];
        int read = _stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        _stream.Position = start;
        if (IsTar(head.AsSpan(0, read)))
        {
            throw Invalid("this is PyTorch's oldest checkpoint layout (a tar archive of storages, tensors and pickle, " +
                "written before PyTorch 0.4), which RnnSharp does not read; load it in PyTorch and save the state dict again with torch.save");
        }

        CheckMagicNumber(PickleSplitter.Next(_stream, "the magic number's pickle"));
        object? protocol = RestrictedUnpickler.Load(PickleSplitter.Next(_stream, "the protocol version's pickle"), PlainData.Instance, "the protocol version's pickle");
        if (protocol is not ProtocolVersion)
        {
            throw Invalid(protocol switch
            {
                string text => $"Invalid protocol version: {text} (a string; the integer 1001 expected)",
                _ => $"Invalid protocol version: {Convert.ToString(protocol, CultureInfo.InvariantCulture) ?? "None"} (1001 expected)",
            });
        }

        // PyTorch reads the sys-info dict and ignores it (storages are little-endian whatever it says); so does RnnSharp.
        RestrictedUnpickler.Load(PickleSplitter.Next(_stream, "the sys-info pickle"), PlainData.Instance, "the sys-info pickle");
        object? root = RestrictedUnpickler.Load(PickleSplitter.Next(_stream, StatePickle), this, StatePickle);
        List<KeyValuePair<string, PendingTensor>> entries = StateDictGlobals.Entries<PendingTensor>(root);
        object? keys = RestrictedUnpickler.Load(PickleSplitter.Next(_stream, "the storage keys' pickle"), PlainData.Instance, "the storage keys' pickle");
        ReadStorages(keys);

        // Bytes after the last storage are ignored, as PyTorch ignores them.
        return new TensorDictionary(entries.Select(e => new KeyValuePair<string, Tensor>(e.Key, Materialize(e.Value))));
    }

    private static bool IsTar(ReadOnlySpan<byte> head) => head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8);

    private static void CheckMagicNumber(byte[] pickle)
    {
        // PROTO n, an optional FRAME, then LONG1 of the 10 magic bytes, STOP.
        ReadOnlySpan<byte> rest = pickle;
        if (rest.Length >= 2 && rest[0] == 0x80)
        {
            rest = rest[2..];
        }

        if (rest.Length >= 9 && rest[0] == 0x95)
        {
            rest = rest[9..];
        }

        if (rest.Length != 13 || rest[0] != 0x8a || rest[1] != 10 || !rest.Slice(2, 10).SequenceEqual(MagicNumber) || rest[12] != (byte)'.')
        {
            throw Invalid("Invalid magic number; corrupt file?");
        }
    }

    /// <summary>Reads every storage the key list names, in its order: an 8-byte element count, then the elements.</summary>
    private void ReadStorages(object? keys)
    {
        if (keys is not List<object?> list)
        {
            throw Invalid("the storage keys' pickle does not hold a list of the storage keys");
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (object? item in list)
        {
            if (item is not string key)
            {
                throw Invalid("the storage keys' pickle holds something that is not a storage key");
            }

            if (!_storages.TryGetValue(key, out Storage? storage))
            {
                throw Invalid($"the key list names storage '{key}', which no tensor of the state dict uses");
            }

            if (!listed.Add(key))
            {
                throw Invalid($"storage '{key}' is listed twice in the key list");
            }

            ReadStorage(storage);
        }

        foreach (Storage storage in _storages.Values)
        {
            if (!listed.Contains(storage.Key))
            {
                throw Invalid($"storage '{storage.Key}' is never read: the key list leaves it out");
            }
        }
    }

    private void ReadStorage(Storage storage)
    {
        Span<byte> header = stackalloc byte[8];
        ReadExactly(header, storage.Key);
        long count = BinaryPrimitives.ReadInt64LittleEndian(header);
        int elementSize = storage.Kind.ElementSize;
        if (count != storage.Numel)
        {
            throw Invalid($"storage has wrong byte size: storage '{storage.Key}' holds {storage.Numel} elements of {elementSize} bytes in the state dict, but its record in the file says {count}");
        }

        long bytes = storage.Numel * elementSize;
        long left = _stream.Length - _stream.Position;
        if (bytes > left)
        {
            throw Invalid($"storage '{storage.Key}': unexpected EOF, expected {bytes - left} more bytes. The file might be corrupted.");
        }

        string what = $"storage '{storage.Key}' of {storage.Numel} {storage.Kind.Name} elements";
        if (storage.Kind.Type is null)
        {
            _budget.Charge(storage.Numel * sizeof(long), what);
            storage.Longs = new long[storage.Numel];
            ReadExactly(MemoryMarshal.AsBytes(storage.Longs.AsSpan()), storage.Key);
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(storage.Longs, storage.Longs);
            }

            return;
        }

        _budget.Charge(storage.Numel * sizeof(float), what);
        storage.Floats = new float[storage.Numel];
        if (storage.Kind.Type == StorageType.Float32 && BitConverter.IsLittleEndian)
        {
            ReadExactly(MemoryMarshal.AsBytes(storage.Floats.AsSpan()), storage.Key);
            return;
        }

        // Other float types are converted to float32 a chunk at a time, through one pooled buffer.
        const int Chunk = 8192;
        byte[] raw = ArrayPool<byte>.Shared.Rent(Chunk * elementSize);
        try
        {
            for (int done = 0; done < storage.Floats.Length; done += Chunk)
            {
                int n = Math.Min(Chunk, storage.Floats.Length - done);
                ReadExactly(raw.AsSpan(0, n * elementSize), storage.Key);
                StorageTypes.ToFloat32(raw.AsSpan(0, n * elementSize), storage.Kind.Type.Value, storage.Floats.AsSpan(done, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private void ReadExactly(Span<byte> destination, string key)
    {
        int read = _stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read != destination.Length)
        {
            throw Invalid($"storage '{key}': unexpected EOF, expected {destination.Length - read} more bytes. The file might be corrupted.");
        }
    }

    /// <inheritdoc/>
    public object? Reduce(PyGlobal callable, object?[] args) =>
        StateDictGlobals.Reduce(callable, args, a => a[0] is StorageRef storage
            ? new PendingTensor(storage, TensorGeometry.Parse(a[1], a[2], a[3], storage.Size))
            : throw Invalid("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)"));

    /// <inheritdoc/>
    public void Build(object? target, object? state) => StateDictGlobals.Build(target, state);

    /// <inheritdoc/>
    /// <remarks>Checks the storage's claims; its data is read after the state dict's pickle, in key-list order.</remarks>
    public object? PersistentLoad(object? id)
    {
        if (id is object?[] { Length: > 0 } module && module[0] is "module")
        {
            throw Invalid("the file holds a pickled nn.Module (torch.save(model)), which is code, not a state dict; " +
                "in Python, save model.state_dict() and load that");
        }

        if (id is not object?[] { Length: 6 } tuple || tuple[0] is not "storage" || tuple[1] is not PyGlobal type
            || tuple[2] is not string key || tuple[3] is not string || tuple[4] is not long numel)
        {
            throw Invalid("a persistent id is not ('storage', storage_type, key, location, numel, view_metadata)");
        }

        StorageKind kind = StorageKind.Of(type) ?? throw Invalid(
            $"storage type {type} is not supported: RnnSharp loads float32, float64, float16, bfloat16 and int64 tensors");
        if (numel < 0 || numel > Array.MaxLength || numel * kind.ElementSize > _length)
        {
            throw Invalid($"storage '{key}' claims {numel} elements, more than the file's {_length} bytes can hold");
        }

        if (_storages.TryGetValue(key, out Storage? storage))
        {
            if (storage.Kind != kind || storage.Numel != numel)
            {
                throw Invalid($"storage '{key}' is referenced with two different types or sizes");
            }
        }
        else
        {
            storage = new Storage(key, kind, numel);
            _storages.Add(key, storage);
        }

        return tuple[5] switch
        {
            null => new StorageRef(storage, 0, numel),
            object?[] { Length: 3 } view when view[0] is string viewKey && view[1] is long offset && view[2] is long size =>
                View(storage, viewKey, offset, size),
            _ => throw Invalid("a storage's view_metadata is not (view_key, offset, size)"),
        };
    }

    /// <summary>A storage view (<c>view_metadata</c>, written by PyTorch before 0.4): a slice of a root storage.</summary>
    private StorageRef View(Storage root, string viewKey, long offset, long size)
    {
        if (offset < 0 || size < 0 || offset > root.Numel - size)
        {
            throw Invalid($"storage view '{viewKey}' of {size} elements at offset {offset} reaches past storage '{root.Key}' of {root.Numel} elements");
        }

        var view = new StorageRef(root, offset, size);
        if (_views.TryGetValue(viewKey, out StorageRef? known))
        {
            return known == view ? known : throw Invalid($"storage view '{viewKey}' is described twice, differently");
        }

        _views.Add(viewKey, view);
        return view;
    }

    /// <summary>
    /// The tensor over its storage, now read: a view sharing the storage's array when it is contiguous; otherwise a
    /// copy, charged to the budget first (and made once per distinct view of a storage).
    /// </summary>
    private Tensor Materialize(PendingTensor pending)
    {
        if (pending.Result is not null)
        {
            return pending.Result;
        }

        Storage storage = pending.Storage.Root;
        TensorGeometry geometry = pending.Geometry;
        long viewOffset = pending.Storage.Offset;
        bool isLong = storage.Kind.Type is null;
        Tensor result;
        if (geometry.Numel == 0)
        {
            result = isLong ? Tensor.FromInt64([], geometry.Shape) : new Tensor([], geometry.Shape);
        }
        else if (geometry.IsContiguous)
        {
            int start = (int)(viewOffset + geometry.Offset);
            result = isLong
                ? Tensor.Int64ViewOf(storage.Longs!, start, geometry.Shape, storage.Version)
                : Tensor.ViewOf(storage.Floats!, start, geometry.Shape, storage.Version);
        }
        else
        {
            string view = string.Create(CultureInfo.InvariantCulture, $"{viewOffset}+{geometry.Key}");
            if (!storage.Copies.TryGetValue(view, out Tensor? copy))
            {
                _budget.Charge(geometry.Numel * (isLong ? sizeof(long) : sizeof(float)), geometry.Describe(storage.Key, storage.Numel));
                copy = isLong
                    ? Tensor.FromInt64(geometry.Gather(storage.Longs!, viewOffset), geometry.Shape)
                    : new Tensor(geometry.Gather(storage.Floats!, viewOffset), geometry.Shape);
                storage.Copies.Add(view, copy);
            }

            result = copy;
        }

        pending.Result = result;
        return result;
    }

    private static ModelFileException Invalid(string detail) =>
        new($"Not a valid PyTorch checkpoint: {detail}{(detail.EndsWith('.') || detail.EndsWith('?') ? string.Empty : ".")}");

    /// <summary>A storage type the reader loads: float32 (and the float types converted to it) or int64 (<see cref="Type"/> null).</summary>
    private sealed record StorageKind(string Name, StorageType? Type, int ElementSize)
    {
        public static StorageKind? Of(PyGlobal type) => type.ToString() switch
        {
            "torch.FloatStorage" => new("float32", StorageType.Float32, 4),
            "torch.DoubleStorage" => new("float64", StorageType.Float64, 8),
            "torch.HalfStorage" => new("float16", StorageType.Float16, 2),
            "torch.BFloat16Storage" => new("bfloat16", StorageType.BFloat16, 2),
            "torch.LongStorage" => new("int64", null, 8),
            _ => null,
        };
    }

    /// <summary>A storage the state dict names: its claims, then its data (float32, or int64) once read.</summary>
    private sealed class Storage(string key, StorageKind kind, long numel)
    {
        public string Key { get; } = key;

        public StorageKind Kind { get; } = kind;

        public long Numel { get; } = numel;

        public float[]? Floats { get; set; }

        public long[]? Longs { get; set; }

        /// <summary>The write counter shared by every view of this storage.</summary>
        public StorageVersion Version { get; } = new();

        /// <summary>The copies already made of non-contiguous views of this storage, by offset, shape and strides.</summary>
        public Dictionary<string, Tensor> Copies { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>What a persistent id resolves to: a root storage, or a slice of one (a storage view).</summary>
    private sealed record StorageRef(Storage Root, long Offset, long Size);

    /// <summary>A tensor the state dict describes (<c>_rebuild_tensor_v2</c>), built once its storage is read.</summary>
    private sealed class PendingTensor(StorageRef storage, TensorGeometry geometry)
    {
        public StorageRef Storage { get; } = storage;

        public TensorGeometry Geometry { get; } = geometry;

        public Tensor? Result { get; set; }
    }

    /// <summary>For the pickles that hold plain data only (protocol version, sys-info, key list): calls nothing.</summary>
    private sealed class PlainData : IPickleResolver
    {
        public static readonly PlainData Instance = new();

        public object? Reduce(PyGlobal callable, object?[] args) => throw Invalid($"{callable} is called where only plain data is expected");

        public void Build(object? target, object? state) => throw Invalid("BUILD is used where only plain data is expected");

        public object? PersistentLoad(object? id) => throw Invalid("a persistent id is used where only plain data is expected");
    }
}
