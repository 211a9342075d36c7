using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>
/// <see cref="RnnUtils"/> and <see cref="PackedSequence"/> against packed_utils.json (record_packed_utils.py, torch 1.13):
/// values, int64 fields, printing, grad_fn names and gradients. Every comparison is exact: these functions only move
/// values, and torch's gradients through them are copies too.
/// </summary>
public sealed class PackedSequenceUtilsTests
{
    public static TheoryData<string> PadCases() => PackedFixture.Names("pad_sequence");

    public static TheoryData<string> PackCases() => PackedFixture.Names("pack_padded");

    public static TheoryData<string> RoundTripCases() => PackedFixture.Names("roundtrip");

    public static TheoryData<string> PackSequenceCases() => PackedFixture.Names("pack_sequence");

    public static TheoryData<string> UnpackCases() => PackedFixture.Names("unpack_sequence");

    public static TheoryData<string> UnpadCases() => PackedFixture.Names("unpad_sequence");

    public static TheoryData<string> StrCases() => PackedFixture.Names("str");

    public static TheoryData<string> ErrorCases() => Fixture.Names(
        PackedFixture.File, c => c.GetProperty("kind").GetString() == "error" && c.GetProperty("function").GetString() is not ("one_hot" or "sort"));

    [Theory]
    [MemberData(nameof(PadCases))]
    public void PadSequence_Grid_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        List<Tensor> sequences = PackedFixture.ReadList(c.GetProperty("sequences"));
        bool isFloat = sequences[0].DType == DType.Float32;
        sequences.ForEach(s => s.RequiresGrad = isFloat);

        Tensor padded = RnnUtils.PadSequence(sequences, c.GetProperty("batch_first").GetBoolean(), Fixture.ReadFloat(c.GetProperty("padding_value")));

        PackedFixture.Exact(padded, c.GetProperty("output"));
        PackedFixture.GradFn(padded).Should().Be(c.GetProperty("grad_fn").GetString());
        padded.ToString().Should().Be(c.GetProperty("str").GetString());
        if (isFloat)
        {
            AssertSequenceGrads(padded, sequences, c);
        }
    }

    [Theory]
    [MemberData(nameof(PackCases))]
    public void PackPaddedSequence_Grid_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor input = PackedFixture.Read(c.GetProperty("input"));
        bool isFloat = input.DType == DType.Float32;
        input.RequiresGrad = isFloat;
        long[] lengths = PackedFixture.Longs(c.GetProperty("lengths"));

        PackedSequence packed = RnnUtils.PackPaddedSequence(
            input, Torch.Tensor(lengths), c.GetProperty("batch_first").GetBoolean(), c.GetProperty("enforce_sorted").GetBoolean());

        AssertPacked(packed, c);
        if (isFloat)
        {
            packed.Data.Backward(Fixture.ReadTensor(c.GetProperty("upstream")));
            PackedFixture.Exact(input.Grad!, c.GetProperty("grad"));
        }
    }

    [Theory]
    [MemberData(nameof(PackCases))]
    public void PackPaddedSequence_ArrayLengths_SameAsTensorLengths(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor input = PackedFixture.Read(c.GetProperty("input"));
        input.RequiresGrad = input.DType == DType.Float32; // the recorded str() carries grad_fn=<PackPaddedSequenceBackward0>
        long[] lengths = PackedFixture.Longs(c.GetProperty("lengths"));
        bool batchFirst = c.GetProperty("batch_first").GetBoolean();
        bool enforceSorted = c.GetProperty("enforce_sorted").GetBoolean();

        PackedSequence fromLongs = RnnUtils.PackPaddedSequence(input, lengths, batchFirst, enforceSorted);
        PackedSequence fromInts = RnnUtils.PackPaddedSequence(input, [.. lengths.Select(l => (int)l)], batchFirst, enforceSorted);

        fromLongs.ToString().Should().Be(c.GetProperty("str").GetString());
        fromInts.ToString().Should().Be(c.GetProperty("str").GetString());
    }

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void PadPackedSequence_RoundTrip_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor input = PackedFixture.Read(c.GetProperty("input"));
        bool isFloat = input.DType == DType.Float32;
        input.RequiresGrad = isFloat;
        JsonElement total = c.GetProperty("total_length");
        PackedSequence packed = RnnUtils.PackPaddedSequence(
            input, Torch.Tensor(PackedFixture.Longs(c.GetProperty("lengths"))), c.GetProperty("batch_first").GetBoolean(), c.GetProperty("enforce_sorted").GetBoolean());

        var (padded, lengths) = RnnUtils.PadPackedSequence(
            packed, c.GetProperty("batch_first2").GetBoolean(), Fixture.ReadFloat(c.GetProperty("padding_value")),
            total.ValueKind == JsonValueKind.Null ? null : total.GetInt32());

        PackedFixture.Exact(padded, c.GetProperty("output"));
        PackedFixture.Exact(lengths, c.GetProperty("out_lengths"));
        padded.ToString().Should().Be(c.GetProperty("str").GetString());
        PackedFixture.GradFn(padded).Should().Be(c.GetProperty("grad_fn").GetString());
        if (isFloat)
        {
            padded.Backward(Fixture.ReadTensor(c.GetProperty("upstream")));
            PackedFixture.Exact(input.Grad!, c.GetProperty("grad"));
        }
    }

    [Theory]
    [MemberData(nameof(PackSequenceCases))]
    public void PackSequence_Grid_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        List<Tensor> sequences = PackedFixture.ReadList(c.GetProperty("sequences"));
        bool isFloat = sequences[0].DType == DType.Float32;
        sequences.ForEach(s => s.RequiresGrad = isFloat);

        PackedSequence packed = RnnUtils.PackSequence(sequences, c.GetProperty("enforce_sorted").GetBoolean());

        AssertPacked(packed, c);
        if (isFloat)
        {
            AssertSequenceGrads(packed.Data, sequences, c);
        }
    }

    [Theory]
    [MemberData(nameof(UnpackCases))]
    public void UnpackSequence_PackedSequences_ReturnsThemInTheCallersOrder(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        List<Tensor> sequences = PackedFixture.ReadList(c.GetProperty("sequences"));
        bool isFloat = sequences[0].DType == DType.Float32;
        sequences.ForEach(s => s.RequiresGrad = isFloat);

        IReadOnlyList<Tensor> outputs = RnnUtils.UnpackSequence(RnnUtils.PackSequence(sequences, c.GetProperty("enforce_sorted").GetBoolean()));

        AssertList(outputs, c);
    }

    [Theory]
    [MemberData(nameof(UnpadCases))]
    public void UnpadSequence_PaddedBatch_MatchesPyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor padded = PackedFixture.Read(c.GetProperty("input"));
        padded.RequiresGrad = padded.DType == DType.Float32;
        string before = padded.ToString();

        IReadOnlyList<Tensor> outputs = RnnUtils.UnpadSequence(
            padded, Torch.Tensor(PackedFixture.Longs(c.GetProperty("lengths"))), c.GetProperty("batch_first").GetBoolean());

        AssertList(outputs, c);
        padded.ToString().Should().Be(before, "unlike torch 1.13, the argument is not transposed in place");
    }

    [Theory]
    [MemberData(nameof(StrCases))]
    public void Int64Tensor_SizeAndIndexing_PrintLikePyTorch(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        Tensor x = PackedFixture.Read(c.GetProperty("input"));

        if (c.TryGetProperty("index", out JsonElement index))
        {
            Tensor picked = x[PackedFixture.Read(index)];
            PackedFixture.Exact(picked, c.GetProperty("output"));
            picked.ToString().Should().Be(c.GetProperty("str").GetString());
            picked.Size().ToString().Should().Be(c.GetProperty("shape_str").GetString());
            PackedFixture.Exact(x.IndexSelect(0, PackedFixture.Read(index)), c.GetProperty("output"));
        }
        else
        {
            $"{x.Size()} {x}".Should().Be(c.GetProperty("str").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void RnnUtils_InvalidArguments_ThrowPyTorchsError(string name)
    {
        JsonElement c = PackedFixture.Case(name);
        JsonElement a = c.GetProperty("args");
        int[] Shape() => [.. a.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())];
        bool Flag(string p) => a.TryGetProperty(p, out JsonElement v) && v.GetBoolean();
        List<Tensor> Sequences() => [.. a.GetProperty("shapes").EnumerateArray().Select(s => Tensor.Zeros([.. s.EnumerateArray().Select(v => v.GetInt32())]))];
        Tensor Lengths()
        {
            JsonElement l = a.GetProperty("lengths");
            return l[0].ValueKind == JsonValueKind.Array
                ? Torch.Tensor(l.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray())
                : Torch.Tensor(PackedFixture.Longs(l));
        }

        (Action act, string param) = (c.GetProperty("function").GetString(), name) switch
        {
            ("pack_padded_sequence", _) => ((Action)(() => RnnUtils.PackPaddedSequence(Tensor.Zeros(Shape()), Lengths(), Flag("batch_first"), !a.TryGetProperty("enforce_sorted", out _))), "lengths"),
            ("pad_packed_sequence", _) => (() => RnnUtils.PadPackedSequence(RnnUtils.PackPaddedSequence(Tensor.Zeros(Shape()), Lengths()), totalLength: a.GetProperty("total_length").GetInt32()), "totalLength"),
            ("pad_sequence", "pad_sequence_empty") => (() => RnnUtils.PadSequence([]), "sequences"),
            ("pad_sequence", _) => (() => RnnUtils.PadSequence(Sequences()), "sequences"),
            ("pack_sequence", _) => (() => RnnUtils.PackSequence(Sequences()), "lengths"),
            _ => throw new InvalidOperationException(name),
        };

        ErrorAssert.Matches(act, c, param);
    }

    [Fact]
    public void PackedSequence_CourseLesson_PrintsWhatPyTorchPrinted()
    {
        // lab11_7_packed_sequence.py's steps, up to print(packed_X); the expected lines are its recorded output.
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "course", "lab11_7_packed_sequence.out"));
        string[] data = ["hello world", "midnight", "calculation", "path", "short circuit"];
        char[] charSet = [.. data.SelectMany(w => w).Distinct().Order()];
        List<Tensor> x = [.. data.Select(w => Torch.Tensor(w.Select(ch => (long)Array.IndexOf(charSet, ch)).ToArray()))];
        Tensor lengths = Torch.Tensor(x.Select(s => (long)s.Size(0)).ToArray());
        string[] printed = [.. x.Select(s => $"{s.Size()} {s}")];

        Tensor padded = RnnUtils.PadSequence(x, batchFirst: true);
        (lengths, Tensor sortedIdx) = Torch.Sort(lengths, descending: true);
        padded = padded[sortedIdx];
        PackedSequence packedX = RnnUtils.PackPaddedSequence(padded, lengths, batchFirst: true);

        int at = Array.FindIndex(lines, l => l.StartsWith("PackedSequence(", StringComparison.Ordinal));
        packedX.ToString().Should().Be(string.Join('\n', lines[at..(at + 3)]));
        printed.Should().Equal(lines[2..7]);
        sortedIdx.ToString().Should().Be(lines[at - 6]);
    }

    [Fact]
    public void PackedSequence_Deconstruct_GivesTheFourFields()
    {
        PackedSequence packed = RnnUtils.PackSequence([Torch.Tensor([1L, 2, 3]), Torch.Tensor([4L, 5, 6, 7])], enforceSorted: false);

        var (data, batchSizes, sortedIndices, unsortedIndices) = packed;
        var (data2, batchSizes2) = packed;

        data.Should().BeSameAs(packed.Data);
        data2.Should().BeSameAs(packed.Data);
        batchSizes.Should().BeSameAs(packed.BatchSizes);
        batchSizes2.Should().BeSameAs(packed.BatchSizes);
        sortedIndices.Should().BeSameAs(packed.SortedIndices);
        unsortedIndices.Should().BeSameAs(packed.UnsortedIndices);
    }

    [Fact]
    public void PackPaddedSequence_LengthAbovePaddedLength_Throws()
    {
        // torch 1.13 accepts this and returns a PackedSequence whose batch sizes do not add up to its rows.
        Action act = () => RnnUtils.PackPaddedSequence(Tensor.Zeros(3, 2), [4L, 2]);

        act.Should().Throw<ArgumentException>().WithParameterName("lengths");
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 5)]
    public void PackKernel_AgainstNaiveOracle_Agrees(bool batchFirst, int inner)
    {
        long[] batchSizes = [4, 4, 3, 1, 1];
        int steps = 7, batch = 4, rows = 13;
        float[] padded = [.. Enumerable.Range(0, steps * batch * inner).Select(i => (float)i)];
        float[] fast = new float[rows * inner], naive = new float[rows * inner];
        PackKernel.Pack<float>(padded, steps, batch, inner, batchFirst, batchSizes, fast);
        PackKernel.PackNaive<float>(padded, steps, batch, inner, batchFirst, batchSizes, naive);
        fast.Should().Equal(naive);

        float[] back = new float[padded.Length], backNaive = new float[padded.Length];
        PackKernel.Pad<float>(fast, batchSizes, steps, batch, inner, batchFirst, -1f, back);
        PackKernel.PadNaive<float>(fast, batchSizes, steps, batch, inner, batchFirst, -1f, backNaive);
        back.Should().Equal(backNaive);
    }

    private static void AssertSequenceGrads(Tensor output, List<Tensor> sequences, JsonElement c)
    {
        output.Backward(Fixture.ReadTensor(c.GetProperty("upstream")));
        JsonElement[] grads = [.. c.GetProperty("grads").EnumerateArray()];
        for (int i = 0; i < sequences.Count; i++)
        {
            PackedFixture.Exact(sequences[i].Grad!, grads[i], $"gradient of sequence {i}");
        }
    }

    private static void AssertPacked(PackedSequence packed, JsonElement c)
    {
        PackedFixture.Exact(packed.Data, c.GetProperty("data"));
        PackedFixture.Exact(packed.BatchSizes, c.GetProperty("batch_sizes"));
        AssertOptional(packed.SortedIndices, c, "sorted_indices");
        AssertOptional(packed.UnsortedIndices, c, "unsorted_indices");
        PackedFixture.GradFn(packed.Data).Should().Be(c.GetProperty("data_grad_fn").GetString());
        packed.ToString().Should().Be(c.GetProperty("str").GetString());
    }

    private static void AssertOptional(Tensor? actual, JsonElement c, string property)
    {
        if (c.GetProperty(property).ValueKind == JsonValueKind.Null)
        {
            actual.Should().BeNull(property);
        }
        else
        {
            PackedFixture.Exact(actual!, c.GetProperty(property), property);
        }
    }

    private static void AssertList(IReadOnlyList<Tensor> outputs, JsonElement c)
    {
        JsonElement[] expected = [.. c.GetProperty("outputs").EnumerateArray()];
        string?[] gradFns = [.. c.GetProperty("grad_fns").EnumerateArray().Select(g => g.GetString())];
        outputs.Should().HaveCount(expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            PackedFixture.Exact(outputs[i], expected[i], $"sequence {i}");
            PackedFixture.GradFn(outputs[i]).Should().Be(gradFns[i], $"sequence {i}");
        }
    }
}
