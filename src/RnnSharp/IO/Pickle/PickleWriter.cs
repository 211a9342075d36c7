using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace RnnSharp.IO.Pickle;

/// <summary>
/// A call to an allowed global with arguments, pickled as <c>GLOBAL args REDUCE</c> and memoized like the object it
/// makes; <see cref="Items"/>, when set, are the made dict's entries (an <c>OrderedDict</c>'s <c>dictitems</c>).
/// Pickling the same instance twice writes a memo reference the second time, as Python does for one object.
/// </summary>
internal sealed class PickleCall(PyGlobal callable, object?[] args, IReadOnlyList<KeyValuePair<object?, object?>>? items = null)
{
    public PyGlobal Callable { get; } = callable;

    public object?[] Args { get; } = args;

    public IReadOnlyList<KeyValuePair<object?, object?>>? Items { get; } = items;
}

/// <summary>A Python dict literal (insertion-ordered entries), pickled as <c>EMPTY_DICT</c> + <c>SETITEMS</c>.</summary>
internal sealed class PickleDict(IReadOnlyList<KeyValuePair<object?, object?>> items)
{
    public IReadOnlyList<KeyValuePair<object?, object?>> Items { get; } = items;
}

/// <summary>An object pickled by reference: its persistent id (a tuple) followed by <c>BINPERSID</c>.</summary>
internal sealed class PicklePersistent(object?[] id)
{
    public object?[] Id { get; } = id;
}

/// <summary>
/// Writes a pickle with protocol 2 exactly as CPython's <c>pickle.Pickler</c> writes it for the objects a PyTorch
/// checkpoint holds, so that the bytes match <c>torch.save</c>'s: every string, tuple, list, dict, global and reduced
/// object is memoized (<c>BINPUT</c>, or <c>LONG_BINPUT</c> past 255) in the order Python memoizes them, and a second
/// occurrence is a <c>BINGET</c>. Strings are memoized by value, as the interned literals of PyTorch's code are;
/// tuples, lists, dicts and calls by reference.
/// </summary>
/// <remarks>
/// Values: <see langword="null"/> (None), <see cref="bool"/>, <see cref="int"/>/<see cref="long"/> (the smallest of
/// BININT1, BININT2, BININT, LONG1), <see cref="double"/> (BINFLOAT), <see cref="string"/> (BINUNICODE),
/// <c>object?[]</c> (tuple), <see cref="List{T}"/> of objects (list), <see cref="PickleDict"/>, <see cref="PyGlobal"/>,
/// <see cref="PickleCall"/> and <see cref="PicklePersistent"/>. Lists and dicts are written in Python's batches of
/// 1000 (<c>APPENDS</c>/<c>SETITEMS</c>, or <c>APPEND</c>/<c>SETITEM</c> for a batch of one).
/// </remarks>
internal sealed class PickleWriter
{
    private const int BatchSize = 1000;

    private readonly ArrayBufferWriter<byte> _out = new();
    private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _globals = new(StringComparer.Ordinal);
    private readonly Dictionary<object, int> _objects = new(ReferenceEqualityComparer.Instance);
    private int _memoCount;

    private PickleWriter()
    {
    }

    /// <summary>Pickles <paramref name="root"/> with protocol 2 and returns the bytes.</summary>
    public static byte[] Dump(object? root)
    {
        var writer = new PickleWriter();
        writer.WriteByte(0x80); // PROTO
        writer.WriteByte(2);
        writer.Save(root);
        writer.WriteByte((byte)'.'); // STOP
        return writer._out.WrittenSpan.ToArray();
    }

    private void Save(object? value)
    {
        switch (value)
        {
            case null:
                WriteByte((byte)'N');
                break;
            case bool b:
                WriteByte(b ? (byte)0x88 : (byte)0x89); // NEWTRUE / NEWFALSE
                break;
            case int i:
                SaveLong(i);
                break;
            case long l:
                SaveLong(l);
                break;
            case double d:
                Span<byte> bits = stackalloc byte[9];
                bits[0] = (byte)'G'; // BINFLOAT: big-endian IEEE double
                BinaryPrimitives.WriteDoubleBigEndian(bits[1..], d);
                _out.Write(bits);
                break;
            case string s:
                SaveString(s);
                break;
            case PyGlobal g:
                SaveGlobal(g);
                break;
            case object?[] tuple:
                SaveTuple(tuple);
                break;
            case List<object?> list:
                SaveList(list);
                break;
            case PickleDict dict:
                SaveDict(dict);
                break;
            case PickleCall call:
                SaveCall(call);
                break;
            case PicklePersistent persistent:
                Save(persistent.Id);
                WriteByte((byte)'Q'); // BINPERSID
                break;
            default:
                throw new InvalidOperationException($"PickleWriter cannot pickle a {value.GetType().Name}.");
        }
    }

    private void SaveLong(long value)
    {
        if (value is >= 0 and <= 0xff)
        {
            WriteByte((byte)'K'); // BININT1
            WriteByte((byte)value);
        }
        else if (value is >= 0 and <= 0xffff)
        {
            WriteByte((byte)'M'); // BININT2
            WriteByte((byte)value);
            WriteByte((byte)(value >> 8));
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> bytes = stackalloc byte[5];
            bytes[0] = (byte)'J'; // BININT
            BinaryPrimitives.WriteInt32LittleEndian(bytes[1..], (int)value);
            _out.Write(bytes);
        }
        else
        {
            // LONG1: Python's encode_long, the shortest little-endian two's complement (here 5 to 8 bytes).
            Span<byte> bytes = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            int length = 8;
            while (length > 1 && ((bytes[length - 1] == 0 && bytes[length - 2] < 0x80) || (bytes[length - 1] == 0xff && bytes[length - 2] >= 0x80)))
            {
                length--;
            }

            WriteByte(0x8a);
            WriteByte((byte)length);
            _out.Write(bytes[..length]);
        }
    }

    private void SaveString(string value)
    {
        if (_strings.TryGetValue(value, out int index))
        {
            Get(index);
            return;
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        Span<byte> header = stackalloc byte[5];
        header[0] = (byte)'X'; // BINUNICODE
        BinaryPrimitives.WriteUInt32LittleEndian(header[1..], (uint)utf8.Length);
        _out.Write(header);
        _out.Write(utf8);
        _strings.Add(value, Put());
    }

    private void SaveGlobal(PyGlobal global)
    {
        string key = global.ToString();
        if (_globals.TryGetValue(key, out int index))
        {
            Get(index);
            return;
        }

        WriteByte((byte)'c'); // GLOBAL
        _out.Write(Encoding.ASCII.GetBytes(global.Module + "\n" + global.Name + "\n"));
        _globals.Add(key, Put());
    }

    private void SaveTuple(object?[] tuple)
    {
        if (tuple.Length == 0)
        {
            WriteByte((byte)')'); // EMPTY_TUPLE, never memoized
            return;
        }

        if (TryGet(tuple))
        {
            return;
        }

        if (tuple.Length <= 3)
        {
            foreach (object? item in tuple)
            {
                Save(item);
            }

            WriteByte((byte)(0x84 + tuple.Length)); // TUPLE1..TUPLE3
        }
        else
        {
            WriteByte((byte)'('); // MARK
            foreach (object? item in tuple)
            {
                Save(item);
            }

            WriteByte((byte)'t'); // TUPLE
        }

        _objects.Add(tuple, Put());
    }

    private void SaveList(List<object?> list)
    {
        if (TryGet(list))
        {
            return;
        }

        WriteByte((byte)']'); // EMPTY_LIST
        _objects.Add(list, Put());
        for (int start = 0; start < list.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, list.Count - start);
            if (n > 1)
            {
                WriteByte((byte)'(');
            }

            for (int i = start; i < start + n; i++)
            {
                Save(list[i]);
            }

            WriteByte(n > 1 ? (byte)'e' : (byte)'a'); // APPENDS / APPEND
        }
    }

    private void SaveDict(PickleDict dict)
    {
        if (TryGet(dict))
        {
            return;
        }

        WriteByte((byte)'}'); // EMPTY_DICT
        _objects.Add(dict, Put());
        SetItems(dict.Items);
    }

    private void SaveCall(PickleCall call)
    {
        if (TryGet(call))
        {
            return;
        }

        Save(call.Callable);
        Save(call.Args);
        WriteByte((byte)'R'); // REDUCE
        _objects.Add(call, Put());
        if (call.Items is not null)
        {
            SetItems(call.Items);
        }
    }

    private void SetItems(IReadOnlyList<KeyValuePair<object?, object?>> items)
    {
        for (int start = 0; start < items.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, items.Count - start);
            if (n > 1)
            {
                WriteByte((byte)'(');
            }

            for (int i = start; i < start + n; i++)
            {
                Save(items[i].Key);
                Save(items[i].Value);
            }

            WriteByte(n > 1 ? (byte)'u' : (byte)'s'); // SETITEMS / SETITEM
        }
    }

    private bool TryGet(object value)
    {
        if (_objects.TryGetValue(value, out int index))
        {
            Get(index);
            return true;
        }

        return false;
    }

    /// <summary>Memoizes the object just written under the next index (BINPUT, or LONG_BINPUT past 255).</summary>
    private int Put()
    {
        int index = _memoCount++;
        WriteMemoOp(index, (byte)'q', (byte)'r');
        return index;
    }

    private void Get(int index) => WriteMemoOp(index, (byte)'h', (byte)'j');

    private void WriteByte(byte value)
    {
        _out.GetSpan(1)[0] = value;
        _out.Advance(1);
    }

    private void WriteMemoOp(int index, byte shortOp, byte longOp)
    {
        if (index < 256)
        {
            WriteByte(shortOp);
            WriteByte((byte)index);
        }
        else
        {
            Span<byte> bytes = stackalloc byte[5];
            bytes[0] = longOp;
            BinaryPrimitives.WriteInt32LittleEndian(bytes[1..], index);
            _out.Write(bytes);
        }
    }
}
