using System.Text.Json;
using RnnSharp.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RnnSharp.Tests.NN;

/// <summary>
/// Rnn, Lstm and Gru on a <see cref="PackedSequence"/> against PyTorch (packed_rnn.json, record_packed_rnn.py):
/// forward, grad_fn names and every gradient for layers × directions × sorted/unsorted × h0, dropout in training
/// mode, projections, and PyTorch's errors; plus the property that makes packing worth it — each sequence's rows
/// are exactly what the layer computes for that sequence alone.
/// </summary>
public sealed class PackedRecurrentTests(ITestOutputHelper output)
{
    private const string File = "packed_rnn.json";

    public static TheoryData<string> Cases => Fixture.Names(File, c => !c.GetProperty("kind").GetString()!.StartsWith("error", StringComparison.Ordinal));

    public static TheoryData<string> ErrorCases => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "error");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PackedSequence_MatchesPyTorchWithGradients(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt32());
        RnnBase module = Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"));
        if (c.GetProperty("train").GetBoolean())
        {
            module.Train(); // the dropout masks come from the global generator right after the init, as in torch
        }
        else
        {
            module.Eval();
        }

        module.ToString().Should().Be(c.GetProperty("repr").GetString());
        foreach (KeyValuePair<string, Tensor> entry in Fixture.ReadStateDictEntries(c.GetProperty("state_dict")))
        {
            TensorAssert.BitEqual(module.StateDict()[entry.Key], entry.Value, entry.Key); // init bits, registration order
        }

        Tensor data = Fixture.ReadTensor(c.GetProperty("data")).RequiresGrad_();
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0")?.RequiresGrad_();
        Tensor? c0 = Fixture.ReadOptionalTensor(c, "c0")?.RequiresGrad_();
        PackedSequence input = Packed(c, data);

        (PackedSequence packedOutput, Tensor hN, Tensor? cN) = Run(module, input, h0, c0);
        Tensor y = packedOutput.Data;
        packedOutput.BatchSizes.Should().BeSameAs(input.BatchSizes);
        packedOutput.SortedIndices.Should().BeSameAs(input.SortedIndices);
        packedOutput.UnsortedIndices.Should().BeSameAs(input.UnsortedIndices);
        Dictionary<string, float[]> actual = LstmGruTolerance.BackwardAndCollect(c, module, y, hN, cN, ("data", data), ("h0", h0), ("c0", c0));
        LstmGruTolerance.AssertMatches(c, actual, output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PackedSequence_EachSequenceEqualsItsOwnRunBitForBit(string name)
    {
        // What packing promises: the rows of sequence b are what the layer computes for b alone (a batch of one,
        // dense), and h_n's column b is b's own final state. The packed kernels compute each element with the
        // same chain of operations whatever the number of rows, so this holds bit for bit.
        JsonElement c = Fixture.Case(File, name);
        if (c.GetProperty("train").GetBoolean())
        {
            return; // dropout draws one mask over all rows: not a per-sequence computation
        }

        RnnBase module = Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"));
        module.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        module.Kernel = RnnSharp.Kernels.RecurrentKernel.Packed; // the dense path of small Elman layers is the reference kernel
        Tensor data = Fixture.ReadTensor(c.GetProperty("data"));
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0");
        Tensor? c0 = Fixture.ReadOptionalTensor(c, "c0");
        PackedSequence input = Packed(c, data);
        long[] batchSizes = input.BatchSizes.AsReadOnlyInt64Span().ToArray();
        long[] sorted = input.SortedIndices?.AsReadOnlyInt64Span().ToArray() ?? Enumerable.Range(0, (int)batchSizes[0]).Select(i => (long)i).ToArray();

        using IDisposable noGrad = Torch.NoGrad();
        (PackedSequence packedOutput, Tensor hN, Tensor? cN) = Run(module, input, h0, c0);
        int width = packedOutput.Data.Size(1);
        for (int b = 0; b < batchSizes[0]; b++)
        {
            // Sequence b of the packed (sorted) batch is the caller's sequence sorted[b].
            int length = batchSizes.Count(s => s > b);
            Tensor alone = Tensor.Zeros(length, 1, data.Size(1));
            for (int t = 0, offset = 0; t < length; offset += (int)batchSizes[t], t++)
            {
                data.AsReadOnlySpan().Slice((offset + b) * data.Size(1), data.Size(1)).CopyTo(alone.AsSpan().Slice(t * data.Size(1), data.Size(1)));
            }

            int caller = (int)sorted[b];
            Tensor? h0Alone = h0?.Narrow(1, caller, 1).Contiguous();
            Tensor? c0Alone = c0?.Narrow(1, caller, 1).Contiguous();
            (Tensor y, Tensor h, Tensor? cell) = RunDense(module, alone, h0Alone, c0Alone);
            for (int t = 0, offset = 0; t < length; offset += (int)batchSizes[t], t++)
            {
                float[] want = y.AsReadOnlySpan().Slice(t * width, width).ToArray();
                float[] got = packedOutput.Data.AsReadOnlySpan().Slice((offset + b) * width, width).ToArray();
                got.Should().Equal(want, $"sequence {b}, step {t}");
            }

            hN.Narrow(1, caller, 1).ToArray().Should().Equal(h.ToArray(), $"h_n of sequence {b}");
            if (cN is not null)
            {
                cN.Narrow(1, caller, 1).ToArray().Should().Equal(cell!.ToArray(), $"c_n of sequence {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PackedIntoCallerTensors_MatchesAllocatingForwardBitForBit(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        if (c.GetProperty("train").GetBoolean())
        {
            return; // dropout draws new masks on every call
        }

        RnnBase module = Create(c.GetProperty("kind").GetString()!, c.GetProperty("config"));
        module.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        module.Eval();
        PackedSequence input = Packed(c, Fixture.ReadTensor(c.GetProperty("data")));
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0");
        Tensor? c0 = Fixture.ReadOptionalTensor(c, "c0");
        using IDisposable noGrad = Torch.NoGrad();
        (PackedSequence expected, Tensor expectedH, Tensor? expectedC) = Run(module, input, h0, c0);

        Tensor output = Tensor.Full(expected.Data.Shape.ToArray(), float.NaN);
        Tensor hN = Tensor.Full(expectedH.Shape.ToArray(), float.NaN);
        Tensor? cN = expectedC is null ? null : Tensor.Full(expectedC.Shape.ToArray(), float.NaN);
        RunInto(module, input, h0, c0, output, hN, cN);

        TensorAssert.BitEqual(output, expected.Data, "output");
        TensorAssert.BitEqual(hN, expectedH, "h_n");
        if (cN is not null)
        {
            TensorAssert.BitEqual(cN, expectedC!, "c_n");
        }
    }

    [Theory]
    [InlineData("RNN", 3, 2, false)]    // tiny, sorted
    [InlineData("LSTM", 40, 32, true)]  // unsorted: h0, c0 and the results go through the permutations
    [InlineData("GRU", 64, 48, true)]   // large enough for helper threads at two
    public void Forward_PackedIntoCallerTensorsOnceWarm_AllocatesNothing(string kind, int hidden, int batch, bool unsorted)
    {
        // Counts bytes, not time: deterministic.
        RnnBase module = kind switch
        {
            "LSTM" => new Lstm(8, hidden, 2, bidirectional: true, generator: new Generator(1)),
            "GRU" => new Gru(8, hidden, 2, bidirectional: true, generator: new Generator(1)),
            _ => new Rnn(8, hidden, 2, bidirectional: true, generator: new Generator(1)),
        };
        module.Eval();
        long[] lengths = [.. Enumerable.Range(0, batch).Select(b => 1L + ((b * 5) % 9))];
        Tensor padded = Torch.Rand([9, batch, 8], new Generator(2));
        PackedSequence input = RnnUtils.PackPaddedSequence(padded, lengths, enforceSorted: !unsorted && lengths.SequenceEqual(lengths.OrderDescending()));
        Tensor h0 = Torch.Rand([4, batch, hidden], new Generator(3));
        Tensor c0 = Torch.Rand([4, batch, hidden], new Generator(4));
        using IDisposable noGrad = Torch.NoGrad();
        (PackedSequence expected, Tensor expectedH, Tensor? expectedC) = Run(module, input, h0, c0);
        Tensor output = Tensor.Zeros(expected.Data.Shape.ToArray());
        Tensor hN = Tensor.Zeros(expectedH.Shape.ToArray());
        Tensor? cN = expectedC is null ? null : Tensor.Zeros(expectedC.Shape.ToArray());
        for (int i = 0; i < 5; i++)
        {
            RunInto(module, input, h0, c0, output, hN, cN);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            RunInto(module, input, h0, c0, output, hN, cN);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
        TensorAssert.BitEqual(hN, expectedH, "h_n");
    }

    [Fact]
    public void Forward_PackedIntoOutputOfWrongShape_ThrowsNamingOutput()
    {
        var gru = new Gru(3, 4);
        var input = new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1]));
        using IDisposable noGrad = Torch.NoGrad();

        Action act = () => gru.Forward(input, null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 2, 4));

        act.Should().Throw<ArgumentException>().WithMessage("Expected a tensor of shape [5, 4], got [5, 3]*").Which.ParamName.Should().Be("output");
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Forward_BadPackedInputOrState_ThrowsPyTorchsMessage(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        string kind = c.GetProperty("module").GetString()!;
        RnnBase module = kind switch
        {
            "lstm" => new Lstm(3, 4),
            "gru" => new Gru(3, 4),
            _ => new Rnn(3, 4),
        };
        PackedSequence input = name switch
        {
            _ when name.EndsWith("data_1d", StringComparison.Ordinal) => new PackedSequence(Torch.Zeros([5], DType.Int64), Torch.Tensor([2L, 2, 1])),
            _ when name.EndsWith("data_3d", StringComparison.Ordinal) => new PackedSequence(Tensor.Zeros(5, 1, 3), Torch.Tensor([2L, 2, 1])),
            _ when name.EndsWith("feature_size", StringComparison.Ordinal) => new PackedSequence(Tensor.Zeros(5, 5), Torch.Tensor([2L, 2, 1])),
            _ => new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1])),
        };
        Tensor? h0 = null, c0 = null;
        string paramName = "input";
        if (c.GetProperty("state").ValueKind == JsonValueKind.Array)
        {
            string which = c.GetProperty("state")[0].GetString()!;
            int[] shape = c.GetProperty("state")[1].EnumerateArray().Select(e => e.GetInt32()).ToArray();
            h0 = which == "h0" ? Tensor.Zeros(shape) : Tensor.Zeros(1, 2, 4);
            c0 = which == "c0" ? Tensor.Zeros(shape) : Tensor.Zeros(1, 2, 4);
            paramName = which;
        }

        Action act = () => Run(module, input, h0, module is Lstm ? c0 : null);

        act.Should().Throw<ArgumentException>().WithMessage(c.GetProperty("message").GetString() + "*")
            .Which.ParamName.Should().Be(paramName);
    }

    [Theory]
    [InlineData(new long[] { 2, 3 }, 5, "*batch_sizes must be positive and non-increasing, got 3 at step 1*")]
    [InlineData(new long[] { 2, 0 }, 2, "*batch_sizes must be positive and non-increasing, got 0 at step 1*")]
    [InlineData(new long[] { 2, 2 }, 5, "*batch_sizes sum to 4, but data has 5 rows*")]
    [InlineData(new long[0], 0, "*batch_sizes must be a non-empty 1-D int64 tensor*")]
    public void Forward_InconsistentBatchSizes_ThrowsNamingThem(long[] batchSizes, int rows, string message)
    {
        var gru = new Gru(3, 4);
        var input = new PackedSequence(Tensor.Zeros(rows, 3), Torch.Tensor(batchSizes));

        Action act = () => gru.Forward(input);

        act.Should().Throw<ArgumentException>().WithMessage(message).Which.ParamName.Should().Be("input");
    }

    [Fact]
    public void Forward_SortPermutationOfWrongLength_Throws()
    {
        var rnn = new Rnn(3, 4);
        var input = new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1]), Torch.Tensor([0L, 1, 2]));

        Action act = () => rnn.Forward(input);

        act.Should().Throw<ArgumentException>().WithMessage("*say 2 sequences, but a sort permutation has shape [3]*");
    }

    [Fact]
    public void Constructor_SortedIndicesOutOfRange_ThrowsPyTorchsMessage()
    {
        // PyTorch inverts sorted_indices when unsorted_indices is not given; an index past the batch fails there.
        string message = Fixture.Case(File, "error_ctor_sorted_out_of_range").GetProperty("message").GetString()!;

        Action act = () => _ = new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1]), Torch.Tensor([1L, 2]));

        act.Should().Throw<ArgumentException>().WithMessage(message + "*").Which.ParamName.Should().Be("sortedIndices");
    }

    [Fact]
    public void Constructor_SortedIndicesRepeatingAPosition_Throws()
    {
        // PyTorch returns an inverse with an uninitialised element here; RnnSharp refuses.
        Action act = () => _ = new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1]), Torch.Tensor([1L, 1]));

        act.Should().Throw<ArgumentException>().WithMessage("PackedSequence sorted_indices is not a permutation: 1 appears twice*")
            .Which.ParamName.Should().Be("sortedIndices");
    }

    [Fact]
    public void Forward_SortPermutationOutOfRange_ThrowsPyTorchsIndexErrorAndWritesNothing()
    {
        // PyTorch's index_select of h0 by the permutation refuses it; RnnSharp checks before computing anything.
        string message = Fixture.Case(File, "error_forward_sorted_out_of_range").GetProperty("message").GetString()!;
        var lstm = new Lstm(3, 4);
        var input = new PackedSequence(Tensor.Zeros(5, 3), Torch.Tensor([2L, 2, 1]), Torch.Tensor([1L, 2]), Torch.Tensor([0L, 1]));
        (Tensor h0, Tensor c0) = (Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4));
        using IDisposable noGrad = Torch.NoGrad();
        Tensor output = Tensor.Full([5, 4], float.NaN);

        Action allocating = () => lstm.Forward(input, (h0, c0));
        Action into = () => lstm.Forward(input, (h0, c0), output, Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4));

        allocating.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message + "*").Which.ParamName.Should().Be("input");
        into.Should().Throw<ArgumentOutOfRangeException>().WithMessage(message + "*").Which.ParamName.Should().Be("input");
        output.ToArray().Should().OnlyContain(v => float.IsNaN(v), "a refused call writes nothing");
    }

    private static PackedSequence Packed(JsonElement c, Tensor data) => new(
        data,
        Torch.Tensor(c.GetProperty("batch_sizes").EnumerateArray().Select(e => e.GetInt64()).ToArray()),
        Indices(c, "sorted_indices"),
        Indices(c, "unsorted_indices"));

    private static Tensor? Indices(JsonElement c, string property) =>
        c.GetProperty(property).ValueKind == JsonValueKind.Null ? null : Torch.Tensor(c.GetProperty(property).EnumerateArray().Select(e => e.GetInt64()).ToArray());

    private static RnnBase Create(string kind, JsonElement cfg)
    {
        int inputSize = cfg.GetProperty("input_size").GetInt32(), hiddenSize = cfg.GetProperty("hidden_size").GetInt32();
        int layers = cfg.GetProperty("num_layers").GetInt32();
        bool bias = cfg.GetProperty("bias").GetBoolean(), batchFirst = cfg.GetProperty("batch_first").GetBoolean();
        bool bidirectional = cfg.GetProperty("bidirectional").GetBoolean();
        float dropout = Fixture.ReadFloat(cfg.GetProperty("dropout"));
        return kind switch
        {
            "lstm" => new Lstm(inputSize, hiddenSize, layers, bias, batchFirst, dropout, bidirectional, LstmGruConfigs.ProjSize(cfg)),
            "gru" => new Gru(inputSize, hiddenSize, layers, bias, batchFirst, dropout, bidirectional),
            _ => new Rnn(
                inputSize, hiddenSize, layers, kind == "rnn_relu" ? Nonlinearity.Relu : Nonlinearity.Tanh, bias, batchFirst, dropout, bidirectional),
        };
    }

    private static (PackedSequence Output, Tensor HN, Tensor? CN) Run(RnnBase module, PackedSequence input, Tensor? h0, Tensor? c0)
    {
        switch (module)
        {
            case Lstm lstm:
                var (output, (hN, cN)) = lstm.Forward(input, h0 is null ? null : (h0, c0!));
                return (output, hN, cN);
            case Gru gru:
                (PackedSequence g, Tensor gh) = gru.Forward(input, h0);
                return (g, gh, null);
            default:
                (PackedSequence r, Tensor rh) = ((Rnn)module).Forward(input, h0);
                return (r, rh, null);
        }
    }

    private static void RunInto(RnnBase module, PackedSequence input, Tensor? h0, Tensor? c0, Tensor output, Tensor hN, Tensor? cN)
    {
        switch (module)
        {
            case Lstm lstm:
                lstm.Forward(input, h0 is null ? null : (h0, c0!), output, hN, cN!);
                break;
            case Gru gru:
                gru.Forward(input, h0, output, hN);
                break;
            default:
                ((Rnn)module).Forward(input, h0, output, hN);
                break;
        }
    }

    private static (Tensor Output, Tensor HN, Tensor? CN) RunDense(RnnBase module, Tensor input, Tensor? h0, Tensor? c0)
    {
        // The module may be batch-first; the sequence alone is (L, 1, I).
        Tensor x = module.BatchFirst ? input.Transpose(0, 1).Contiguous() : input;
        (Tensor y, Tensor hN, Tensor? cN) = module switch
        {
            Lstm lstm => lstm.Forward(x, h0 is null ? null : (h0, c0!)) is var (o, (h, cell)) ? (o, h, cell) : default,
            Gru gru => gru.Forward(x, h0) is var (o, h) ? (o, h, (Tensor?)null) : default,
            _ => ((Rnn)module).Forward(x, h0) is var (o, h) ? (o, h, (Tensor?)null) : default,
        };
        return (module.BatchFirst ? y.Transpose(0, 1).Contiguous() : y, hN, cN);
    }
}
