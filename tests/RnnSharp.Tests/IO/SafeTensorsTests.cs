using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>Writing spec-conformant safetensors, reading them back, and refusing broken or hostile ones.</summary>
public sealed class SafeTensorsTests
{
    [Fact]
    public void SaveFile_ThenLoadFile_RoundTripsNamesOrderShapesBitsAndMetadata()
    {
        var tensors = new TensorDictionary(
        [
            new("weight_ih_l0", Torch.Rand([3, 4], new Generator(1))),
            new("a_scalar", new Tensor([float.NaN])),
            new("empty", Tensor.Zeros(2, 0)),
            new("bias", new Tensor([-0f, float.PositiveInfinity, float.Epsilon], 3)),
        ]);
        string path = Path.Combine(Path.GetTempPath(), $"rnnsharp-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensors.SaveFile(tensors, path, new Dictionary<string, string> { ["format"] = "pt" });
            TensorDictionary loaded = SafeTensors.LoadFile(path);

            loaded.Keys.Should().Equal(tensors.Keys);
            foreach (var (name, tensor) in tensors)
            {
                TensorAssert.BitEqual(loaded[name], tensor, name);
            }

            loaded.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Save_WritesTheLayoutTheSpecRequires()
    {
        var rnn = new Rnn(3, 5, generator: new Generator(2));
        var stream = new MemoryStream();

        SafeTensors.Save(rnn.StateDict(), stream);

        byte[] bytes = stream.ToArray();
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (headerLength % 8).Should().Be(0, "the header is padded so that the data starts 8-byte aligned");
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        header.TrimEnd(' ').Should().EndWith("}", "only spaces pad the JSON");
        using var json = JsonDocument.Parse(header);
        long expectedBegin = 0;
        foreach (var (name, tensor) in rnn.StateDict())
        {
            JsonElement entry = json.RootElement.GetProperty(name);
            entry.GetProperty("dtype").GetString().Should().Be("F32");
            entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(tensor.Shape.ToArray());
            long begin = entry.GetProperty("data_offsets")[0].GetInt64();
            long end = entry.GetProperty("data_offsets")[1].GetInt64();
            begin.Should().Be(expectedBegin, "tensors are contiguous, in order, without holes");
            (end - begin).Should().Be(4L * tensor.NumElements);
            float[] stored = new float[tensor.NumElements];
            for (int i = 0; i < stored.Length; i++)
            {
                stored[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + begin + (4 * i))));
            }

            stored.Should().Equal(tensor.ToArray(), "data is little-endian float32, row-major");
            expectedBegin = end;
        }

        bytes.Length.Should().Be((int)(8 + headerLength + expectedBegin), "nothing follows the last tensor");
    }

    [Fact]
    public void SaveFile_FailingHalfway_LeavesTheExistingFileUntouchedAndNoTemporaryFile()
    {
        string directory = Directory.CreateTempSubdirectory("rnnsharp-").FullName;
        string path = Path.Combine(directory, "rnn.safetensors");
        try
        {
            File.WriteAllText(path, "previous contents");
            var tensors = new Dictionary<string, Tensor> { ["a"] = Tensor.Ones(1000), ["b"] = null! };

            var act = () => SafeTensors.SaveFile(tensors, path);

            act.Should().Throw<ArgumentNullException>();
            File.ReadAllText(path).Should().Be("previous contents");
            Directory.GetFiles(directory).Should().Equal(path);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Save_TensorNamedMetadata_ThrowsArgumentException()
    {
        var act = () => SafeTensors.Save(new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Zeros(1) }, new MemoryStream());

        act.Should().Throw<ArgumentException>().WithMessage("*__metadata__*");
    }

    public static TheoryData<string, string, string> BrokenFiles() => new()
    {
        // name, header JSON (or a marker for raw bytes), expected message fragment
        { "empty file", "raw:", "holds 0 bytes" },
        { "shorter than the length field", "raw:0102030405", "holds 5 bytes" },
        { "header length beyond the file", "len:1000000", "exceeds the" },
        { "header length of 2^63", "len:9223372036854775808", "exceeds the" },
        { "invalid JSON", "{\"a\":", "not valid JSON" },
        { "not an object", "[1,2]", "must be a JSON object" },
        { "two JSON values", "{}{}", "not valid JSON" },
        { "offsets past the data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "ends at byte 16 of a 8-byte data section" },
        { "overlapping tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "inside the previous tensor" },
        { "a hole", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "leaving a hole" },
        { "bytes after the last tensor", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "cover 4 bytes but the data section holds 8" },
        { "shape and size disagree", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "(12 bytes) but data_offsets [0, 8] span 8 bytes" },
        { "shape product overflows", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,8]}}", "more than RnnSharp tensors hold" },
        { "huge claimed size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[100000000],\"data_offsets\":[0,400000000]}}", "ends at byte 400000000 of a 8-byte data section" },
        { "negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "non-negative integers" },
        { "fractional offset", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", "non-negative integers" },
        { "unknown dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", "unknown dtype \"F33\"" },
        { "integer dtype", "{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "has dtype I32" },
        { "duplicate names", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "names \"a\" twice" },
        { "missing field", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "must have dtype, shape and data_offsets" },
        { "unexpected field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", "unexpected or repeated field \"x\"" },
        { "metadata not strings", "{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "is not a string" },
        { "non-UTF-8 header", "utf8:{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Load_BrokenOrHostileFile_ThrowsModelFileExceptionSayingWhy(string name, string header, string fragment)
    {
        byte[] bytes = Build(header, dataBytes: 8);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var act = () => SafeTensors.Load(new MemoryStream(bytes));

        act.Should().Throw<ModelFileException>(name).Which.Message.Should().Contain(fragment);
        (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).Should().BeLessThan(1 << 20, "nothing large is allocated before the file is validated");
    }

    [Fact]
    public void Load_NonSeekableStream_ReadsTheSameTensors()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", "rnn_f32.safetensors"));

        TensorDictionary fromSeekable = SafeTensors.Load(new MemoryStream(bytes));
        TensorDictionary fromPipe = SafeTensors.Load(new NonSeekableStream(bytes));

        fromPipe.Keys.Should().Equal(fromSeekable.Keys);
        foreach (var (name, tensor) in fromSeekable)
        {
            TensorAssert.BitEqual(fromPipe[name], tensor, name);
        }
    }

    /// <summary>
    /// A safetensors file with the given header: "raw:HEX" is the whole file, "len:N" is a bare length field,
    /// "utf8:TEXT" maps chars below 256 to single bytes (to smuggle invalid UTF-8), anything else is JSON.
    /// </summary>
    private static byte[] Build(string header, int dataBytes)
    {
        if (header.StartsWith("raw:", StringComparison.Ordinal))
        {
            return Convert.FromHexString(header[4..]);
        }

        if (header.StartsWith("len:", StringComparison.Ordinal))
        {
            byte[] result = new byte[16];
            BinaryPrimitives.WriteUInt64LittleEndian(result, ulong.Parse(header[4..], System.Globalization.CultureInfo.InvariantCulture));
            return result;
        }

        byte[] json = header.StartsWith("utf8:", StringComparison.Ordinal)
            ? header[5..].Select(c => (byte)c).ToArray()
            : Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    /// <summary>A stream that cannot seek nor tell its length, like a network stream or a pipe.</summary>
    internal sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => base.Position;
            set => throw new NotSupportedException();
        }
    }
}
