using BenchmarkDotNet.Attributes;
using RnnSharp.Optim;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>
/// One training step of an LSTM or a GRU, as <see cref="TrainingStepBenchmarks"/> runs the RNN's: zero the
/// gradients, forward, CrossEntropyLoss over the D·H output features of every step, backward, Adam step.
/// TorchSharp-cpu (the baseline) and RnnSharp, from the same weights and data.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class GatedTrainingStepBenchmarks
{
    private RnnBase _module = null!;
    private CrossEntropyLoss _criterion = null!;
    private Adam _optimizer = null!;
    private RnnSharp.Tensor _input = null!;
    private RnnSharp.Tensor _targets = null!;
    private int _classes;
    private nn.Module _torchModule = null!;
    private nn.Module<TorchTensor, TorchTensor, TorchTensor> _torchCriterion = null!;
    private optim.Optimizer _torchOptimizer = null!;
    private TorchTensor _torchInput = null!;
    private TorchTensor _torchTargets = null!;

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
        _classes = c.HiddenSize * c.Directions;

        _module = GatedModels.Create(Kind, c);
        _criterion = new CrossEntropyLoss();
        _input = RnnSharp.Torch.Rand([c.SeqLen, c.Batch, c.InputSize], new Generator(7));
        var random = new Random(11);
        long[] targets = Enumerable.Range(0, c.SeqLen * c.Batch).Select(_ => (long)random.Next(_classes)).ToArray();
        _targets = RnnSharp.Torch.Tensor(targets);

        _torchModule = GatedModels.CreateTorch(Kind, c, _module);
        _torchCriterion = nn.CrossEntropyLoss();
        _torchInput = torch.tensor(_input.ToArray(), [c.SeqLen, c.Batch, c.InputSize]);
        _torchTargets = torch.tensor(targets);

        CheckSameLoss();
        _optimizer = new Adam(_module.Parameters(), lr: 1e-3);
        _torchOptimizer = optim.Adam(_torchModule.parameters(), lr: 1e-3);
    }

    [Benchmark(Baseline = true, Description = "TorchSharp")]
    public float TorchSharpStep()
    {
        using var scope = torch.NewDisposeScope();
        _torchOptimizer.zero_grad();
        TorchTensor output = GatedModels.TorchForward(_torchModule, _torchInput);
        TorchTensor loss = _torchCriterion.forward(output.view(-1, _classes), _torchTargets);
        loss.backward();
        _torchOptimizer.step();
        return loss.item<float>();
    }

    [Benchmark(Description = "RnnSharp")]
    public float RnnSharpStep()
    {
        _optimizer.ZeroGrad();
        RnnSharp.Tensor output = GatedModels.Forward(_module, _input);
        RnnSharp.Tensor loss = _criterion.Forward(output.View(-1, _classes), _targets);
        loss.Backward();
        _optimizer.Step();
        return loss.Item();
    }

    /// <summary>A benchmark that computes something else is worthless: the two first losses must agree.</summary>
    private void CheckSameLoss()
    {
        float ours = _criterion.Forward(GatedModels.Forward(_module, _input).View(-1, _classes), _targets).Item();
        float theirs;
        using (torch.no_grad())
        {
            theirs = _torchCriterion.forward(GatedModels.TorchForward(_torchModule, _torchInput).view(-1, _classes), _torchTargets).item<float>();
        }

        if (Math.Abs(ours - theirs) > 1e-4 * Math.Max(1, Math.Abs(theirs)))
        {
            throw new InvalidOperationException($"{Kind} {Config}: losses differ: RnnSharp {ours}, TorchSharp {theirs}");
        }
    }
}
