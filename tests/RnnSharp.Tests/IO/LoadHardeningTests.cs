using System.IO.Compression;
using System.Text.Json;
using RnnSharp.IO.Pickle;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>
/// Files that describe more data than they hold, or that PyTorch's reader refuses (Fixtures/hardening.json, written
/// with real torch.save and checked with real torch.load): every load ends in the right tensors or a
/// <see cref="ModelFileException"/>, and never allocates past its budget.
/// </summary>
public sealed class LoadHardeningTests
{
    private const string File_ = "hardening.json";

    private static byte[] Bytes(JsonElement c) => File.ReadAllBytes(Path.Combine(Fixture.Directory, c.GetProperty("file").GetString()!));

    public static TheoryData<string> RefusedByPyTorch() => Fixture.Names(File_, c => c.TryGetProperty("torch_error", out _));

    [Theory]
    [MemberData(nameof(RefusedByPyTorch))]
    public void Load_ArchivePyTorchRefuses_ThrowsModelFileExceptionInPyTorchsWords(string name)
    {
        JsonElement c = Fixture.Case(File_, name);

        var act = () => Torch.Load(new MemoryStream(Bytes(c)));

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain(c.GetProperty("phrase").GetString());
    }

    [Fact]
    public void Load_EmptyViewsAtAndPastTheStorageEnd_LoadAsEmptyTensorsLikePyTorch()
    {
        JsonElement c = Fixture.Case(File_, "hard_empty_views");

        TensorDictionary loaded = Torch.Load(new MemoryStream(Bytes(c)));

        loaded.Keys.Should().Equal(c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var expected = c.GetProperty("tensors").EnumerateArray().Select(Fixture.ReadTensor).ToList();
        for (int i = 0; i < expected.Count; i++)
        {
            TensorAssert.BitEqual(loaded.Values.ElementAt(i), expected[i], loaded.Keys.ElementAt(i));
        }
    }

    [Theory]
    [InlineData(0L, 3L)]
    [InlineData(3L, 1_000_000_000_000L)]
    [InlineData(1L << 40, 4L)]
    public void Load_ZeroSizeTensorAtAnyOffset_LoadsEmpty(long size0, long offset)
    {
        long[] size = size0 == 0 ? [0, 5] : [size0, 0];
        byte[] file = TorchLoadTests.Checkpoint(
            TorchLoadTests.Pickle.StateDict(("e", TorchLoadTests.Pickle.Tensor("0", 4, offset, size, [5, 1]))), ("0", new byte[16]));

        if (size0 == 1L << 40)
        {
            // A dimension beyond int.MaxValue is refused even when another dimension is 0.
            FluentActions.Invoking(() => Torch.Load(new MemoryStream(file))).Should().Throw<ModelFileException>();
            return;
        }

        Tensor e = Torch.Load(new MemoryStream(file))["e"];

        e.Shape.ToArray().Should().Equal(size.Select(s => (int)s));
        e.NumElements.Should().Be(0);
    }

    [Fact]
    public void Load_NegativeOffsetOnEmptyTensor_ThrowsModelFileException()
    {
        byte[] file = TorchLoadTests.Checkpoint(
            TorchLoadTests.Pickle.StateDict(("e", TorchLoadTests.Pickle.Tensor("0", 4, -1, [0], [1]))), ("0", new byte[16]));

        var act = () => Torch.Load(new MemoryStream(file));

        act.Should().Throw<ModelFileException>().WithMessage("*negative storage offset -1*");
    }

    [Theory]
    [InlineData("hard_expand_stride0_12000")]
    [InlineData("hard_expand_stride0_3000")]
    [InlineData("hard_many_views")]
    [InlineData("hard_deflate_bomb")]
    public void Load_FileDescribingFarMoreThanItHolds_IsRefusedBeforeAllocating(string name)
    {
        JsonElement c = Fixture.Case(File_, name);
        byte[] bytes = Bytes(c);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Torch.Load(new MemoryStream(bytes));

        act.Should().Throw<ModelFileException>().WithMessage("*default budget of*pass a larger maxBytes to Torch.Load*");
        // The budget bounds what the file's contents ask for; the reader's own bookkeeping (zip directory, the
        // pickle's small objects) grows with the file's size on top of it.
        (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).Should().BeLessThanOrEqualTo(
            LoadBudget.Default(bytes.Length) + bytes.Length, "nothing past the budget is allocated");
    }

    [Fact]
    public void Load_StrideZeroExpansionWithRaisedBudget_LoadsPyTorchsValues()
    {
        JsonElement c = Fixture.Case(File_, "hard_expand_stride0_3000");

        Tensor w = Torch.Load(new MemoryStream(Bytes(c)), maxBytes: 64L << 20)["w"];

        w.Shape.ToArray().Should().Equal(3000, 3000);
        w.AsReadOnlySpan().ToArray().Distinct().Should().Equal(Fixture.ReadFloat(c.GetProperty("value")));
    }

    [Fact]
    public void Load_DeflateBombWithRaisedBudget_Loads()
    {
        JsonElement c = Fixture.Case(File_, "hard_deflate_bomb");

        Tensor w = Torch.Load(new MemoryStream(Bytes(c)), maxBytes: 160L << 20)["w"];

        w.Shape.ToArray().Should().Equal(16 << 20);
    }

    [Fact]
    public void Load_BudgetTooSmallForALegitimateFile_NamesTheBudgetPassed()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", "rnn_basic.pt"));

        var act = () => Torch.Load(new MemoryStream(bytes), maxBytes: 100);

        act.Should().Throw<ModelFileException>().WithMessage("*budget of 100 bytes passed as maxBytes*");
    }

    [Fact]
    public void SafeTensorsLoad_BudgetTooSmall_NamesTheBudgetAndTheTensor()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", "rnn_f32.safetensors"));

        var act = () => SafeTensors.Load(new MemoryStream(bytes), maxBytes: 600);

        act.Should().Throw<ModelFileException>().WithMessage("*budget of 600 bytes passed as maxBytes*the tensor*SafeTensors.Load*");
        SafeTensors.Load(new MemoryStream(bytes)).Count.Should().Be(8, "the default budget covers a legitimate file");
    }

    [Fact]
    public void LoadBudgetDefault_IsTheDocumentedRuleAndSaturates()
    {
        LoadBudget.Default(1000).Should().Be((LoadBudget.DefaultSizeMultiple * 1000) + LoadBudget.DefaultAllowanceBytes);
        LoadBudget.Default(long.MaxValue / 2).Should().Be(long.MaxValue);
        FluentActions.Invoking(() => LoadBudget.Default(-1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("fileLength");
    }

    [Fact]
    public void Load_Zip64ArchiveWithMoreThan65535Entries_ReadsItsCentralDirectory()
    {
        // 70,000 storages: the writer must use the zip64 end-of-central-directory records, which the archive checks read too.
        const int N = 70_000;
        var tensors = Enumerable.Range(0, N).Select(i => ($"k{i}", TorchLoadTests.Pickle.Tensor($"{i}", 1, 0, [1], [1]))).ToArray();
        var storages = Enumerable.Range(0, N).Select(i => ($"{i}", BitConverter.GetBytes((float)i))).ToArray();
        byte[] file = TorchLoadTests.Checkpoint(TorchLoadTests.Pickle.StateDict(tensors), storages);
        int eocd = file.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        BitConverter.ToUInt16(file, eocd + 10).Should().Be(ushort.MaxValue, "the archive is in zip64 form");

        TensorDictionary loaded = Torch.Load(new MemoryStream(file));

        loaded.Count.Should().Be(N);
        loaded[$"k{N - 1}"].Item().Should().Be(N - 1);
    }

    [Fact]
    public void Load_NegativeMaxBytes_ThrowsArgumentOutOfRange()
    {
        var act = () => Torch.Load(new MemoryStream([]), maxBytes: -1);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxBytes");
    }

    [Fact]
    public void Load_ThousandNamesForOneTensor_SharesOneArrayAndMatchesPyTorch()
    {
        JsonElement c = Fixture.Case(File_, "hard_shared_names");
        byte[] bytes = Bytes(c);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        TensorDictionary loaded = Torch.Load(new MemoryStream(bytes));

        (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).Should().BeLessThan(LoadBudget.Default(bytes.Length));
        loaded.Keys.Should().Equal(c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Tensor tied = Fixture.ReadTensor(c.GetProperty("tied"));
        TensorAssert.BitEqual(loaded["tied0"], tied, "tied0");
        TensorAssert.BitEqual(loaded["tied999"], tied, "tied999");
        TensorAssert.BitEqual(loaded["first_rows"], Fixture.ReadTensor(c.GetProperty("first_rows")), "first_rows");
        TensorAssert.BitEqual(loaded["column"], Fixture.ReadTensor(c.GetProperty("column")), "column");

        // Like PyTorch, the names share storage: a write through one is seen through the others.
        loaded["tied0"][0, 0] = 42f;
        loaded["tied999"][0, 0].Should().Be(42f);
    }

    [Fact]
    public void Load_DeflatedEntries_ReadAsPyTorchReadsThem()
    {
        JsonElement c = Fixture.Case(File_, "hard_deflated");

        TensorDictionary loaded = Torch.Load(new MemoryStream(Bytes(c)));

        foreach (var (name, expected) in Fixture.ReadStateDictEntries(c.GetProperty("state_dict")))
        {
            TensorAssert.BitEqual(loaded[name], expected, name);
        }
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(100_000)]
    public void PyDict_ManyKeys_ComparesKeysAConstantNumberOfTimesPerInsert(int n)
    {
        var comparer = new CountingComparer();
        var dict = new PyDict(comparer);

        for (int i = 0; i < n; i++)
        {
            dict.Set($"layer{i}.weight", i);
        }

        dict.Set("layer0.weight", -1); // replacing keeps the first position
        dict.Count.Should().Be(n);
        dict.Entries[0].Value.Should().Be(-1);
        (comparer.Calls / (double)n).Should().BeLessThan(4, "a linear-time dict hashes each key once and compares it with few others");
    }

    [Fact]
    public void Load_HundredThousandKeys_LoadsEveryKeyInOrder()
    {
        const int N = 100_000;
        var tensors = Enumerable.Range(0, N).Select(i => ($"k{i}", TorchLoadTests.Pickle.Tensor("0", 1, 0, [1], [1]))).ToArray();
        byte[] file = TorchLoadTests.Checkpoint(TorchLoadTests.Pickle.StateDict(tensors), ("0", BitConverter.GetBytes(2.5f)));

        TensorDictionary loaded = Torch.Load(new MemoryStream(file));

        loaded.Count.Should().Be(N);
        loaded.Keys.Last().Should().Be($"k{N - 1}");
        loaded[$"k{N / 2}"].Item().Should().Be(2.5f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Load_HostileShapes_EndInModelFileException(int seed)
    {
        // Views with stride 0, huge or overflowing strides and offsets, storages shared by many views, many keys.
        var rng = new Random(seed);
        long[] interesting = [0, 1, 2, 3, 4, 5, 1000, int.MaxValue, (long)int.MaxValue + 1, 1L << 40, long.MaxValue / 2, long.MaxValue, -1, long.MinValue];
        long Pick() => rng.Next(3) == 0 ? interesting[rng.Next(interesting.Length)] : rng.Next(0, 8);
        for (int i = 0; i < 2000; i++)
        {
            int dims = rng.Next(0, 4);
            int views = rng.Next(1, 20);
            var entries = Enumerable.Range(0, views).Select(v => ($"v{v}", TorchLoadTests.Pickle.Tensor(
                "0", rng.Next(3) == 0 ? Pick() : 6, Pick(),
                Enumerable.Range(0, dims).Select(_ => Pick()).ToArray(),
                Enumerable.Range(0, dims).Select(_ => Pick()).ToArray()))).ToArray();
            byte[] file = TorchLoadTests.Checkpoint(TorchLoadTests.Pickle.StateDict(entries), ("0", new byte[24]));

            FuzzTests.Outcome(() => Torch.Load(new MemoryStream(file)), "hostile shapes", i, file);
        }
    }

    [Fact]
    public void Load_EntryWhoseHeaderUnderstatesItsInflatedSize_IsRefused()
    {
        // The header says 24 bytes; the deflated stream holds a megabyte: only the claimed bytes (plus one) are read.
        byte[] valid = TorchLoadTests.Checkpoint(
            TorchLoadTests.Pickle.StateDict(("w", TorchLoadTests.Pickle.Tensor("0", 6, 0, [6], [1]))), ("0", new byte[24]));
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var source = new ZipArchive(new MemoryStream(valid));
            foreach (ZipArchiveEntry e in source.Entries)
            {
                using Stream to = zip.CreateEntry(e.FullName, CompressionLevel.Optimal).Open();
                using Stream from = e.Open();
                from.CopyTo(to);
                if (e.FullName == "archive/data/0")
                {
                    to.Write(new byte[1 << 20]);
                }
            }
        }

        var act = () => Torch.Load(new MemoryStream(stream.ToArray()));

        act.Should().Throw<ModelFileException>();
    }

    private sealed class CountingComparer : IEqualityComparer<object>
    {
        public long Calls { get; private set; }

        public new bool Equals(object? x, object? y)
        {
            Calls++;
            return object.Equals(x, y);
        }

        public int GetHashCode(object obj)
        {
            Calls++;
            return obj.GetHashCode();
        }
    }
}
