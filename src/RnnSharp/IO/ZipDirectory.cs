using System.Buffers.Binary;
using System.Text;

namespace RnnSharp;

/// <summary>
/// The zip central directory's per-entry fields that <see cref="System.IO.Compression.ZipArchive"/> does not expose
/// (the compression method and the general-purpose flags), read straight from the end of the archive so that a
/// checkpoint can be refused exactly where PyTorch's reader (miniz) refuses it.
/// </summary>
internal static class ZipDirectory
{
    /// <summary>Stored: the only method <c>torch.save</c> writes.</summary>
    public const ushort Stored = 0;

    /// <summary>Deflate: never written by <c>torch.save</c>, but read by PyTorch, so read here too.</summary>
    public const ushort Deflated = 8;

    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64Locator = 0x07064b50;
    private const uint Zip64EndOfCentralDirectory = 0x06064b50;
    private const uint CentralEntry = 0x02014b50;

    /// <summary>An entry's name, general-purpose flags and compression method as the central directory records them.</summary>
    public readonly record struct Entry(string Name, ushort Flags, ushort Method)
    {
        /// <summary>Bit 0 of the flags: the entry is encrypted.</summary>
        public bool IsEncrypted => (Flags & 1) != 0;
    }

    /// <summary>Reads every central-directory entry of the zip archive in <paramref name="stream"/>.</summary>
    /// <exception cref="ModelFileException">The end-of-central-directory record or an entry is malformed.</exception>
    public static List<Entry> Read(Stream stream)
    {
        long length = stream.Length;
        int tailLength = (int)Math.Min(length, 22 + ushort.MaxValue);
        byte[] tail = ReadAt(stream, length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfCentralDirectory
                && i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) == tailLength)
            {
                eocd = i;
                break;
            }
        }

        if (eocd < 0)
        {
            throw Damaged("no end-of-central-directory record");
        }

        long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
        long size = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 12));
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 16));
        if (count == ushort.MaxValue || size == uint.MaxValue || offset == uint.MaxValue)
        {
            (count, size, offset) = ReadZip64(stream, length - tailLength + eocd);
        }

        // 46 bytes is the smallest central-directory entry.
        if (offset < 0 || size < 0 || size > length || offset > length - size || count > size / 46)
        {
            throw Damaged($"a central directory of {count} entries in {size} bytes at offset {offset} does not fit in the {length}-byte file");
        }

        byte[] directory = ReadAt(stream, offset, (int)size);
        var entries = new List<Entry>((int)count);
        int at = 0;
        for (long n = 0; n < count; n++)
        {
            if (at > directory.Length - 46 || BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(at)) != CentralEntry)
            {
                throw Damaged($"central-directory entry {n} is malformed");
            }

            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 8));
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 10));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 28));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 30));
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(directory.AsSpan(at + 32));
            int next = at + 46 + nameLength + extraLength + commentLength;
            if (next > directory.Length)
            {
                throw Damaged($"central-directory entry {n} runs past the directory");
            }

            // Names are UTF-8 when flag bit 11 is set; torch.save writes ASCII, for which both readings agree.
            Encoding encoding = (flags & 0x800) != 0 ? Encoding.UTF8 : Encoding.Latin1;
            entries.Add(new Entry(encoding.GetString(directory, at + 46, nameLength), flags, method));
            at = next;
        }

        return entries;
    }

    private static (long Count, long Size, long Offset) ReadZip64(Stream stream, long eocdPosition)
    {
        if (eocdPosition < 20)
        {
            throw Damaged("a zip64 archive without its zip64 locator");
        }

        byte[] locator = ReadAt(stream, eocdPosition - 20, 20);
        if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64Locator)
        {
            throw Damaged("a zip64 archive without its zip64 locator");
        }

        long recordAt = BinaryPrimitives.ReadInt64LittleEndian(locator.AsSpan(8));
        if (recordAt < 0 || recordAt > stream.Length - 56)
        {
            throw Damaged($"the zip64 end-of-central-directory record at {recordAt} lies outside the file");
        }

        byte[] record = ReadAt(stream, recordAt, 56);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndOfCentralDirectory)
        {
            throw Damaged("the zip64 end-of-central-directory record is malformed");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(32)),
            BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(40)),
            BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48)));
    }

    private static byte[] ReadAt(Stream stream, long position, int count)
    {
        byte[] buffer = new byte[count];
        stream.Position = position;
        stream.ReadExactly(buffer);
        return buffer;
    }

    private static ModelFileException Damaged(string detail) =>
        new($"Not a valid PyTorch checkpoint: the zip archive is damaged ({detail}).");
}
