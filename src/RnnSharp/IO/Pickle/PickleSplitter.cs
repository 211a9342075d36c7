using System.Buffers.Binary;

namespace RnnSharp.IO.Pickle;

/// <summary>
/// Cuts one pickle out of a stream that holds several in a row (a legacy checkpoint holds five, then raw storages):
/// it walks the opcodes by their argument lengths — as <c>pickletools.genops</c> does — up to STOP, and returns the
/// bytes for <see cref="RestrictedUnpickler"/> to interpret. It reads only bytes the stream really has (every length
/// a string claims is checked against what is left), so its buffer never outgrows the file.
/// </summary>
/// <remarks>
/// It knows the opcodes <see cref="RestrictedUnpickler"/> allows. At any other opcode it stops and returns what it
/// has, so that the unpickler refuses that opcode with its usual message; the stream is then left mid-pickle, which
/// does not matter because the load fails.
/// </remarks>
internal static class PickleSplitter
{
    private const int MaxLine = 1024;

    /// <summary>The bytes of the pickle that starts at <paramref name="stream"/>'s position, up to and with its STOP.</summary>
    /// <param name="stream">A seekable stream; it is left just after the pickle.</param>
    /// <param name="name">What the pickle is, for errors (<c>the state dict's pickle</c>).</param>
    /// <exception cref="ModelFileException">The stream ends before the pickle's STOP.</exception>
    public static byte[] Next(Stream stream, string name)
    {
        var buffer = new MemoryStream();
        while (true)
        {
            int op = stream.ReadByte();
            if (op < 0)
            {
                throw Truncated(name, buffer.Length);
            }

            buffer.WriteByte((byte)op);
            switch (op)
            {
                case (byte)'.': // STOP
                    return buffer.ToArray();
                case 0x80 or (byte)'q' or (byte)'h' or (byte)'K': // PROTO, BINPUT, BINGET, BININT1
                    Copy(stream, buffer, 1, name);
                    break;
                case (byte)'M': // BININT2
                    Copy(stream, buffer, 2, name);
                    break;
                case (byte)'J' or (byte)'r' or (byte)'j': // BININT, LONG_BINPUT, LONG_BINGET
                    Copy(stream, buffer, 4, name);
                    break;
                case 0x95 or (byte)'G': // FRAME, BINFLOAT
                    Copy(stream, buffer, 8, name);
                    break;
                case 0x8a or 0x8c: // LONG1, SHORT_BINUNICODE: a one-byte length, then that many bytes
                    Copy(stream, buffer, Copy(stream, buffer, 1, name)[0], name);
                    break;
                case (byte)'X': // BINUNICODE
                    Copy(stream, buffer, BinaryPrimitives.ReadUInt32LittleEndian(Copy(stream, buffer, 4, name)), name);
                    break;
                case 0x8d: // BINUNICODE8
                    Copy(stream, buffer, BinaryPrimitives.ReadUInt64LittleEndian(Copy(stream, buffer, 8, name)), name);
                    break;
                case (byte)'c': // GLOBAL: module and name, each a line
                    if (!CopyLine(stream, buffer, name) || !CopyLine(stream, buffer, name))
                    {
                        return buffer.ToArray(); // the unpickler refuses lines this long with its own message
                    }

                    break;
                case (byte)'(' or (byte)'}' or (byte)']' or (byte)')' or (byte)'t' or 0x85 or 0x86 or 0x87 or (byte)'l'
                    or (byte)'d' or (byte)'s' or (byte)'u' or (byte)'a' or (byte)'e' or 0x94 or 0x93 or (byte)'R'
                    or (byte)'b' or (byte)'Q' or (byte)'N' or 0x88 or 0x89 or (byte)'0' or (byte)'1' or (byte)'2':
                    break;
                default:
                    return buffer.ToArray();
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> bytes from the stream to the buffer and returns them.</summary>
    private static ReadOnlySpan<byte> Copy(Stream stream, MemoryStream buffer, ulong count, string name)
    {
        if (count > (ulong)(stream.Length - stream.Position))
        {
            throw Truncated(name, buffer.Length);
        }

        int start = (int)buffer.Length;
        int length = checked((int)count);
        buffer.SetLength(start + length);
        stream.ReadExactly(buffer.GetBuffer().AsSpan(start, length));
        buffer.Position = start + length;
        return buffer.GetBuffer().AsSpan(start, length);
    }

    /// <summary>Copies one line with its newline; <see langword="false"/> if it is longer than any module or name.</summary>
    private static bool CopyLine(Stream stream, MemoryStream buffer, string name)
    {
        for (int i = 0; i <= MaxLine; i++)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                throw Truncated(name, buffer.Length);
            }

            buffer.WriteByte((byte)b);
            if (b == '\n')
            {
                return true;
            }
        }

        return false;
    }

    private static ModelFileException Truncated(string name, long at) =>
        new($"Not a valid PyTorch checkpoint: the file ends at byte {at} of {name}, before its STOP opcode.");
}
