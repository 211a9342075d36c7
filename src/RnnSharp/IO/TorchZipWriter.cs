using System.Buffers.Binary;
using System.Text;

namespace RnnSharp;

/// <summary>
/// Writes a zip archive byte for byte as PyTorch 1.13's <c>PyTorchStreamWriter</c> (<c>caffe2/serialize/
/// inline_container.cc</c>, over miniz 2.1.0 with <c>MZ_ZIP_FLAG_WRITE_ZIP64</c>) writes it: every record
/// <c>&lt;archive&gt;/&lt;name&gt;</c> stored uncompressed with zero times, its data 64-byte aligned by an
/// <c>FB</c> extra field padded with <c>Z</c>s, sizes and CRC in a data descriptor after the data (none for an
/// empty record), zip64 fields where an entry or offset reaches 4 GiB, and a zip64 end-of-central-directory record
/// before the classic one.
/// </summary>
internal sealed class TorchZipWriter
{
    /// <summary>PyTorch's <c>kFieldAlignment</c>: every record's data starts at a multiple of this offset.</summary>
    public const int Alignment = 64;

    private const uint Max32 = uint.MaxValue;
    private readonly Stream _stream;
    private readonly string _prefix;
    private readonly List<CentralEntry> _entries = [];
    private readonly byte[] _scratch = new byte[128];
    private long _position;
    private Record? _open;

    public TorchZipWriter(Stream stream, string archiveName)
    {
        _stream = stream;
        _prefix = archiveName + "/";
    }

    /// <summary>Writes a whole record.</summary>
    public void WriteRecord(string name, ReadOnlySpan<byte> data)
    {
        BeginRecord(name, data.Length);
        WriteData(data);
        EndRecord();
    }

    /// <summary>Starts a record of <paramref name="size"/> bytes; write them with <see cref="WriteData"/>, then <see cref="EndRecord"/>.</summary>
    public void BeginRecord(string name, long size)
    {
        byte[] fullName = Encoding.UTF8.GetBytes(_prefix + name);
        long offset = _position;
        bool big = size >= Max32;
        bool far = offset >= Max32;

        // getPadding: the data starts after the 30-byte header, the name, the zip64 field if any and the FB header.
        long start = offset + 30 + fullName.Length + 4;
        if (big || far)
        {
            start += 4 + (big ? 16 : 0) + (far ? 8 : 0);
        }

        int padding = (int)((Alignment - (start % Alignment)) % Alignment);
        byte[] zip64 = Zip64Extra(big ? size : null, big ? 0 : null, far ? offset : null);
        ushort flags = (ushort)(size > 0 ? 0x0808 : 0x0800); // UTF-8 names; a data descriptor when there is data

        Span<byte> header = _scratch.AsSpan(0, 30);
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(header[26..], (ushort)fullName.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)(zip64.Length + 4 + padding));
        Write(header);
        Write(fullName);
        Write(zip64);
        Span<byte> fb = _scratch.AsSpan(0, 4);
        fb[0] = (byte)'F';
        fb[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(fb[2..], (ushort)padding);
        Write(fb);
        for (int i = 0; i < padding; i++)
        {
            _scratch[i] = (byte)'Z';
        }

        Write(_scratch.AsSpan(0, padding));
        _open = new Record(fullName, offset, size, flags, big || far);
    }

    /// <summary>Writes the next bytes of the open record.</summary>
    public void WriteData(ReadOnlySpan<byte> data)
    {
        Record record = _open!;
        record.Crc = Crc32.Append(record.Crc, data);
        record.Written += data.Length;
        Write(data);
    }

    /// <summary>Ends the open record with its data descriptor.</summary>
    public void EndRecord()
    {
        Record record = _open!;
        if (record.Written != record.Size)
        {
            throw new InvalidOperationException($"The record {Encoding.UTF8.GetString(record.Name)} was declared {record.Size} bytes, {record.Written} were written.");
        }

        if (record.Size > 0)
        {
            Span<byte> descriptor = _scratch.AsSpan(0, record.Zip64 ? 24 : 16);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor, 0x08074b50);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[4..], record.Crc);
            if (record.Zip64)
            {
                BinaryPrimitives.WriteInt64LittleEndian(descriptor[8..], record.Size);
                BinaryPrimitives.WriteInt64LittleEndian(descriptor[16..], record.Size);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], (uint)record.Size);
                BinaryPrimitives.WriteUInt32LittleEndian(descriptor[12..], (uint)record.Size);
            }

            Write(descriptor);
        }

        _entries.Add(new CentralEntry(record.Name, record.Offset, record.Size, record.Crc, record.Flags));
        _open = null;
    }

    /// <summary>Writes the central directory, the zip64 end records and the end-of-central-directory record.</summary>
    public void Finish()
    {
        long directoryOffset = _position;
        foreach (CentralEntry entry in _entries)
        {
            bool big = entry.Size >= Max32;
            bool far = entry.Offset >= Max32;
            byte[] zip64 = big || far ? Zip64Extra(big ? entry.Size : null, big ? entry.Size : null, far ? entry.Offset : null) : [];
            Span<byte> header = _scratch.AsSpan(0, 46);
            header.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header[8..], entry.Flags);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], entry.Crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)Math.Min(entry.Size, Max32));
            BinaryPrimitives.WriteUInt32LittleEndian(header[24..], (uint)Math.Min(entry.Size, Max32));
            BinaryPrimitives.WriteUInt16LittleEndian(header[28..], (ushort)entry.Name.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(header[30..], (ushort)zip64.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header[42..], (uint)Math.Min(entry.Offset, Max32));
            Write(header);
            Write(entry.Name);
            Write(zip64);
        }

        long directorySize = _position - directoryOffset;
        long zip64Record = _position;
        Span<byte> end64 = _scratch.AsSpan(0, 56);
        end64.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end64, 0x06064b50);
        BinaryPrimitives.WriteInt64LittleEndian(end64[4..], 44);
        BinaryPrimitives.WriteUInt16LittleEndian(end64[12..], 0x031E); // miniz: "made by" Unix, spec 3.0
        BinaryPrimitives.WriteUInt16LittleEndian(end64[14..], 0x002D); // needs zip64 (4.5)
        BinaryPrimitives.WriteInt64LittleEndian(end64[24..], _entries.Count);
        BinaryPrimitives.WriteInt64LittleEndian(end64[32..], _entries.Count);
        BinaryPrimitives.WriteInt64LittleEndian(end64[40..], directorySize);
        BinaryPrimitives.WriteInt64LittleEndian(end64[48..], directoryOffset);
        Write(end64);

        Span<byte> locator = _scratch.AsSpan(0, 20);
        locator.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteInt64LittleEndian(locator[8..], zip64Record);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
        Write(locator);

        Span<byte> end = _scratch.AsSpan(0, 22);
        end.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)Math.Min(_entries.Count, ushort.MaxValue));
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)Math.Min(_entries.Count, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)Math.Min(directorySize, Max32));
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)Math.Min(directoryOffset, Max32));
        Write(end);
    }

    /// <summary>miniz's zip64 extended-information field: the sizes and offset that do not fit in 32 bits.</summary>
    private static byte[] Zip64Extra(long? uncompressed, long? compressed, long? offset)
    {
        int fields = (uncompressed.HasValue ? 1 : 0) + (compressed.HasValue ? 1 : 0) + (offset.HasValue ? 1 : 0);
        if (fields == 0)
        {
            return [];
        }

        byte[] extra = new byte[4 + (8 * fields)];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(8 * fields));
        int at = 4;
        foreach (long? value in (ReadOnlySpan<long?>)[uncompressed, compressed, offset])
        {
            if (value is long v)
            {
                BinaryPrimitives.WriteInt64LittleEndian(extra.AsSpan(at), v);
                at += 8;
            }
        }

        return extra;
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _position += bytes.Length;
    }

    private sealed class Record(byte[] name, long offset, long size, ushort flags, bool zip64)
    {
        public byte[] Name { get; } = name;

        public long Offset { get; } = offset;

        public long Size { get; } = size;

        public ushort Flags { get; } = flags;

        public bool Zip64 { get; } = zip64;

        public uint Crc { get; set; }

        public long Written { get; set; }
    }

    private readonly record struct CentralEntry(byte[] Name, long Offset, long Size, uint Crc, ushort Flags);
}
