using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// One module shared by many threads, and forward passes split over helper threads, give exactly the results of
/// a single-threaded run.
/// </summary>
[Collection(nameof(GlobalThreadCount))]
public sealed class ConcurrencyTests
{
    [Fact]
    public void Forward_EightThreadsSharingOneModule_EveryResultMatchesSingleThreadedRun()
    {
        const int Threads = 8, CallsPerThread = 500, Inputs = 16;
        var rnn = new Rnn(6, 24, numLayers: 2, bidirectional: true, generator: new Generator(1));
        rnn.Eval();
        var inputs = Enumerable.Range(0, Inputs)
            .Select(i => Torch.Rand([3 + (i % 5), 1 + (i % 4), 6], new Generator(100 + i)))
            .ToArray();
        var expected = inputs.Select(x => WithThreads(1, () => rnn.Forward(x))).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            using IDisposable noGrad = Torch.NoGrad(); // the into-caller-tensors form refuses to record a graph
            for (int call = 0; call < CallsPerThread; call++)
            {
                int i = ((thread * 7) + call) % Inputs;
                var (output, hN) = call % 2 == 0
                    ? rnn.Forward(inputs[i])
                    : IntoFresh(rnn, inputs[i], expected[i]);
                if (!output.ToArray().AsSpan().SequenceEqual(expected[i].Output.ToArray())
                    || !hN.ToArray().AsSpan().SequenceEqual(expected[i].HN.ToArray()))
                {
                    failures.Add($"thread {thread}, call {call}, input {i}");
                }
            }
        });

        failures.Should().BeEmpty();
    }

    [Fact]
    public void Forward_LargeCallsFromManyThreads_ShareHelpersWithoutChangingResults()
    {
        // Large enough that each call asks for helper threads: concurrent calls compete for them.
        var rnn = new Rnn(64, 256, generator: new Generator(2)) { Kernel = RecurrentKernel.Packed };
        var inputs = Enumerable.Range(0, 4).Select(i => Torch.Rand([12, 40, 64], new Generator(200 + i))).ToArray();
        var expected = inputs.Select(x => WithThreads(1, () => rnn.Forward(x))).ToArray();

        WithThreads(2, () =>
        {
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            {
                for (int call = 0; call < 20; call++)
                {
                    int i = (t + call) % inputs.Length;
                    var actual = rnn.Forward(inputs[i]);
                    TensorAssert.BitEqual(actual.Output, expected[i].Output, $"thread {t}, call {call}");
                    TensorAssert.BitEqual(actual.HN, expected[i].HN, $"thread {t}, call {call}");
                }
            });
            return 0;
        });
    }

    [Theory]
    [InlineData(64, 512, 1, 1)]
    [InlineData(33, 100, 2, 2)]
    [InlineData(20, 1000, 1, 1)]
    public void Forward_TwoThreadsVersusOne_GivesIdenticalBits(int batch, int hidden, int layers, int directions)
    {
        var rnn = new Rnn(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)) { Kernel = RecurrentKernel.Packed };
        Tensor input = Torch.Rand([9, batch, 48], new Generator(4));
        Tensor h0 = Torch.Rand([layers * directions, batch, hidden], new Generator(5));

        var single = WithThreads(1, () => rnn.Forward(input, h0));
        var multi = WithThreads(Environment.ProcessorCount, () => rnn.Forward(input, h0));

        TensorAssert.BitEqual(multi.Output, single.Output);
        TensorAssert.BitEqual(multi.HN, single.HN);
        var reference = new Rnn(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)) { Kernel = RecurrentKernel.Reference };
        TensorAssert.AllClose(multi.Output, reference.Forward(input, h0).Output, rtol: 1e-5, atol: 1e-5);
    }

    [Theory]
    [InlineData("RNN", 16, 256, 2, 2)]  // big enough for a helper: the two directions then run at once, one per thread
    [InlineData("LSTM", 16, 256, 2, 2)]
    [InlineData("GRU", 16, 256, 2, 2)]
    [InlineData("LSTM", 24, 200, 1, 1)] // steps split over threads by blocks of batch rows (16 + 8)
    [InlineData("GRU", 40, 300, 2, 1)]
    [InlineData("LSTM", 12, 300, 1, 1)] // under 8 rows per thread: steps split by panels of hidden units
    [InlineData("GRU", 10, 200, 2, 1)]
    [InlineData("LSTM", 8, 12, 1, 2)]   // the scalar gate math of tiny hidden sizes
    public void Forward_AnyLayerKind_TwoThreadsVersusOne_GivesIdenticalBits(string kind, int batch, int hidden, int layers, int directions)
    {
        RnnBase module = kind switch
        {
            "LSTM" => new Lstm(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
            "GRU" => new Gru(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
            _ => new Rnn(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
        };
        Tensor input = Torch.Rand([9, batch, 48], new Generator(4));
        Tensor[] Run()
        {
            using (Torch.NoGrad())
            {
                return module switch
                {
                    Lstm l => l.Forward(input) is var r ? [r.Output, r.HN, r.CN] : [],
                    Gru g => g.Forward(input) is var r ? [r.Output, r.HN] : [],
                    _ => ((Rnn)module).Forward(input) is var r ? [r.Output, r.HN] : [],
                };
            }
        }

        Tensor[] single = WithThreads(1, Run);
        Tensor[] multi = WithThreads(Environment.ProcessorCount, Run);

        for (int i = 0; i < single.Length; i++)
        {
            TensorAssert.BitEqual(multi[i], single[i], $"result {i}");
        }
    }

    [Theory]
    [InlineData("RNN", 40, 300, 1, 1, 12)]  // blocks of batch rows, each taken through every step by one thread
    [InlineData("LSTM", 16, 256, 2, 2, 12)] // two directions at once, one per thread; the reverse one gathers h0/c0 rows
    [InlineData("GRU", 24, 200, 2, 2, 12)]
    [InlineData("RNN", 32, 512, 1, 1, 128)] // the input projection in chunks of 16 steps: threads must not share gate rows
    [InlineData("LSTM", 32, 256, 2, 1, 64)] // chunks of 8 steps
    public void ForwardBackward_PackedSequence_TwoThreadsVersusOne_GivesIdenticalBits(string kind, int batch, int hidden, int layers, int directions, int steps)
    {
        // Variable-length steps take helpers like dense ones: outputs, final states and every gradient keep their bits.
        RnnBase module = kind switch
        {
            "LSTM" => new Lstm(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
            "GRU" => new Gru(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
            _ => new Rnn(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)),
        };
        long[] lengths = [.. Enumerable.Range(0, batch).Select(b => 1L + ((b * 7) % steps))]; // unsorted, 1..steps
        Tensor padded = Torch.Rand([steps, batch, 48], new Generator(4));
        Tensor[] Run()
        {
            module.ZeroGrad();
            PackedSequence packed = RnnUtils.PackPaddedSequence(padded, lengths, enforceSorted: false);
            Tensor data = packed.Data.Detach().RequiresGrad_();
            var input = new PackedSequence(data, packed.BatchSizes, packed.SortedIndices, packed.UnsortedIndices);
            (Tensor output, Tensor hN) = module switch
            {
                Lstm l => l.Forward(input) is var r ? (r.Output.Data, r.HN) : default,
                Gru g => g.Forward(input) is var r ? (r.Output.Data, r.HN) : default,
                _ => ((Rnn)module).Forward(input) is var r ? (r.Output.Data, r.HN) : default,
            };
            Torch.Autograd.Backward([output, hN], [Torch.Rand(output.Shape.ToArray(), new Generator(5)), Torch.Rand(hN.Shape.ToArray(), new Generator(6))]);
            return [output, hN, data.Grad!, .. module.Parameters().Select(q => q.Grad!)];
        }

        Tensor[] single = WithThreads(1, Run);
        Tensor[] multi = WithThreads(Environment.ProcessorCount, Run);

        multi.Should().HaveSameCount(single);
        for (int i = 0; i < single.Length; i++)
        {
            TensorAssert.BitEqual(multi[i], single[i], $"result {i}");
        }
    }

    [Theory]
    [InlineData(64, 512, 1, 1)]
    [InlineData(33, 100, 2, 2)]
    [InlineData(20, 1000, 1, 1)]
    [InlineData(16, 256, 2, 2)]
    public void Backward_TwoThreadsVersusOne_GivesIdenticalGradients(int batch, int hidden, int layers, int directions)
    {
        // Backward splits its products, transpose and bias sums over helper threads: every gradient must keep its bits.
        Tensor input = Torch.Rand([9, batch, 48], new Generator(4));
        Tensor h0 = Torch.Rand([layers * directions, batch, hidden], new Generator(5));
        Tensor gradOutput = Torch.Rand([9, batch, directions * hidden], new Generator(6));
        Tensor gradHN = Torch.Rand([layers * directions, batch, hidden], new Generator(7));

        Tensor[] single = WithThreads(1, () => Gradients(layers, directions, hidden, input, h0, gradOutput, gradHN));
        Tensor[] multi = WithThreads(Environment.ProcessorCount, () => Gradients(layers, directions, hidden, input, h0, gradOutput, gradHN));

        multi.Should().HaveSameCount(single);
        for (int i = 0; i < single.Length; i++)
        {
            TensorAssert.BitEqual(multi[i], single[i], $"gradient {i}");
        }
    }

    [Theory]
    [InlineData(0.0, Reduction.Mean)]
    [InlineData(0.1, Reduction.None)]
    public void CrossEntropyLoss_TwoThreadsVersusOne_GivesIdenticalLossAndGradient(double labelSmoothing, Reduction reduction)
    {
        // Large enough that log_softmax and the backward split their rows over helper threads.
        Tensor logits = Torch.Rand([700, 500], new Generator(8)) * 10f;
        var random = new Random(9);
        Tensor target = Torch.Tensor(Enumerable.Range(0, 700).Select(_ => (long)random.Next(500)).ToArray());

        (Tensor Loss, Tensor Grad) Run()
        {
            Tensor x = logits.Detach().RequiresGrad_();
            Tensor loss = new CrossEntropyLoss(reduction: reduction, labelSmoothing: labelSmoothing).Forward(x, target);
            loss.Sum().Backward();
            return (loss, x.Grad!);
        }

        var single = WithThreads(1, Run);
        var multi = WithThreads(Environment.ProcessorCount, Run);

        TensorAssert.BitEqual(multi.Loss, single.Loss);
        TensorAssert.BitEqual(multi.Grad, single.Grad);
    }

    [Fact]
    public void SetNumThreads_NotPositive_ThrowsWithPyTorchMessage()
    {
        var act = () => Torch.SetNumThreads(0);

        act.Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("Number of threads must be positive, got 0*")
            .Which.ParamName.Should().Be("numThreads");
    }

    [Theory]
    [InlineData("LSTM", 16, 256, 2, 2)] // with one helper, the two directions' backwards run at once, one per thread
    [InlineData("GRU", 16, 256, 2, 2)]
    [InlineData("LSTM", 24, 200, 1, 1)] // one direction: products, transposes, sums and each step's cell backward split over threads
    [InlineData("GRU", 24, 200, 1, 1)]
    public void Backward_AnyLayerKind_TwoThreadsVersusOne_GivesIdenticalGradients(string kind, int batch, int hidden, int layers, int directions)
    {
        RnnBase module = kind == "LSTM"
            ? new Lstm(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3))
            : new Gru(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3));
        Tensor input = Torch.Rand([9, batch, 48], new Generator(4));
        Tensor h0 = Torch.Rand([layers * directions, batch, hidden], new Generator(5));
        Tensor c0 = Torch.Rand([layers * directions, batch, hidden], new Generator(6));
        Tensor gradOutput = Torch.Rand([9, batch, directions * hidden], new Generator(7));
        Tensor gradHN = Torch.Rand([layers * directions, batch, hidden], new Generator(8));
        Tensor[] Run()
        {
            module.ZeroGrad();
            Tensor x = input.Detach().RequiresGrad_(), h = h0.Detach().RequiresGrad_(), c = c0.Detach().RequiresGrad_();
            (Tensor output, Tensor hN, Tensor? cN) = module is Lstm l
                ? l.Forward(x, (h, c)) is var r ? (r.Output, r.HN, r.CN) : default
                : ((Gru)module).Forward(x, h) is var g ? (g.Output, g.HN, null) : default;
            Tensor loss = (output * gradOutput).Sum() + (hN * gradHN).Sum() + (cN is null ? Tensor.Zeros([]) : (cN * gradHN).Sum());
            loss.Backward();
            return [x.Grad!, h.Grad!, .. cN is null ? Array.Empty<Tensor>() : [c.Grad!], .. module.Parameters().Select(p => p.Grad!)];
        }

        Tensor[] single = WithThreads(1, Run);
        Tensor[] multi = WithThreads(Environment.ProcessorCount, Run);

        multi.Should().HaveSameCount(single);
        for (int i = 0; i < single.Length; i++)
        {
            TensorAssert.BitEqual(multi[i], single[i], $"gradient {i}");
        }
    }

    [Theory]
    [InlineData(false)] // one direction: the layer is then split by batch rows (40 rows at two threads: a block each)
    [InlineData(true)]  // two directions: they then run at once, one per thread, each with its own scratch
    public void ForwardInto_FirstCallWithHelpersAfterWarmingUpWithout_AllocatesNothing(bool bidirectional)
    {
        // A thread that warms up while another call holds every helper runs its layers without one; when helpers come
        // free it runs them another way, which must not allocate either. Under parallel tests this made
        // Forward_IntoCallerTensorsOnceWarm_AllocatesNothing fail now and then (72 B: the blocks' positions) and
        // Forward_PackedIntoCallerTensorsOnceWarm_AllocatesNothing once (1 MB: the second direction's scratch).
        // On one core there are no helpers and both phases run alike.
        int directions = bidirectional ? 2 : 1;
        var lstm = new Lstm(64, 256, bidirectional: bidirectional, generator: new Generator(1));
        lstm.Eval();
        Tensor input = Torch.Rand([8, 40, 64], new Generator(2));
        var output = Tensor.Zeros([8, 40, directions * 256]);
        var hN = Tensor.Zeros([directions, 40, 256]);
        var cN = Tensor.Zeros([directions, 40, 256]);
        using var warm = new ManualResetEventSlim();
        using var helpersFree = new ManualResetEventSlim();
        long allocated = -1;
        bool hadHelpers = false;
        var worker = new Thread(() =>
        {
            using IDisposable noGrad = Torch.NoGrad();
            for (int i = 0; i < 5; i++)
            {
                lstm.Forward(input, null, output, hN, cN);
            }

            warm.Set();
            helpersFree.Wait();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                lstm.Forward(input, null, output, hN, cN);
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            // Only afterwards, so that the probe's own first use of the pool cannot hide one of the forward's.
            HelperTeam? probe = HelperTeam.TryAcquire(1);
            hadHelpers = probe is not null;
            probe?.Release();
        });

        // Two threads whatever the machine, so that 40 rows make two blocks of at least 8 (with more threads they
        // would not, and the layer would never be split by rows).
        WithThreads(2, () =>
        {
            HelperTeam? held = HelperTeam.TryAcquire(Environment.ProcessorCount - 1);
            worker.Start();
            warm.Wait();
            held?.Release();
            helpersFree.Set();
            worker.Join();
            return 0;
        });

        hadHelpers.Should().Be(Environment.ProcessorCount > 1);
        allocated.Should().Be(0);
    }

    private static RnnOutput IntoFresh(Rnn rnn, Tensor input, RnnOutput like)
    {
        var output = Tensor.Zeros(like.Output.Shape.ToArray());
        var hN = Tensor.Zeros(like.HN.Shape.ToArray());
        rnn.Forward(input, null, output, hN);
        return new RnnOutput(output, hN);
    }

    /// <summary>The gradients of input, h0 and every parameter for given output and h_n gradients.</summary>
    private static Tensor[] Gradients(int layers, int directions, int hidden, Tensor input, Tensor h0, Tensor gradOutput, Tensor gradHN)
    {
        var rnn = new Rnn(48, hidden, layers, bidirectional: directions == 2, generator: new Generator(3)) { Kernel = RecurrentKernel.Packed };
        Tensor x = input.Detach().RequiresGrad_();
        Tensor state = h0.Detach().RequiresGrad_();
        var (output, hN) = rnn.Forward(x, state);
        ((output * gradOutput).Sum() + (hN * gradHN).Sum()).Backward();
        return [x.Grad!, state.Grad!, .. rnn.Parameters().Select(p => p.Grad!)];
    }

    private static T WithThreads<T>(int threads, Func<T> action)
    {
        int before = Torch.GetNumThreads();
        Torch.SetNumThreads(threads);
        try
        {
            return action();
        }
        finally
        {
            Torch.SetNumThreads(before);
        }
    }
}

/// <summary>Tests that change Torch.SetNumThreads run one at a time.</summary>
[CollectionDefinition(nameof(GlobalThreadCount), DisableParallelization = true)]
public sealed class GlobalThreadCount;
