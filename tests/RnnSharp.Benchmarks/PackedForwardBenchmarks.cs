using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using TorchPacked = TorchSharp.torch.nn.utils.rnn.PackedSequence;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>
/// Variable-length batches (issue 10): one inference forward pass of an RNN, LSTM or GRU over the five configs of
/// <see cref="RnnConfig"/>, whose N sequences have lengths spread evenly over 1..L
/// (<c>1 + ⌊(N − 1 − b)·(L − 1)/(N − 1)⌋</c>: L, …, 1, about half the padded batch's tokens). RnnSharp on the
/// packed batch, RnnSharp on the padded batch (what one pays without packing: every step runs all N rows), and
/// TorchSharp-cpu on the packed batch (the baseline), same weights and data; packing happens once in the setup, as
/// a data loader would do it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class PackedForwardBenchmarks
{
    private RnnBase _module = null!;
    private RnnSharp.Tensor _padded = null!;
    private PackedSequence _packed = null!;
    private nn.Module _torchModule = null!;
    private TorchPacked _torchPacked = null!;

    [ParamsSource(nameof(KindNames))]
    public string Kind { get; set; } = "RNN";

    [ParamsSource(nameof(ConfigNames))]
    public string Config { get; set; } = "tiny";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    public static IEnumerable<string> KindNames => ["RNN", .. GatedModels.Kinds];

    public static IEnumerable<string> ConfigNames => RnnConfig.All.Select(c => c.Name);

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    /// <summary>The lengths of the benchmark's batch: L down to 1, evenly spread (N = 1: L).</summary>
    public static long[] Lengths(RnnConfig c) =>
        [.. Enumerable.Range(0, c.Batch).Select(b => 1L + (c.Batch == 1 ? c.SeqLen - 1 : (long)(c.Batch - 1 - b) * (c.SeqLen - 1) / (c.Batch - 1)))];

    /// <summary>The share of the padded batch's tokens that are real: what packing should cost, relative to padding.</summary>
    public static double TokenShare(RnnConfig c) => Lengths(c).Sum() / (double)(c.SeqLen * c.Batch);

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNative.EnsureLoadable();
        RnnConfig c = RnnConfig.Get(Config);
        RnnSharp.Torch.SetNumThreads(Threads);
        torch.set_num_threads(Threads);

        _module = Kind == "RNN"
            ? new Rnn(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2, generator: new Generator(42))
            : GatedModels.Create(Kind, c);
        _module.Eval();
        foreach (Parameter p in _module.Parameters())
        {
            p.RequiresGrad = false; // inference, as under torch.no_grad() on every thread
        }

        // Padding is zeros past each sequence's end, as pad_sequence leaves it.
        long[] lengths = Lengths(c);
        _padded = RnnSharp.Torch.Rand([c.SeqLen, c.Batch, c.InputSize], new Generator(7));
        Span<float> x = _padded.AsSpan();
        for (int t = 0; t < c.SeqLen; t++)
        {
            for (int b = 0; b < c.Batch; b++)
            {
                if (t >= lengths[b])
                {
                    x.Slice(((t * c.Batch) + b) * c.InputSize, c.InputSize).Clear();
                }
            }
        }

        _packed = RnnUtils.PackPaddedSequence(_padded, lengths);
        _torchModule = Kind == "RNN" ? CreateTorchRnn(c, _module) : GatedModels.CreateTorch(Kind, c, _module);
        _torchModule.eval();
        TorchTensor torchPadded = torch.tensor(_padded.ToArray(), [c.SeqLen, c.Batch, c.InputSize]);
        _torchPacked = nn.utils.rnn.pack_padded_sequence(torchPadded, torch.tensor(lengths));
        CheckSameResults();
    }

    [Benchmark(Baseline = true, Description = "TorchSharp packed")]
    public long TorchSharpPacked()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return TorchForward().data.numel();
    }

    [Benchmark(Description = "RnnSharp packed")]
    public RnnSharp.Tensor RnnSharpPacked() => _module switch
    {
        Lstm lstm => lstm.Forward(_packed).Output.Data,
        Gru gru => gru.Forward(_packed).Output.Data,
        _ => ((Rnn)_module).Forward(_packed).Output.Data,
    };

    [Benchmark(Description = "RnnSharp padded")]
    public RnnSharp.Tensor RnnSharpPadded() => _module switch
    {
        Lstm lstm => lstm.Forward(_padded).Output,
        Gru gru => gru.Forward(_padded).Output,
        _ => ((Rnn)_module).Forward(_padded).Output,
    };

    private TorchPacked TorchForward() => _torchModule switch
    {
        TorchSharp.Modules.LSTM lstm => lstm.call(_torchPacked, null).Item1,
        TorchSharp.Modules.GRU gru => gru.call(_torchPacked, null).Item1,
        TorchSharp.Modules.RNN rnn => rnn.call(_torchPacked, null).Item1,
        _ => throw new InvalidOperationException(_torchModule.GetType().Name),
    };

    private static nn.Module CreateTorchRnn(RnnConfig c, RnnBase ours)
    {
        nn.Module module = nn.RNN(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2);
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in module.named_parameters())
            {
                RnnSharp.Tensor weight = ours.StateDict()[name];
                parameter.copy_(torch.tensor(weight.ToArray(), weight.Shape.ToArray().Select(d => (long)d).ToArray()));
            }
        }

        return module;
    }

    /// <summary>A benchmark that computes something else is worthless: compare the implementations once.</summary>
    private void CheckSameResults()
    {
        float[] ours = RnnSharpPacked().ToArray();
        float[] theirs;
        using (torch.no_grad())
        {
            theirs = TorchForward().data.data<float>().ToArray();
        }

        if (ours.Length != theirs.Length)
        {
            throw new InvalidOperationException($"{Kind} {Config}: {ours.Length} packed outputs, TorchSharp {theirs.Length}");
        }

        for (int i = 0; i < ours.Length; i++)
        {
            if (Math.Abs(ours[i] - theirs[i]) > 1e-4)
            {
                throw new InvalidOperationException($"{Kind} {Config}: packed outputs differ at {i}: RnnSharp {ours[i]}, TorchSharp {theirs[i]}");
            }
        }
    }
}
