using System.Text.Json;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.IO;

/// <summary>
/// PyTorch's legacy checkpoint format (Fixtures/legacy.json and legacy/*.pt, from record_legacy.py): files written by
/// real <c>torch.save(..., _use_new_zipfile_serialization=False)</c> load with torch's names, shapes, dtypes and bits;
/// a sentiment model's bidirectional LSTM loaded from one reproduces PyTorch's outputs; every hostile variant, every
/// truncation and thousands of mutations end in a <see cref="ModelFileException"/>.
/// </summary>
public sealed class LegacyCheckpointTests(ITestOutputHelper output)
{
    private const string File_ = "legacy.json";
    private const int Iterations = 3000;

    public static TheoryData<string> Loaded() => Fixture.Names(File_, c => c.TryGetProperty("keys", out _));

    public static TheoryData<string> Refused() => Fixture.Names(File_, c => c.TryGetProperty("phrase", out _));

    public static TheoryData<string> RefusedInPyTorchsWords() =>
        Fixture.Names(File_, c => c.TryGetProperty("in_torch_words", out JsonElement w) && w.GetBoolean());

    private static string PathOf(JsonElement c) => Path.Combine(Fixture.Directory, c.GetProperty("file").GetString()!);

    [Theory]
    [MemberData(nameof(Loaded))]
    public void Load_LegacyFileWrittenByPyTorch_HasPyTorchsNamesShapesDtypesAndBits(string name)
    {
        JsonElement c = Fixture.Case(File_, name);

        TensorDictionary loaded = Torch.Load(PathOf(c));

        loaded.Keys.Should().Equal(c.GetProperty("keys").EnumerateArray().Select(k => k.GetString()), "the file's order is kept");
        AssertTensors(loaded, c);
    }

    [Theory]
    [MemberData(nameof(Loaded))]
    public void Load_LegacyFileFromNonSeekableStream_ReadsTheSameTensors(string name)
    {
        JsonElement c = Fixture.Case(File_, name);

        TensorDictionary loaded = Torch.Load(new SafeTensorsTests.NonSeekableStream(File.ReadAllBytes(PathOf(c))));

        AssertTensors(loaded, c);
    }

    [Fact]
    public void Load_ViewsOfOneStorage_ShareItAsInPyTorch()
    {
        TensorDictionary loaded = Torch.Load(Path.Combine(Fixture.Directory, "legacy", "shared_views.pt"));
        Tensor rowBefore = loaded["row"];
        float[] column = loaded["column"].ToArray();

        loaded["base"].AsSpan()[6] = 123f; // base[1, 0]

        rowBefore.AsReadOnlySpan()[0].Should().Be(123f, "row is base[1], a view of the same storage");
        loaded["rows"].AsReadOnlySpan()[0].Should().Be(123f, "rows is base[1:3]");
        loaded["flat_slice"].AsReadOnlySpan()[1].Should().Be(123f, "flat_slice is base.view(-1)[5:17]");
        loaded["tied"].AsReadOnlySpan()[6].Should().Be(123f, "tied is base itself");
        loaded["column"].ToArray().Should().Equal(column, "a strided view is a copy (RnnSharp's tensors are contiguous)");
        loaded["long_rows"].AsInt64Span()[0] = -5;
        loaded["long_column"].AsReadOnlyInt64Span()[2].Should().Be(13, "the int64 column is a copy");
    }

    [Fact]
    public void Load_SentimentModelsLegacyStateDict_ReproducesPyTorchsOutputs()
    {
        // The sentiment-classification layout of issue 11: Embedding, a 2-layer bidirectional LSTM (weight_ih_l0_reverse
        // ...), Linear on cat(h_n[-2], h_n[-1]); every sub-module loads strictly from its prefix.
        JsonElement c = Fixture.Case(File_, "sentiment_lstm");
        TensorDictionary loaded = Torch.Load(PathOf(c));
        var embedding = new Embedding(20, 6, generator: new Generator(1));
        var lstm = new Lstm(6, 5, numLayers: 2, bidirectional: true, batchFirst: true, generator: new Generator(1));
        var fc = new Linear(10, 2, generator: new Generator(1));
        LoadStateDictResult[] results =
        [
            embedding.LoadStateDict(loaded.WithPrefix("embedding.")),
            lstm.LoadStateDict(loaded.WithPrefix("lstm.")),
            fc.LoadStateDict(loaded.WithPrefix("fc.")),
        ];
        lstm.Eval();
        JsonElement input = c.GetProperty("input");
        Tensor text = Torch.Tensor(input.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()).ToArray())
            .View(input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());

        Tensor embedded = embedding.Forward(text);
        var (lstmOutput, (hN, cN)) = lstm.Forward(embedded);
        Tensor logits = fc.Forward(Torch.Cat([hN.Select(0, 2), hN.Select(0, 3)], dim: 1));

        results.Should().AllSatisfy(r =>
        {
            r.MissingKeys.Should().BeEmpty();
            r.UnexpectedKeys.Should().BeEmpty();
        });
        lstm.StateDict().Keys.Should().Contain("weight_ih_l0_reverse");
        LstmGruTolerance.AssertMatches(c, new Dictionary<string, float[]>
        {
            ["embedded"] = embedded.ToArray(),
            ["output"] = lstmOutput.ToArray(),
            ["h_n"] = hN.ToArray(),
            ["c_n"] = cN.ToArray(),
            ["logits"] = logits.ToArray(),
        }, output);
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Load_MalformedOrHostileLegacyFile_ThrowsModelFileExceptionSayingWhat(string name)
    {
        JsonElement c = Fixture.Case(File_, name);

        var act = () => Torch.Load(PathOf(c));

        act.Should().Throw<ModelFileException>().Which.Message.Should()
            .Contain(c.GetProperty("phrase").GetString()).And.NotContain("failed unexpectedly");
    }

    [Theory]
    [MemberData(nameof(RefusedInPyTorchsWords))]
    public void Load_LegacyFilePyTorchRefuses_SaysWhatPyTorchSays(string name)
    {
        // The phrase is PyTorch's own: the recorder checked it against torch.load's message.
        JsonElement c = Fixture.Case(File_, name);
        c.GetProperty("torch_error").GetString().Should().Contain(c.GetProperty("phrase").GetString());

        var act = () => Torch.Load(new MemoryStream(File.ReadAllBytes(PathOf(c))));

        act.Should().Throw<ModelFileException>().Which.Message.Should().Contain(c.GetProperty("phrase").GetString());
    }

    [Theory]
    [InlineData("huge_numel_in_pickle")]
    [InlineData("expand_stride0")]
    public void Load_LegacyFileDescribingFarMoreThanItHolds_IsRefusedBeforeAllocating(string name)
    {
        byte[] bytes = File.ReadAllBytes(PathOf(Fixture.Case(File_, name)));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Torch.Load(new MemoryStream(bytes));

        act.Should().Throw<ModelFileException>();
        (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore).Should().BeLessThanOrEqualTo(
            LoadBudget.Default(bytes.Length) + bytes.Length, "nothing past the budget is allocated");
    }

    [Fact]
    public void Load_StrideZeroExpansionWithRaisedBudget_LoadsPyTorchsValues()
    {
        Tensor w = Torch.Load(Path.Combine(Fixture.Directory, "legacy", "expand_stride0.pt"), maxBytes: 600L << 20)["w"];

        w.Shape.ToArray().Should().Equal(12000, 12000);
        w.AsReadOnlySpan().ToArray().Distinct().Should().Equal(0.75f);
    }

    [Theory]
    [InlineData("rnn.pt")]
    [InlineData("int64_buffers.pt")]
    [InlineData("shared_views.pt")]
    [InlineData("storage_views.pt")]
    [InlineData("other_floats.pt")]
    public void Load_LegacyFileTruncatedAtEveryByte_ThrowsModelFileException(string file)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Fixture.Directory, "legacy", file));
        int refused = 0;
        for (int length = 0; length < original.Length; length++)
        {
            byte[] prefix = original[..length];
            refused += FuzzTests.Outcome(() => Torch.Load(new MemoryStream(prefix)), file, length, prefix);
        }

        refused.Should().Be(original.Length, "every prefix of the file misses something it needs");
    }

    [Theory]
    [InlineData("rnn.pt", 11)]
    [InlineData("shared_views.pt", 12)]
    [InlineData("sentiment_lstm.pt", 13)]
    [InlineData("storage_views.pt", 14)]
    public void Load_MutatedLegacyFile_SucceedsOrThrowsModelFileException(string file, int seed)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Fixture.Directory, "legacy", file));
        var rng = new Random(seed);
        int refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = FuzzTests.Mutate(original, rng);
            refused += FuzzTests.Outcome(() => Torch.Load(new MemoryStream(mutated)), file, i, mutated);
        }

        refused.Should().BeGreaterThan(Iterations / 10, "most corruptions must be noticed");
    }

    [Fact]
    public void Load_LegacyFileWithSmallBudget_IsRefusedNamingTheBudget()
    {
        var act = () => Torch.Load(Path.Combine(Fixture.Directory, "legacy", "sentiment_lstm.pt"), maxBytes: 1000);

        act.Should().Throw<ModelFileException>().WithMessage("*budget of 1,000 bytes passed as maxBytes*");
    }

    /// <summary>Names, dtypes, shapes and bits against what torch.load loaded.</summary>
    private static void AssertTensors(TensorDictionary loaded, JsonElement c)
    {
        var expected = c.GetProperty("tensors").EnumerateArray().ToList();
        loaded.Count.Should().Be(expected.Count);
        int i = 0;
        foreach ((string key, Tensor actual) in loaded)
        {
            JsonElement e = expected[i++];
            if (e.GetProperty("dtype").GetString() == "int64")
            {
                actual.DType.Should().Be(DType.Int64, key);
                actual.Shape.ToArray().Should().Equal(e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), key);
                actual.AsReadOnlyInt64Span().ToArray().Should().Equal(e.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()), key);
            }
            else
            {
                // float64, float16 and bfloat16 load as float32, as from zip files; the recorder wrote torch's tensor.float().
                actual.DType.Should().Be(DType.Float32, key);
                TensorAssert.BitEqual(actual, Fixture.ReadTensor(e), key);
            }
        }
    }
}
