using System.IO.Compression;
using RnnSharp.IO.Pickle;

namespace RnnSharp;

/// <summary>
/// Reads the zip archive that <c>torch.save</c> writes (the default since PyTorch 1.6): <c>&lt;name&gt;/data.pkl</c>,
/// a pickle of the state dict whose tensors point through persistent ids at raw little-endian storages
/// <c>&lt;name&gt;/data/&lt;key&gt;</c>. The pickle goes through <see cref="RestrictedUnpickler"/>, so nothing in the
/// file is ever executed.
/// </summary>
internal sealed class TorchCheckpoint : IPickleResolver
{
    /// <summary>The largest deflate expansion ratio a zip entry may claim (deflate cannot exceed about 1032).</summary>
    private const long MaxCompressionRatio = 1100;

    private readonly ZipArchive _zip;
    private readonly string _prefix;
    private readonly long _archiveLength;
    private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);

    private TorchCheckpoint(ZipArchive zip, string prefix, long archiveLength)
    {
        _zip = zip;
        _prefix = prefix;
        _archiveLength = archiveLength;
    }

    public static TensorDictionary Load(Stream stream)
    {
        stream = Seekable.From(stream);

        long length = stream.Length - stream.Position;
        RejectLegacyFormats(stream, length);
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
                var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                    && e.FullName.IndexOf('/', StringComparison.Ordinal) == e.FullName.Length - "/data.pkl".Length).ToList();
                if (pickles.Count != 1)
                {
                    throw Invalid(pickles.Count == 0
                        ? "the archive has no <name>/data.pkl entry"
                        : $"the archive has {pickles.Count} <name>/data.pkl entries");
                }

                string prefix = pickles[0].FullName[..^"data.pkl".Length];
                if (zip.GetEntry(prefix + "constants.pkl") is not null
                    || zip.Entries.Any(e => e.FullName.StartsWith(prefix + "code/", StringComparison.Ordinal)))
                {
                    throw Invalid("this is a TorchScript archive (torch.jit.save), which holds code, not a state dict; " +
                        "in Python, save model.state_dict() with torch.save and load that");
                }

                var checkpoint = new TorchCheckpoint(zip, prefix, length);
                checkpoint.CheckByteOrder();
                byte[] pickle = checkpoint.ReadEntry(pickles[0], pickles[0].Length, "data.pkl");
                object? root = RestrictedUnpickler.Load(pickle, checkpoint);
                return ToTensorDictionary(root);
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

    /// <inheritdoc/>
    public object? Reduce(PyGlobal callable, object?[] args)
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

                return RebuildTensor(args[0], args[1], args[2], args[3]);
            case "torch._utils._rebuild_parameter":
                if (args.Length != 3 || args[0] is not Tensor data)
                {
                    throw Invalid("_rebuild_parameter takes a tensor, requires_grad and hooks");
                }

                return data;
            default:
                throw Invalid($"{callable} cannot be called");
        }
    }

    /// <inheritdoc/>
    public void Build(object? target, object? state)
    {
        // OrderedDict carries its _metadata (PyTorch's per-module versions) as BUILD state; RnnSharp has no use for it.
        if (target is PyDict && state is PyDict or null)
        {
            return;
        }

        throw Invalid("BUILD is only expected on the state dict itself");
    }

    /// <inheritdoc/>
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
            _ => throw Invalid($"storage type {type} is not supported: RnnSharp loads float32, float64, float16 and bfloat16 tensors"),
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
        long bytes = numel * StorageTypes.ElementSize(storageType);
        var storage = new Storage(storageType, numel, ReadEntry(entry, bytes, "data/" + key));
        _storages.Add(key, storage);
        return storage;
    }

    private static TensorDictionary ToTensorDictionary(object? root)
    {
        if (root is not PyDict dict)
        {
            throw Invalid("the pickle does not hold a state dict (a dict of names to tensors)");
        }

        var entries = new List<KeyValuePair<string, Tensor>>(dict.Entries.Count);
        foreach (KeyValuePair<object?, object?> entry in dict.Entries)
        {
            if (entry.Key is not string name || entry.Value is not Tensor tensor)
            {
                throw Invalid($"the state dict maps {entry.Key ?? "None"} to something that is not a tensor");
            }

            entries.Add(new(name, tensor));
        }

        return new TensorDictionary(entries);
    }

    /// <summary>Gathers a tensor view (offset and strides into a storage) into a new contiguous float32 tensor.</summary>
    private static Tensor RebuildTensor(object? storageArg, object? offsetArg, object? sizeArg, object? strideArg)
    {
        if (storageArg is not Storage storage || offsetArg is not long offset
            || sizeArg is not object?[] sizes || strideArg is not object?[] strides || sizes.Length != strides.Length)
        {
            throw Invalid("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        }

        if (sizes.Length > 64)
        {
            throw Invalid($"a tensor has {sizes.Length} dimensions");
        }

        int[] shape = new int[sizes.Length];
        long[] stride = new long[sizes.Length];
        long numel = 1;
        long lastIndex = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (sizes[d] is not long size || size < 0 || size > int.MaxValue || strides[d] is not long step || step < 0)
            {
                throw Invalid("a tensor's size and stride must be non-negative integers");
            }

            shape[d] = (int)size;
            stride[d] = step;
            numel *= size;
            if (numel > Array.MaxLength)
            {
                throw Invalid($"a tensor of shape {ShapeMath.Format(shape.AsSpan(0, d + 1))}... holds too many elements");
            }

            if (size > 0)
            {
                lastIndex = checked(lastIndex + ((size - 1) * step));
            }
        }

        if (offset < 0 || (numel > 0 && lastIndex >= storage.Numel))
        {
            throw Invalid($"a tensor of shape {ShapeMath.Format(shape)} at offset {offset} with strides [{string.Join(", ", stride)}] reaches past its storage of {storage.Numel} elements");
        }

        float[] values = new float[numel];
        int size1 = StorageTypes.ElementSize(storage.Type);
        if (IsContiguous(shape, stride))
        {
            StorageTypes.ToFloat32(storage.Bytes.AsSpan((int)(offset * size1), (int)(numel * size1)), storage.Type, values);
        }
        else
        {
            int[] index = new int[shape.Length];
            for (int i = 0; i < values.Length; i++)
            {
                long at = offset;
                for (int d = 0; d < shape.Length; d++)
                {
                    at += index[d] * stride[d];
                }

                StorageTypes.ToFloat32(storage.Bytes.AsSpan((int)(at * size1), size1), storage.Type, values.AsSpan(i, 1));
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    if (++index[d] < shape[d])
                    {
                        break;
                    }

                    index[d] = 0;
                }
            }
        }

        return new Tensor(values, shape);
    }

    private static bool IsContiguous(int[] shape, long[] stride)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != expected)
            {
                return false;
            }

            expected *= shape[d];
        }

        return true;
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
            throw Invalid("this is PyTorch's legacy (pre-1.6, or _use_new_zipfile_serialization=False) format, which RnnSharp does not read; " +
                "re-save it with torch.save(state_dict, path) from PyTorch 1.6 or later, or as safetensors");
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

        byte[] text = ReadEntry(entry, Math.Min(entry.Length, 16), "byteorder");
        if (System.Text.Encoding.ASCII.GetString(text).Trim() != "little")
        {
            throw Invalid("the storages are big-endian; RnnSharp reads little-endian checkpoints");
        }
    }

    /// <summary>Reads an entry of exactly <paramref name="expected"/> bytes, checking its claimed size before allocating.</summary>
    private byte[] ReadEntry(ZipArchiveEntry entry, long expected, string what)
    {
        if (entry.Length != expected)
        {
            throw Invalid($"{what} holds {entry.Length} bytes, {expected} expected");
        }

        if (entry.CompressedLength > _archiveLength || expected > Math.Max(entry.CompressedLength, 1) * MaxCompressionRatio || expected > Array.MaxLength)
        {
            throw Invalid($"{what} claims {expected} bytes from {entry.CompressedLength} stored in a {_archiveLength}-byte file");
        }

        byte[] data = new byte[expected];
        using Stream stream = entry.Open();
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read != data.Length || stream.ReadByte() != -1)
        {
            throw Invalid($"{what} does not hold the {expected} bytes its header claims");
        }

        return data;
    }

    private static ModelFileException Invalid(string detail) => new($"Not a valid PyTorch checkpoint: {detail}.");

    /// <summary>A storage's raw little-endian bytes.</summary>
    private sealed record Storage(StorageType Type, long Numel, byte[] Bytes);
}
