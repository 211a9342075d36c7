using System.Text.Json;
using RnnSharp.Optim;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>
/// Torch.Save against real PyTorch 1.13: the committed <c>Fixtures/saved/*.pt</c> are this writer's output (regenerate
/// them with <c>RNNSHARP_WRITE_SAVED=1 dotnet test --filter TorchSaveTests</c>), <c>record_torch_save.py</c> loads each
/// with <c>torch.load(weights_only=True)</c> into <c>torch_save.json</c> and re-saves what it loaded with
/// <c>torch.save</c> into <c>Fixtures/saved/torch/</c>.
/// </summary>
public sealed class TorchSaveTests
{
    private const string File = "torch_save.json";

    public static TheoryData<string> StateDictCases => new(SavedCases.StateDicts.Keys);

    public static TheoryData<string> OptimizerCases => new(SavedCases.Optimizers.Keys);

    public static TheoryData<string> ArchiveNameCases => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "archive_name");

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void Save_StateDictCase_WritesTheCommittedBytes(string name) =>
        CheckCommitted(name, SaveToBytes(name, path => Torch.Save(SavedCases.StateDicts[name](), path)));

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void Save_OptimizerCase_WritesTheCommittedBytes(string name) =>
        CheckCommitted(name, SaveToBytes(name, path => Torch.Save(SavedCases.Optimizers[name](), path)));

    [Theory]
    [MemberData(nameof(StateDictCases))]
    [MemberData(nameof(OptimizerCases))]
    public void Save_Case_IsByteForByteWhatTorchSaveWrites(string name)
    {
        // torch.save of the dict torch.load read from our file: the same tensors, storages and sharing.
        byte[] ours = System.IO.File.ReadAllBytes(Saved(name));
        byte[] torch = System.IO.File.ReadAllBytes(Path.Combine(Fixture.Directory, "saved", "torch", name + ".pt"));
        ours.Should().Equal(torch);
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void Save_StateDictCase_TorchLoadsTheSameTensors(string name)
    {
        IReadOnlyDictionary<string, Tensor> dict = SavedCases.StateDicts[name]();
        JsonElement c = Fixture.Case(File, name);
        CheckTensors(dict.ToList(), c.GetProperty("tensors"));
    }

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void Save_OptimizerCase_TorchLoadsItIntoItsOptimizer(string name)
    {
        OptimizerStateDict dict = SavedCases.Optimizers[name]();
        JsonElement c = Fixture.Case(File, name);

        c.GetProperty("load_state_dict").GetString().Should().Be("ok");
        var tensors = dict.State.SelectMany(s => s.Value.Where(v => v.Value is not null)
            .Select(v => new KeyValuePair<string, Tensor>($"state.{s.Key}.{v.Key}", v.Value!))).ToList();
        CheckTensors(tensors, c.GetProperty("tensors"));
        var groups = c.GetProperty("param_groups").EnumerateArray().ToList();
        groups.Should().HaveCount(dict.ParamGroups.Count);
        for (int g = 0; g < groups.Count; g++)
        {
            var recorded = groups[g].EnumerateArray().Select(o => (o[0].GetString()!, o[1].GetString()!)).ToList();
            var ours = dict.ParamGroups[g].Select(o => (o.Key, o.Key == "params"
                ? "[" + string.Join(", ", (int[])o.Value!) + "]"
                : OptimizerStateDict.PyRepr(o.Key, o.Value))).ToList();
            ours.Should().Equal(recorded, "torch's repr of each option it loaded");
        }

        var noneStates = c.GetProperty("none_states").EnumerateArray().Select(e => e.GetString()).ToList();
        dict.State.SelectMany(s => s.Value.Where(v => v.Value is null).Select(v => $"state.{s.Key}.{v.Key}")).Should().Equal(noneStates);
    }

    [Theory]
    [MemberData(nameof(StateDictCases))]
    public void Load_SavedStateDict_RoundTripsEveryBit(string name)
    {
        IReadOnlyDictionary<string, Tensor> dict = SavedCases.StateDicts[name]();
        var stream = new MemoryStream();
        Torch.Save(dict, stream);

        TensorDictionary loaded = Torch.Load(new MemoryStream(stream.ToArray()));

        loaded.Keys.Should().Equal(dict.Keys);
        foreach (var (key, tensor) in dict)
        {
            BitEqual(loaded[key], tensor, key);
        }
    }

    [Fact]
    public void Load_SavedViews_SameTensorTwiceSharesOneArray()
    {
        TensorDictionary loaded = Torch.Load(Saved("views"));

        loaded["a"].StorageArray.Should().BeSameAs(loaded["a_again"].StorageArray);
        loaded["a"].Select(1).ToArray().Should().Equal(loaded["row1"].ToArray());
    }

    [Fact]
    public void LoadOptimizerStateDict_LegacyFormatFile_ThrowsSayingSo()
    {
        // A legacy (pre-1.6) file written by real torch: Torch.Load reads it as a state dict, the optimizer reader refuses it.
        string legacy = Path.Combine(Fixture.Directory, "legacy", "gru.pt");

        Action load = () => Torch.LoadOptimizerStateDict(legacy);

        load.Should().Throw<ModelFileException>().WithMessage("*legacy (pre-1.6*not optimizer state dicts*");
        Torch.Load(legacy).Count.Should().BePositive();
    }

    [Theory]
    [MemberData(nameof(OptimizerCases))]
    public void LoadOptimizerStateDict_SavedFile_RoundTripsAndResumes(string name)
    {
        OptimizerStateDict saved = SavedCases.Optimizers[name]();

        OptimizerStateDict loaded = Torch.LoadOptimizerStateDict(Saved(name));

        loaded.State.Keys.Should().Equal(saved.State.Keys);
        foreach (var (index, state) in saved.State)
        {
            loaded.State[index].Keys.Should().Equal(state.Keys);
            foreach (var (key, tensor) in state)
            {
                if (tensor is null)
                {
                    loaded.State[index][key].Should().BeNull();
                }
                else
                {
                    BitEqual(loaded.State[index][key]!, tensor, key);
                }
            }
        }

        loaded.ParamGroups.Select(g => string.Join(";", g.Select(o => o.Key + "=" + (o.Value is int[] ids ? string.Join(",", ids) : OptimizerStateDict.PyRepr(o.Key, o.Value)))))
            .Should().Equal(saved.ParamGroups.Select(g => string.Join(";", g.Select(o => o.Key + "=" + (o.Value is int[] ids ? string.Join(",", ids) : OptimizerStateDict.PyRepr(o.Key, o.Value))))));
        var model = new Linear(3, 2);
        Optimizer fresh = name.StartsWith("sgd", StringComparison.Ordinal) ? new SGD(model.Parameters(), lr: 1) : new Adam(model.Parameters());
        fresh.LoadStateDict(loaded);
        fresh.StateDict().State.Keys.Should().Equal(saved.State.Keys);
    }

    [Theory]
    [MemberData(nameof(ArchiveNameCases))]
    public void Save_Path_NamesTheArchiveFolderAsTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        string path = c.GetProperty("path").GetString()!;
        if (c.GetProperty("archive").ValueKind == JsonValueKind.Null)
        {
            var act = () => Torch.ArchiveName(path);
            act.Should().Throw<ArgumentException>().WithMessage(c.GetProperty("message").GetString() + "*").Which.ParamName.Should().Be("path");
        }
        else
        {
            Torch.ArchiveName(path).Should().Be(c.GetProperty("archive").GetString());
        }
    }

    [Fact]
    public void Save_Stream_NamesTheArchiveFolderArchive()
    {
        var stream = new MemoryStream();
        Torch.Save(SavedCases.StateDicts["linear"](), stream);

        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(stream.ToArray()));
        zip.Entries.Select(e => e.FullName).Should().Equal("archive/data.pkl", "archive/data/0", "archive/data/1", "archive/version");
    }

    [Fact]
    public void Save_NullArguments_Throw()
    {
        var dict = SavedCases.StateDicts["linear"]();
        FluentActions.Invoking(() => Torch.Save((IReadOnlyDictionary<string, Tensor>)null!, "x.pt")).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("stateDict");
        FluentActions.Invoking(() => Torch.Save(dict, (string)null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("path");
        FluentActions.Invoking(() => Torch.Save(dict, (Stream)null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("stream");
        FluentActions.Invoking(() => Torch.Save((OptimizerStateDict)null!, "x.pt")).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("stateDict");
    }

    [Fact]
    public void Save_NullOrEmptyNameOrNullTensor_ThrowsAndWritesNothing()
    {
        string dir = TempDir();
        string path = Path.Combine(dir, "m.pt");
        var empty = new Dictionary<string, Tensor> { [string.Empty] = Tensor.Zeros(1) };
        var nullTensor = new Dictionary<string, Tensor> { ["w"] = null! };

        FluentActions.Invoking(() => Torch.Save(empty, path)).Should().Throw<ArgumentException>().WithMessage("*empty*").Which.ParamName.Should().Be("stateDict");
        FluentActions.Invoking(() => Torch.Save(nullTensor, path)).Should().Throw<ArgumentNullException>().WithMessage("*'w'*").Which.ParamName.Should().Be("stateDict");
        Directory.GetFiles(dir).Should().BeEmpty();
    }

    [Fact]
    public void Save_FailingMidWrite_LeavesTheOldFileAndNoTemporaryFile()
    {
        string dir = TempDir();
        string path = Path.Combine(dir, "opt.pt");
        System.IO.File.WriteAllBytes(path, [1, 2, 3]);
        var group = new Dictionary<string, object?> { ["lr"] = 0.1m, ["params"] = new[] { 0 } };
        var bad = new OptimizerStateDict(new Dictionary<int, IReadOnlyDictionary<string, Tensor?>>(), [group]);

        FluentActions.Invoking(() => Torch.Save(bad, path)).Should().Throw<ArgumentException>().WithMessage("*'lr'*Decimal*");

        System.IO.File.ReadAllBytes(path).Should().Equal(1, 2, 3);
        Directory.GetFiles(dir).Should().Equal(path);
    }

    [Fact]
    public void Save_MissingFolder_ThrowsDirectoryNotFound()
    {
        string path = Path.Combine(TempDir(), "no", "such", "m.pt");

        FluentActions.Invoking(() => Torch.Save(SavedCases.StateDicts["linear"](), path)).Should().Throw<DirectoryNotFoundException>();
    }

    [Fact]
    public void Save_ReadOnlyStream_Throws()
    {
        var stream = new MemoryStream([], writable: false);

        FluentActions.Invoking(() => Torch.Save(SavedCases.StateDicts["linear"](), stream)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("stream");
    }

    [Fact]
    public void Crc32_TableDriven_EqualsTheBitwiseDefinition()
    {
        var random = new Random(11);
        byte[] data = new byte[300];
        random.NextBytes(data);
        for (int length = 0; length <= 256; length++)
        {
            Crc32.Append(0, data.AsSpan(0, length)).Should().Be(Crc32.Naive(data.AsSpan(0, length)), "length {0}", length);
            int split = length / 3;
            Crc32.Append(Crc32.Append(0, data.AsSpan(0, split)), data.AsSpan(split, length - split)).Should().Be(Crc32.Naive(data.AsSpan(0, length)));
        }
    }

    private static void CheckTensors(List<KeyValuePair<string, Tensor>> ours, JsonElement recorded)
    {
        var entries = recorded.EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("name").GetString()).Should().Equal(ours.Select(e => e.Key));
        for (int i = 0; i < entries.Count; i++)
        {
            JsonElement e = entries[i];
            Tensor t = ours[i].Value;
            string name = ours[i].Key;
            e.GetProperty("dtype").GetString().Should().Be(t.DType == DType.Int64 ? "torch.int64" : "torch.float32", name);
            e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).Should().Equal(t.Shape.ToArray(), name);
            e.GetProperty("requires_grad").GetBoolean().Should().BeFalse();
            if (t.DType == DType.Int64)
            {
                e.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()).Should().Equal(t.AsReadOnlyInt64Span().ToArray(), name);
            }
            else
            {
                e.GetProperty("bits").EnumerateArray().Select(v => v.GetUInt32())
                    .Should().Equal(t.ToArray().Select(BitConverter.SingleToUInt32Bits), name);
            }

            // Storage sharing as torch sees it: same storage exactly when the RnnSharp tensors overlap (or are one tensor).
            for (int j = 0; j < i; j++)
            {
                Tensor u = ours[j].Value;
                bool shared = e.GetProperty("storage").GetInt32() == entries[j].GetProperty("storage").GetInt32();
                bool overlap = ReferenceEquals(t, u) || t.Overlaps(u);
                if (overlap)
                {
                    shared.Should().BeTrue($"{name} overlaps {ours[j].Key}");
                    (e.GetProperty("offset").GetInt32() - entries[j].GetProperty("offset").GetInt32())
                        .Should().Be(t.StorageOffset - u.StorageOffset, $"{name} and {ours[j].Key} keep their distance in the storage");
                }
            }
        }
    }

    private static void BitEqual(Tensor actual, Tensor expected, string name)
    {
        actual.DType.Should().Be(expected.DType, name);
        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray(), name);
        if (expected.DType == DType.Int64)
        {
            actual.AsReadOnlyInt64Span().ToArray().Should().Equal(expected.AsReadOnlyInt64Span().ToArray(), name);
        }
        else
        {
            actual.ToArray().Select(BitConverter.SingleToUInt32Bits).Should().Equal(expected.ToArray().Select(BitConverter.SingleToUInt32Bits), name);
        }
    }

    private static byte[] SaveToBytes(string name, Action<string> save)
    {
        // Saved under the case's name: the archive folder inside is named after the file, as torch.save names it.
        string path = Path.Combine(TempDir(), name + ".pt");
        save(path);
        return System.IO.File.ReadAllBytes(path);
    }

    private static void CheckCommitted(string name, byte[] bytes)
    {
        if (Environment.GetEnvironmentVariable("RNNSHARP_WRITE_SAVED") == "1")
        {
            System.IO.File.WriteAllBytes(Path.Combine(SourceSavedDirectory(), name + ".pt"), bytes);
        }

        bytes.Should().Equal(System.IO.File.ReadAllBytes(Saved(name)), "the writer must still produce the committed file torch was checked on");
    }

    private static string Saved(string name) => Path.Combine(Fixture.Directory, "saved", name + ".pt");

    /// <summary>The source tree's <c>Fixtures/saved</c> (the generator writes there, never into the build output only).</summary>
    private static string SourceSavedDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "RnnSharp.Tests", "Fixtures", "saved");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/RnnSharp.Tests/Fixtures/saved not found above " + AppContext.BaseDirectory);
    }

    private static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "rnnsharp-save-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
