using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace RnnSharp;

/// <summary>
/// Reads and writes the <see href="https://github.com/huggingface/safetensors">safetensors</see> format: an
/// 8-byte little-endian header length, a JSON header naming every tensor's dtype, shape and byte range, then the
/// raw little-endian data. Nothing in a file is ever executed; every length and offset is checked before any
/// large allocation.
/// </summary>
/// <remarks>
/// F32 tensors load without conversion; F16, BF16 and F64 are converted to float32. Other dtypes (integers,
/// booleans, 8-bit floats) are refused with a <see cref="ModelFileException"/>, since RnnSharp tensors are float32.
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Reads a safetensors file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors in header order, and the file's <c>__metadata__</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <param name="maxBytes">
    /// The most the load may allocate, in bytes; <see langword="null"/> (the default) for
    /// <see cref="LoadBudget.Default"/> of the file's size (4 × the size + 16 MiB).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">
    /// The file is not valid safetensors, holds a dtype RnnSharp cannot load, or loading it would exceed the budget.
    /// Every problem with the file's contents, whatever the bytes are, ends in this exception.
    /// </exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static TensorDictionary LoadFile(string path, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Torch.CheckMaxBytes(maxBytes);
        using FileStream stream = File.OpenRead(path);
        return Load(stream, maxBytes);
    }

    /// <summary>Reads safetensors from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">The data; a stream that cannot seek is first copied into memory (as much as it really holds).</param>
    /// <returns>The tensors in header order, and the file's <c>__metadata__</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <param name="maxBytes">
    /// The most the load may allocate besides the copy of a non-seekable stream, in bytes; <see langword="null"/>
    /// (the default) for <see cref="LoadBudget.Default"/> of the data's size.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">
    /// The data is not valid safetensors, holds a dtype RnnSharp cannot load, or loading it would exceed the budget.
    /// </exception>
    public static TensorDictionary Load(Stream stream, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Torch.CheckMaxBytes(maxBytes);
        try
        {
            return LoadCore(Seekable.From(stream), maxBytes);
        }
        catch (Exception e) when (e is not ModelFileException)
        {
            // Every specific failure is reported with what is wrong; this only keeps the promise that a load ends
            // in a ModelFileException whatever the bytes are. The fuzz tests treat reaching it as a bug.
            throw new ModelFileException($"Not a valid safetensors file: reading it failed unexpectedly ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    private static TensorDictionary LoadCore(Stream stream, long? maxBytes)
    {

        long available = stream.Length - stream.Position;
        if (available < 8)
        {
            throw Invalid($"the file holds {available} bytes; a safetensors file starts with an 8-byte header length");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(available - 8))
        {
            throw Invalid($"the header length {headerLength} exceeds the {available - 8} bytes that follow it");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw Invalid($"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        }

        var budget = new AllocationBudget(maxBytes, available, "SafeTensors.Load");
        budget.Charge((long)headerLength, "the JSON header");
        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = available - 8 - (long)headerLength;
        (List<Entry> entries, Dictionary<string, string> metadata) = ParseHeader(header, dataLength);

        // Data: read in file order, straight into each tensor's storage for F32.
        var tensors = new Tensor[entries.Count];
        long dataStart = stream.Position;
        foreach (Entry entry in entries.OrderBy(e => e.Begin))
        {
            stream.Position = dataStart + entry.Begin;
            budget.Charge(entry.Elements * sizeof(float), $"the tensor \"{entry.Name}\"");
            float[] values = new float[entry.Elements];
            if (entry.Type == StorageType.Float32 && BitConverter.IsLittleEndian)
            {
                stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            }
            else
            {
                budget.Charge(entry.End - entry.Begin, $"the raw data of \"{entry.Name}\"");
                byte[] raw = new byte[entry.End - entry.Begin];
                stream.ReadExactly(raw);
                StorageTypes.ToFloat32(raw, entry.Type, values);
            }

            tensors[entry.Index] = new Tensor(values, entry.Shape);
        }

        return new TensorDictionary(entries.Select(e => new KeyValuePair<string, Tensor>(e.Name, tensors[e.Index])), metadata);
    }

    /// <summary>
    /// Writes tensors as a safetensors file (F32, in the dictionary's order), replacing <paramref name="path"/>
    /// only once the whole file is written.
    /// </summary>
    /// <param name="tensors">The tensors by name, e.g. <see cref="Module.StateDict"/>.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="metadata">String metadata stored as <c>__metadata__</c>; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensors"/>, <paramref name="path"/> or a tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>, or the data would exceed the format's limits.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void SaveFile(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.Write(path, stream => Save(tensors, stream, metadata));
    }

    /// <summary>Writes tensors in the safetensors format (F32, in the dictionary's order) to <paramref name="stream"/>.</summary>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="stream">Where to write.</param>
    /// <param name="metadata">String metadata stored as <c>__metadata__</c>; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tensors"/>, <paramref name="stream"/> or a tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A tensor is named <c>__metadata__</c>.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(stream);
        var list = tensors.ToList();
        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> item in metadata)
                {
                    writer.WriteString(item.Key, item.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (KeyValuePair<string, Tensor> item in list)
            {
                ArgumentNullException.ThrowIfNull(item.Value, nameof(tensors));
                if (item.Key == MetadataKey)
                {
                    throw new ArgumentException($"A tensor cannot be named \"{MetadataKey}\": the format reserves it.", nameof(tensors));
                }

                long bytes = 4L * item.Value.NumElements;
                writer.WriteStartObject(item.Key);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in item.Value.Shape)
                {
                    writer.WriteNumberValue(d);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }

            writer.WriteEndObject();
        }

        // The header is padded with spaces so that the data starts on an 8-byte boundary.
        int padding = (int)((8 - (json.Length % 8)) % 8);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.Length + padding));
        stream.Write(prefix);
        stream.Write(json.GetBuffer().AsSpan(0, (int)json.Length));
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }

        foreach (KeyValuePair<string, Tensor> item in list)
        {
            ReadOnlySpan<float> values = item.Value.AsReadOnlySpan();
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.AsBytes(values));
            }
            else
            {
                byte[] buffer = new byte[4];
                foreach (float v in values)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer, v);
                    stream.Write(buffer);
                }
            }
        }
    }

    private static (List<Entry> Entries, Dictionary<string, string> Metadata) ParseHeader(byte[] header, long dataLength)
    {
        var entries = new List<Entry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
            Expect(ref reader, JsonTokenType.StartObject, "the header must be a JSON object");
            while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!names.Add(name))
                {
                    throw Invalid($"the header names \"{name}\" twice");
                }

                if (name == MetadataKey)
                {
                    ReadMetadata(ref reader, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(ref reader, name, entries.Count));
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw Invalid("the header must be a JSON object");
            }

            // Only whitespace (the padding) may follow the object: the reader rejects anything else.
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"Not a valid safetensors file: the header is not valid JSON ({e.Message}).", e);
        }
        catch (InvalidOperationException e)
        {
            throw new ModelFileException($"Not a valid safetensors file: the header is not valid JSON ({e.Message}).", e);
        }

        CheckLayout(entries, dataLength);
        return (entries, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        Read(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, $"\"{MetadataKey}\" must be an object of strings");
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Read(ref reader);
            Expect(ref reader, JsonTokenType.String, $"\"{MetadataKey}\" must be an object of strings (\"{key}\" is not a string)");
            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw Invalid($"\"{MetadataKey}\" names \"{key}\" twice");
            }
        }
    }

    private static Entry ReadEntry(ref Utf8JsonReader reader, string name, int index)
    {
        Read(ref reader);
        Expect(ref reader, JsonTokenType.StartObject, $"the entry \"{name}\" must be an object");
        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (Read(ref reader) && reader.TokenType == JsonTokenType.PropertyName)
        {
            string property = reader.GetString()!;
            Read(ref reader);
            switch (property)
            {
                case "dtype" when dtype is null:
                    Expect(ref reader, JsonTokenType.String, $"the dtype of \"{name}\" must be a string");
                    dtype = reader.GetString();
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(ref reader, name, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(ref reader, name, "data_offsets");
                    break;
                default:
                    throw Invalid($"the entry \"{name}\" has an unexpected or repeated field \"{property}\"");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Invalid($"the entry \"{name}\" must have dtype, shape and data_offsets");
        }

        StorageType type = dtype switch
        {
            "F32" => StorageType.Float32,
            "F64" => StorageType.Float64,
            "F16" => StorageType.Float16,
            "BF16" => StorageType.BFloat16,
            "I8" or "I16" or "I32" or "I64" or "U8" or "U16" or "U32" or "U64" or "BOOL" or "F8_E4M3" or "F8_E5M2" =>
                throw Invalid($"the tensor \"{name}\" has dtype {dtype}; RnnSharp loads F32, F64, F16 and BF16 only"),
            _ => throw Invalid($"the tensor \"{name}\" has an unknown dtype \"{dtype}\""),
        };

        if (offsets.Count != 2)
        {
            throw Invalid($"data_offsets of \"{name}\" must be [begin, end], got {offsets.Count} numbers");
        }

        long elements = 1;
        int[] dims = new int[shape.Count];
        for (int d = 0; d < dims.Length; d++)
        {
            if (shape[d] > int.MaxValue)
            {
                throw Invalid($"dimension {d} of \"{name}\" is {shape[d]}, more than RnnSharp tensors hold");
            }

            dims[d] = (int)shape[d];
            elements *= shape[d];
            if (elements > Array.MaxLength)
            {
                throw Invalid($"the shape of \"{name}\" ({ShapeMath.Format(dims.AsSpan(0, d + 1))}...) holds more than {Array.MaxLength} elements");
            }
        }

        long bytes = elements * StorageTypes.ElementSize(type);
        if (offsets[1] < offsets[0] || offsets[1] - offsets[0] != bytes)
        {
            throw Invalid($"\"{name}\" is {dtype} of shape {ShapeMath.Format(dims)} ({bytes} bytes) but data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes");
        }

        return new Entry(index, name, type, dims, (int)elements, offsets[0], offsets[1]);
    }

    /// <summary>The byte ranges must tile the data exactly: no hole, no overlap, nothing past the end.</summary>
    private static void CheckLayout(List<Entry> entries, long dataLength)
    {
        long expected = 0;
        foreach (Entry entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.End > dataLength)
            {
                throw Invalid($"\"{entry.Name}\" ends at byte {entry.End} of a {dataLength}-byte data section");
            }

            if (entry.Begin != expected)
            {
                throw Invalid(entry.Begin < expected
                    ? $"\"{entry.Name}\" starts at byte {entry.Begin}, inside the previous tensor (which ends at {expected})"
                    : $"\"{entry.Name}\" starts at byte {entry.Begin}, leaving a hole after byte {expected}");
            }

            expected = entry.End;
        }

        if (expected != dataLength)
        {
            throw Invalid($"the tensors cover {expected} bytes but the data section holds {dataLength}");
        }
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string field)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"the {field} of \"{name}\" must be an array of integers");
        var values = new List<long>();
        while (Read(ref reader) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
            {
                throw Invalid($"the {field} of \"{name}\" must hold non-negative integers");
            }

            if (values.Count >= 64)
            {
                throw Invalid($"the {field} of \"{name}\" has more than 64 entries");
            }

            values.Add(value);
        }

        return values;
    }

    private static bool Read(ref Utf8JsonReader reader) =>
        reader.Read() ? true : throw Invalid("the header ends in the middle of its JSON");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string message)
    {
        if (reader.TokenType == JsonTokenType.None)
        {
            Read(ref reader);
        }

        if (reader.TokenType != type)
        {
            throw Invalid(message);
        }
    }

    private static ModelFileException Invalid(string detail) => new($"Not a valid safetensors file: {detail}.");

    private sealed record Entry(int Index, string Name, StorageType Type, int[] Shape, int Elements, long Begin, long End);
}
