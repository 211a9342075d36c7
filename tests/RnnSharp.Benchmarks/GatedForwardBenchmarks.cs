using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>
/// One inference forward pass (no gradients) of an LSTM or a GRU, seq-first, with zero initial states, over the
/// five configs of <see cref="RnnConfig"/>: RnnSharp allocating its results, RnnSharp writing into caller-owned
/// tensors, and TorchSharp-cpu's torch.nn.LSTM / torch.nn.GRU (the baseline) with the same weights and input.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class GatedForwardBenchmarks
{
    private RnnBase _module = null!;
    private RnnSharp.Tensor _input = null!;
    private RnnSharp.Tensor _output = null!;
    private RnnSharp.Tensor _hN = null!;
    private RnnSharp.Tensor _cN = null!;
    private nn.Module _torchModule = null!;
    private TorchTensor _torchInput = null!;

    [ParamsSource(nameof(KindNames))]
    public string Kind { get; set; } = "LSTM";

    [ParamsSource(nameof(ConfigNames))]
    public string Config { get; set; } = "tiny";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    public static IEnumerable<string> KindNames => GatedModels.Kinds;

    public static IEnumerable<string> ConfigNames => RnnConfig.All.Select(c => c.Name);

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNative.EnsureLoadable();
        RnnConfig c = RnnConfig.Get(Config);
        RnnSharp.Torch.SetNumThreads(Threads);
        torch.set_num_threads(Threads);

        _module = GatedModels.Create(Kind, c);
        _module.Eval();
        foreach (Parameter p in _module.Parameters())
        {
            p.RequiresGrad = false; // inference, as under torch.no_grad() on every thread
        }

        _input = RnnSharp.Torch.Rand([c.SeqLen, c.Batch, c.InputSize], new Generator(7));
        _output = RnnSharp.Tensor.Zeros([c.SeqLen, c.Batch, c.Directions * c.HiddenSize]);
        _hN = RnnSharp.Tensor.Zeros([c.Layers * c.Directions, c.Batch, c.HiddenSize]);
        _cN = RnnSharp.Tensor.Zeros([c.Layers * c.Directions, c.Batch, c.HiddenSize]);
        _torchModule = GatedModels.CreateTorch(Kind, c, _module);
        _torchModule.eval();
        _torchInput = torch.tensor(_input.ToArray(), [c.SeqLen, c.Batch, c.InputSize]);
        CheckSameResults();
    }

    [Benchmark(Baseline = true, Description = "TorchSharp")]
    public float TorchSharpForward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return GatedModels.TorchForward(_torchModule, _torchInput).numel();
    }

    [Benchmark(Description = "RnnSharp")]
    public RnnSharp.Tensor RnnSharpForward() => GatedModels.Forward(_module, _input);

    [Benchmark(Description = "RnnSharp into caller tensors")]
    public RnnSharp.Tensor RnnSharpForwardInto()
    {
        if (_module is Lstm lstm)
        {
            lstm.Forward(_input, null, _output, _hN, _cN);
        }
        else
        {
            ((Gru)_module).Forward(_input, null, _output, _hN);
        }

        return _output;
    }

    /// <summary>A benchmark that computes something else is worthless: compare the implementations once.</summary>
    private void CheckSameResults()
    {
        float[] ours = GatedModels.Forward(_module, _input).ToArray();
        RnnSharpForwardInto();
        float[] into = _output.ToArray();
        float[] theirs;
        using (torch.no_grad())
        {
            theirs = GatedModels.TorchForward(_torchModule, _torchInput).data<float>().ToArray();
        }

        for (int i = 0; i < ours.Length; i++)
        {
            if (Math.Abs(ours[i] - theirs[i]) > 1e-4 || ours[i] != into[i])
            {
                throw new InvalidOperationException($"{Kind} {Config}: outputs differ at {i}: RnnSharp {ours[i]}, into {into[i]}, TorchSharp {theirs[i]}");
            }
        }
    }
}
