using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace RnnSharp.IO.Pickle;

/// <summary>A Python global a pickle names (<c>module.name</c>), which the unpickler never imports or calls.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => Module + "." + Name;
}

/// <summary>
/// A Python dict or OrderedDict: entries in insertion order, with a hash index beside them so that building a dict
/// of n entries takes O(n) time (a state dict can have a hundred thousand keys). Keys compare as Python's do for
/// what a state dict holds: strings and integers by value, None as itself, anything else by identity.
/// </summary>
internal sealed class PyDict
{
    private readonly List<KeyValuePair<object?, object?>> _entries = [];
    private readonly Dictionary<object, int> _index;
    private int _noneIndex = -1;

    /// <summary>An empty dict; <paramref name="comparer"/> replaces the default key equality (tests count with it).</summary>
    public PyDict(IEqualityComparer<object>? comparer = null) => _index = new Dictionary<object, int>(comparer);

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary><c>d[key] = value</c>: replaces the value of an existing key in place, or appends a new entry.</summary>
    public void Set(object? key, object? value)
    {
        int i = key is null ? _noneIndex : _index.GetValueOrDefault(key, -1);
        if (i >= 0)
        {
            _entries[i] = new(key, value);
            return;
        }

        if (key is null)
        {
            _noneIndex = _entries.Count;
        }
        else
        {
            _index.Add(key, _entries.Count);
        }

        _entries.Add(new(key, value));
    }
}

/// <summary>
/// A pickle reader that understands only what a PyTorch state dict is made of and refuses everything else:
/// the counterpart of <c>torch.load(..., weights_only=True)</c>, but safe by construction — it has no way to
/// import a module or call a function. Globals are looked up in a fixed table of allowed names and turned into
/// data by <see cref="IPickleResolver"/>; any other global or opcode is an error that names it.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>The globals a state dict may name; everything else is refused at the GLOBAL opcode.</summary>
    public static readonly IReadOnlySet<string> AllowedGlobals = new HashSet<string>(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.FloatStorage",
        "torch.DoubleStorage",
        "torch.HalfStorage",
        "torch.BFloat16Storage",

        // Storages RnnSharp cannot load are still plain data: naming them is allowed, loading them is refused
        // with a message about the dtype rather than about safety.
        "torch.LongStorage",
        "torch.IntStorage",
        "torch.ShortStorage",
        "torch.CharStorage",
        "torch.ByteStorage",
        "torch.BoolStorage",
    };

    private static readonly object Mark = new();

    private readonly byte[] _data;
    private readonly IPickleResolver _resolver;
    private readonly string _name;
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    private RestrictedUnpickler(byte[] data, IPickleResolver resolver, string name)
    {
        _data = data;
        _resolver = resolver;
        _name = name;
    }

    /// <summary>Reads one pickled object from <paramref name="data"/>; errors name the pickle as <paramref name="name"/>.</summary>
    /// <exception cref="ModelFileException">The pickle is malformed or uses anything outside the allowed set.</exception>
    public static object? Load(byte[] data, IPickleResolver resolver, string name = "data.pkl") =>
        new RestrictedUnpickler(data, resolver, name).Run();

    private object? Run()
    {
        while (true)
        {
            int at = _position;
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol > 5)
                    {
                        throw Error(at, $"pickle protocol {protocol} is not supported (0 to 5 are)");
                    }

                    break;
                case 0x95: // FRAME (protocol 4): a length hint
                    Take(8);
                    break;
                case (byte)'.': // STOP
                    if (_stack.Count != 1)
                    {
                        throw Error(at, $"STOP with {_stack.Count} objects on the stack");
                    }

                    return Pop(at);
                case (byte)'(': // MARK
                    _stack.Add(Mark);
                    break;
                case (byte)'}': // EMPTY_DICT
                    _stack.Add(new PyDict());
                    break;
                case (byte)']': // EMPTY_LIST
                    _stack.Add(new List<object?>());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    _stack.Add(Array.Empty<object?>());
                    break;
                case (byte)'t': // TUPLE
                    _stack.Add(PopToMark(at).ToArray());
                    break;
                case 0x85: // TUPLE1
                case 0x86: // TUPLE2
                case 0x87: // TUPLE3
                    int n = op - 0x84;
                    var tuple = new object?[n];
                    for (int i = n - 1; i >= 0; i--)
                    {
                        tuple[i] = Pop(at);
                    }

                    _stack.Add(tuple);
                    break;
                case (byte)'l': // LIST
                    _stack.Add(PopToMark(at));
                    break;
                case (byte)'d': // DICT
                    {
                        List<object?> items = PopToMark(at);
                        var dict = new PyDict();
                        AddPairs(dict, items, at);
                        _stack.Add(dict);
                        break;
                    }

                case (byte)'s': // SETITEM
                    {
                        object? value = Pop(at);
                        object? key = Pop(at);
                        Peek<PyDict>(at, "SETITEM").Set(key, value);
                        break;
                    }

                case (byte)'u': // SETITEMS
                    {
                        List<object?> items = PopToMark(at);
                        AddPairs(Peek<PyDict>(at, "SETITEMS"), items, at);
                        break;
                    }

                case (byte)'a': // APPEND
                    {
                        object? value = Pop(at);
                        Peek<List<object?>>(at, "APPEND").Add(value);
                        break;
                    }

                case (byte)'e': // APPENDS
                    {
                        List<object?> items = PopToMark(at);
                        Peek<List<object?>>(at, "APPENDS").AddRange(items);
                        break;
                    }

                case (byte)'q': // BINPUT
                    _memo[ReadByte()] = Top(at);
                    break;
                case (byte)'r': // LONG_BINPUT
                    _memo[ReadUInt32()] = Top(at);
                    break;
                case 0x94: // MEMOIZE
                    _memo[_memo.Count] = Top(at);
                    break;
                case (byte)'h': // BINGET
                    _stack.Add(Get(ReadByte(), at));
                    break;
                case (byte)'j': // LONG_BINGET
                    _stack.Add(Get(ReadUInt32(), at));
                    break;
                case (byte)'c': // GLOBAL
                    _stack.Add(Global(ReadLine(at), ReadLine(at), at));
                    break;
                case 0x93: // STACK_GLOBAL
                    {
                        string name = Pop(at) as string ?? throw Error(at, "STACK_GLOBAL expects two strings");
                        string module = Pop(at) as string ?? throw Error(at, "STACK_GLOBAL expects two strings");
                        _stack.Add(Global(module, name, at));
                        break;
                    }

                case (byte)'R': // REDUCE
                    {
                        object?[] args = Pop(at) as object?[] ?? throw Error(at, "REDUCE expects a tuple of arguments");
                        PyGlobal callable = Pop(at) as PyGlobal ?? throw Error(at, "REDUCE expects an allowed global to call");
                        _stack.Add(Wrap(at, () => _resolver.Reduce(callable, args)));
                        break;
                    }

                case (byte)'b': // BUILD
                    {
                        object? state = Pop(at);
                        object? target = Top(at);
                        Wrap(at, () =>
                        {
                            _resolver.Build(target, state);
                            return null;
                        });
                        break;
                    }

                case (byte)'Q': // BINPERSID
                    {
                        object? id = Pop(at);
                        _stack.Add(Wrap(at, () => _resolver.PersistentLoad(id)));
                        break;
                    }

                case (byte)'J': // BININT
                    _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case (byte)'K': // BININT1
                    _stack.Add((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case 0x8a: // LONG1
                    {
                        int length = ReadByte();
                        if (length > 8)
                        {
                            throw Error(at, $"LONG1 of {length} bytes: integers beyond 64 bits are not supported");
                        }

                        ReadOnlySpan<byte> bytes = Take(length);
                        long value = 0;
                        for (int i = length - 1; i >= 0; i--)
                        {
                            value = (value << 8) | bytes[i];
                        }

                        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0)
                        {
                            value -= 1L << (8 * length);
                        }

                        _stack.Add(value);
                        break;
                    }

                case (byte)'G': // BINFLOAT
                    _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    _stack.Add(Utf8(Take(Length(ReadUInt32(), at)), at));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    _stack.Add(Utf8(Take(ReadByte()), at));
                    break;
                case 0x8d: // BINUNICODE8
                    _stack.Add(Utf8(Take(Length(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), at)), at));
                    break;
                case (byte)'N': // NONE
                    _stack.Add(null);
                    break;
                case 0x88: // NEWTRUE
                    _stack.Add(true);
                    break;
                case 0x89: // NEWFALSE
                    _stack.Add(false);
                    break;
                case (byte)'0': // POP
                    Pop(at);
                    break;
                case (byte)'1': // POP_MARK
                    PopToMark(at);
                    break;
                case (byte)'2': // DUP
                    _stack.Add(Top(at));
                    break;
                default:
                    throw Error(at, $"pickle opcode 0x{op:x2}{Describe(op)} is not allowed in a state dict");
            }
        }
    }

    private PyGlobal Global(string module, string name, int at)
    {
        string full = module + "." + name;
        if (!AllowedGlobals.Contains(full))
        {
            throw Error(at, $"the pickle refers to the global '{full}', which is not allowed in a state dict " +
                "(only tensors, storages and OrderedDict are); nothing was executed");
        }

        return new PyGlobal(module, name);
    }

    private void AddPairs(PyDict dict, List<object?> items, int at)
    {
        if (items.Count % 2 != 0)
        {
            throw Error(at, "a dict needs key-value pairs, got an odd number of items");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            dict.Set(items[i], items[i + 1]);
        }
    }

    private object? Wrap(int at, Func<object?> action)
    {
        try
        {
            return action();
        }
        catch (ModelFileException e)
        {
            const string Prefix = "Not a valid PyTorch checkpoint: ";
            string detail = e.Message.StartsWith(Prefix, StringComparison.Ordinal) ? e.Message[Prefix.Length..] : e.Message;
            throw new ModelFileException($"{Prefix}at byte {at} of {_name}: {detail}", e);
        }
    }

    private T Peek<T>(int at, string op)
        where T : class =>
        Top(at) as T ?? throw Error(at, $"{op} applies to a {(typeof(T) == typeof(PyDict) ? "dict" : "list")}, found {Describe(Top(at))}");

    private object? Top(int at) =>
        _stack.Count > 0 && !ReferenceEquals(_stack[^1], Mark) ? _stack[^1] : throw Error(at, "the stack is empty");

    private object? Pop(int at)
    {
        object? top = Top(at);
        _stack.RemoveAt(_stack.Count - 1);
        return top;
    }

    private List<object?> PopToMark(int at)
    {
        int mark = _stack.FindLastIndex(o => ReferenceEquals(o, Mark));
        if (mark < 0)
        {
            throw Error(at, "no MARK on the stack");
        }

        List<object?> items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private object? Get(long key, int at) =>
        _memo.TryGetValue(key, out object? value) ? value : throw Error(at, $"memo entry {key} was never stored");

    private byte ReadByte() => Take(1)[0];

    private uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _data.Length - _position)
        {
            throw Error(_position, $"the pickle ends {count} bytes early");
        }

        var span = new ReadOnlySpan<byte>(_data, _position, count);
        _position += count;
        return span;
    }

    private int Length(ulong length, int at) =>
        length <= (ulong)(_data.Length - _position) ? (int)length : throw Error(at, $"a string of {length} bytes runs past the end of the pickle");

    private string ReadLine(int at)
    {
        int end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0 || end - _position > 1024)
        {
            throw Error(at, "GLOBAL's module and name must be short lines");
        }

        string line = Encoding.ASCII.GetString(_data, _position, end - _position);
        _position = end + 1;
        return line;
    }

    private string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ModelFileException($"Not a valid PyTorch checkpoint: at byte {at} of {_name}: a string is not valid UTF-8.", e);
        }
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        PyDict => "a dict",
        List<object?> => "a list",
        object?[] => "a tuple",
        string => "a string",
        PyGlobal g => g.ToString(),
        _ => o.GetType().Name,
    };

    private static string Describe(byte op) => op switch
    {
        (byte)'c' => " (GLOBAL)",
        (byte)'i' => " (INST)",
        (byte)'o' => " (OBJ)",
        0x81 => " (NEWOBJ)",
        0x92 => " (NEWOBJ_EX)",
        (byte)'S' => " (STRING)",
        (byte)'V' => " (UNICODE)",
        (byte)'P' => " (PERSID)",
        0x82 or 0x83 or 0x84 => " (EXT)",
        _ => op is >= 0x20 and < 0x7f ? string.Create(CultureInfo.InvariantCulture, $" ('{(char)op}')") : string.Empty,
    };

    private ModelFileException Error(int at, string detail) =>
        new($"Not a valid PyTorch checkpoint: at byte {at} of {_name}: {detail}.");
}

/// <summary>Turns the few allowed globals and persistent ids into data.</summary>
internal interface IPickleResolver
{
    /// <summary>The result of calling an allowed global with arguments (REDUCE).</summary>
    object? Reduce(PyGlobal callable, object?[] args);

    /// <summary>Applies BUILD state to an object.</summary>
    void Build(object? target, object? state);

    /// <summary>The object a persistent id (a storage reference) stands for.</summary>
    object? PersistentLoad(object? id);
}
