using System.Buffers.Binary;
using System.Text;

namespace RnnSharp;

/// <summary>
/// The little of the protobuf wire format an ONNX file needs, written by hand so that the core package keeps its
/// single dependency: varints (wire type 0), length-delimited fields (2: strings, bytes, nested messages, packed
/// repeated numbers) and the packed float and int64 arrays of <c>TensorProto</c>.
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0;
    private const int LengthDelimitedType = 2;

    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Writes an integer field (int32, int64 or enum: negative values take ten bytes, as protobuf sign-extends them).</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, VarintType);
        WriteVarint((ulong)value);
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    public void WriteString(int field, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        WriteTag(field, LengthDelimitedType);
        WriteVarint((ulong)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>Writes a bytes field, or a nested message already written by another writer.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimitedType);
        WriteVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Writes a nested message: <paramref name="write"/> fills a fresh writer whose bytes become the field.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> write)
    {
        var nested = new ProtoWriter();
        write(nested);
        WriteBytes(field, nested.WrittenSpan);
    }

    /// <summary>Writes a packed repeated int64 field (varints).</summary>
    public void WritePackedInt64(int field, ReadOnlySpan<long> values)
    {
        var nested = new ProtoWriter();
        foreach (long v in values)
        {
            nested.WriteVarint((ulong)v);
        }

        WriteBytes(field, nested.WrittenSpan);
    }

    /// <summary>Writes a packed repeated float field (little-endian fixed 32-bit).</summary>
    public void WritePackedFloats(int field, ReadOnlySpan<float> values)
    {
        WriteTag(field, LengthDelimitedType);
        WriteVarint((ulong)values.Length * 4);
        Span<byte> destination = Reserve(values.Length * 4);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
        }
    }

    /// <summary>Writes a float field (wire type 5, fixed 32-bit).</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, 5);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
    }

    private void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            Reserve(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Reserve(1)[0] = (byte)value;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
