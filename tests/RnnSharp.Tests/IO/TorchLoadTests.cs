using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>
/// Torch.Load on hand-made checkpoints: the restricted unpickler accepts exactly what a state dict is made of and
/// turns every malformed, truncated or hostile detail into a <see cref="ModelFileException"/> that says what.
/// </summary>
public sealed class TorchLoadTests
{
    [Fact]
    public void Load_HandMadeStateDict_ReadsTensorAndView()
    {
        byte[] file = Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", numel: 6, offset: 1, size: [2, 2], stride: [1, 2]))), ("0", Floats(0, 1, 2, 3, 4, 5)));

        TensorDictionary loaded = Torch.Load(new MemoryStream(file));

        loaded["w"].Shape.ToArray().Should().Equal(2, 2);
        loaded["w"].ToArray().Should().Equal(1, 3, 2, 4); // offset 1, transposed strides
    }

    [Fact]
    public void Load_NonSeekableStream_ReadsTheSameStateDict()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", "mixed_dtypes_and_views.pt"));

        TensorDictionary fromFile = Torch.Load(new MemoryStream(bytes));
        TensorDictionary fromPipe = Torch.Load(new BufferedStream(new NonSeekable(bytes)));

        fromPipe.Keys.Should().Equal(fromFile.Keys);
        foreach (var (name, tensor) in fromFile)
        {
            TensorAssert.BitEqual(fromPipe[name], tensor, name);
        }
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    public static TheoryData<string, string> HostilePickles() => new()
    {
        { "os.system", "global 'os.system'" },
        { "builtins.getattr", "global 'builtins.getattr'" },
        { "torch.load", "global 'torch.load'" },
        { "numpy.core.multiarray._reconstruct", "global 'numpy.core.multiarray._reconstruct'" },
    };

    [Theory]
    [MemberData(nameof(HostilePickles))]
    public void Load_PickleNamingAnyOtherGlobal_IsRefusedBeforeAnythingRuns(string global, string fragment)
    {
        int dot = global.LastIndexOf('.');
        byte[] pickle = [.. Pickle.Proto, .. Pickle.Global(global[..dot], global[(dot + 1)..]), .. Pickle.Str("x"), 0x85, (byte)'R', (byte)'.'];

        var act = () => Torch.Load(new MemoryStream(Checkpoint(pickle)));

        act.Should().Throw<ModelFileException>().WithMessage($"*{fragment}*nothing was executed*");
    }

    public static TheoryData<string, byte[], string> MalformedPickles() => new()
    {
        { "unknown opcode", [.. Pickle.Proto, 0xff], "opcode 0xff" },
        { "INST opcode", [.. Pickle.Proto, (byte)'i', .. "os\nsystem\n"u8], "opcode 0x69 (INST)" },
        { "ends without STOP", [.. Pickle.Proto, (byte)'}'], "ends 1 bytes early" },
        { "STOP on empty stack", [.. Pickle.Proto, (byte)'.'], "STOP with 0 objects" },
        { "memo never stored", [.. Pickle.Proto, (byte)'h', 7, (byte)'.'], "memo entry 7 was never stored" },
        { "string past the end", [.. Pickle.Proto, (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'a'], "runs past the end" },
        { "invalid UTF-8", [.. Pickle.Proto, 0x8c, 2, 0xc3, 0x28, (byte)'.'], "not valid UTF-8" },
        { "SETITEM on a list", [.. Pickle.Proto, (byte)']', .. Pickle.Str("k"), .. Pickle.Str("v"), (byte)'s', (byte)'.'], "SETITEM applies to a dict" },
        { "odd SETITEMS", [.. Pickle.Proto, (byte)'}', (byte)'(', .. Pickle.Str("k"), (byte)'u', (byte)'.'], "odd number of items" },
        { "REDUCE without a callable", [.. Pickle.Proto, .. Pickle.Str("f"), (byte)')', (byte)'R', (byte)'.'], "REDUCE expects an allowed global" },
        { "not a dict", [.. Pickle.Proto, (byte)']', (byte)'.'], "does not hold a state dict" },
        { "value not a tensor", [.. Pickle.Proto, (byte)'}', .. Pickle.Str("k"), .. Pickle.Str("v"), (byte)'s', (byte)'.'], "not a tensor" },
        { "protocol 9", [0x80, 9], "protocol 9 is not supported" },
    };

    [Theory]
    [MemberData(nameof(MalformedPickles))]
    public void Load_MalformedPickle_ThrowsModelFileExceptionSayingWhy(string name, byte[] pickle, string fragment)
    {
        var act = () => Torch.Load(new MemoryStream(Checkpoint(pickle)));

        act.Should().Throw<ModelFileException>(name).Which.Message.Should().Contain(fragment);
    }

    public static TheoryData<string, string> BrokenStorages() => new()
    {
        { "missing storage entry", "has no entry archive/data/0" },
        { "storage shorter than claimed", "data/0 holds 8 bytes, 24 expected" },
        { "view past the storage", "reaches past its storage of 6 elements" },
        { "huge claimed storage", "claims 1099511627776 elements" },
        { "integer storage", "storage type torch.IntStorage is not supported" },
        { "negative stride", "non-negative integers" },
    };

    [Theory]
    [MemberData(nameof(BrokenStorages))]
    public void Load_BrokenStorage_ThrowsModelFileExceptionBeforeAllocating(string name, string fragment)
    {
        byte[] file = name switch
        {
            "missing storage entry" => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 6, 0, [6], [1])))),
            "storage shorter than claimed" => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 6, 0, [6], [1]))), ("0", Floats(1, 2))),
            "view past the storage" => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 6, 2, [5], [1]))), ("0", Floats(0, 1, 2, 3, 4, 5))),
            "huge claimed storage" => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 1L << 40, 0, [1], [1]))), ("0", Floats(1))),
            "integer storage" => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 1, 0, [1], [1], storage: "IntStorage"))), ("0", Floats(1, 2))),
            _ => Checkpoint(Pickle.StateDict(("w", Pickle.Tensor("0", 6, 5, [6], [-1]))), ("0", Floats(0, 1, 2, 3, 4, 5))),
        };
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Torch.Load(new MemoryStream(file));

        act.Should().Throw<ModelFileException>(name).Which.Message.Should().Contain(fragment);
        (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).Should().BeLessThan(1 << 20);
    }

    [Theory]
    [InlineData("not a zip", "is not a zip archive")]
    [InlineData("no data.pkl", "has no <name>/data.pkl entry")]
    [InlineData("two data.pkl", "has 2 <name>/data.pkl entries")]
    [InlineData("damaged zip", "zip archive is damaged")]
    [InlineData("big-endian", "big-endian")]
    public void Load_BadArchive_ThrowsModelFileExceptionSayingWhy(string name, string fragment)
    {
        byte[] valid = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", "rnn_basic.pt"));
        byte[] file = name switch
        {
            "not a zip" => "hello, world"u8.ToArray(),
            "no data.pkl" => Zip(("archive/other.pkl", [1])),
            "two data.pkl" => Zip(("a/data.pkl", [0x80, 2, (byte)'}', (byte)'.']), ("b/data.pkl", [0x80, 2, (byte)'}', (byte)'.'])),
            "damaged zip" => valid[..(valid.Length / 2)],
            _ => Zip(("archive/data.pkl", [0x80, 2, (byte)'}', (byte)'.']), ("archive/byteorder", "big"u8.ToArray()), ("archive/version", "3\n"u8.ToArray())),
        };

        var act = () => Torch.Load(new MemoryStream(file));

        act.Should().Throw<ModelFileException>(name).Which.Message.Should().Contain(fragment);
    }

    private static byte[] Floats(params float[] values)
    {
        byte[] bytes = new byte[4 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    /// <summary>An archive laid out as torch.save lays it out: data.pkl, the storages, then the version record.</summary>
    internal static byte[] Checkpoint(byte[] pickle, params (string Key, byte[] Data)[] storages) =>
        Zip([("archive/data.pkl", pickle), .. storages.Select(s => ($"archive/data/{s.Key}", s.Data)), ("archive/version", "3\n"u8.ToArray())]);

    internal static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using Stream entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(data);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Just enough of a pickle writer (protocol 2) to build the state dicts torch.save writes.</summary>
    internal static class Pickle
    {
        public static readonly byte[] Proto = [0x80, 2];

        public static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n")];

        public static byte[] Str(string s)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(s);
            byte[] length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            return [(byte)'X', .. length, .. utf8];
        }

        public static byte[] Int(long v)
        {
            byte[] bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, v);
            return [0x8a, 8, .. bytes];
        }

        public static byte[] Tuple(IEnumerable<byte[]> items) => [(byte)'(', .. items.SelectMany(i => i), (byte)'t'];

        /// <summary>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).</summary>
        public static byte[] Tensor(string key, long numel, long offset, long[] size, long[] stride, string storage = "FloatStorage") =>
        [
            .. Global("torch._utils", "_rebuild_tensor_v2"),
            (byte)'(',
            .. Tuple([Str("storage"), Global("torch", storage), Str(key), Str("cpu"), Int(numel)]), (byte)'Q',
            .. Int(offset),
            .. Tuple(size.Select(Int)),
            .. Tuple(stride.Select(Int)),
            0x89,
            .. Global("collections", "OrderedDict"), (byte)')', (byte)'R',
            (byte)'t', (byte)'R',
        ];

        public static byte[] StateDict(params (string Name, byte[] Tensor)[] entries) =>
        [
            .. Proto,
            .. Global("collections", "OrderedDict"), (byte)')', (byte)'R',
            (byte)'(', .. entries.SelectMany(e => (byte[])[.. Str(e.Name), .. e.Tensor]), (byte)'u',
            (byte)'.',
        ];
    }
}
