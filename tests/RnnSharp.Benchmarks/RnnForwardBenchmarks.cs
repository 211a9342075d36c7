using BenchmarkDotNet.Attributes;
using RnnSharp.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>
/// One inference forward pass (no gradients) of a tanh RNN, seq-first, with h0 = zeros:
/// RnnSharp's reference kernels (the baseline), RnnSharp allocating its results, RnnSharp writing into
/// caller-owned tensors, and TorchSharp-cpu's torch.nn.RNN with the same weights and input.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class RnnForwardBenchmarks
{
    private Rnn _rnn = null!;
    private Rnn _reference = null!;
    private RnnSharp.Tensor _input = null!;
    private RnnSharp.Tensor _output = null!;
    private RnnSharp.Tensor _hN = null!;
    private nn.Module<TorchTensor, TorchTensor?, (TorchTensor, TorchTensor)> _torchRnn = null!;
    private TorchTensor _torchInput = null!;

    [ParamsSource(nameof(ConfigNames))]
    public string Config { get; set; } = "tiny";

    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; } = 1;

    public static IEnumerable<string> ConfigNames => RnnConfig.All.Select(c => c.Name);

    public static IEnumerable<int> ThreadCounts => Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];

    [GlobalSetup]
    public void Setup()
    {
        TorchSharpNative.EnsureLoadable();
        RnnConfig c = RnnConfig.Get(Config);
        RnnSharp.Torch.SetNumThreads(Threads);
        torch.set_num_threads(Threads);

        _rnn = new Rnn(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2, generator: new Generator(42));
        _rnn.Eval();
        _reference = new Rnn(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2, generator: new Generator(42))
        {
            Kernel = RecurrentKernel.Reference,
        };
        _reference.Eval();

        // Inference, as under torch.no_grad(): parameters that do not require grad make every call record nothing
        // (and let the into-caller-tensors form run), on whichever thread BenchmarkDotNet calls from.
        foreach (Parameter p in _rnn.Parameters().Concat(_reference.Parameters()))
        {
            p.RequiresGrad = false;
        }

        _input = RnnSharp.Torch.Rand([c.SeqLen, c.Batch, c.InputSize], new Generator(7));
        _input.AsSpan().ToArray(); // touch
        var shapes = _rnn.Forward(_input);
        _output = RnnSharp.Tensor.Zeros(shapes.Output.Shape.ToArray());
        _hN = RnnSharp.Tensor.Zeros(shapes.HN.Shape.ToArray());

        _torchRnn = nn.RNN(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2);
        _torchRnn.eval();
        using (torch.no_grad())
        {
            foreach (var (name, parameter) in _torchRnn.named_parameters())
            {
                RnnSharp.Tensor ours = _rnn.StateDict()[name];
                parameter.copy_(torch.tensor(ours.ToArray(), ours.Shape.ToArray().Select(d => (long)d).ToArray()));
            }
        }

        _torchInput = torch.tensor(_input.ToArray(), [c.SeqLen, c.Batch, c.InputSize]);
        CheckSameResults();
    }

    [Benchmark(Baseline = true, Description = "RnnSharp reference kernels")]
    public RnnOutput Reference() => _reference.Forward(_input);

    [Benchmark(Description = "RnnSharp")]
    public RnnOutput RnnSharpForward() => _rnn.Forward(_input);

    [Benchmark(Description = "RnnSharp into caller tensors")]
    public RnnSharp.Tensor RnnSharpForwardInto()
    {
        _rnn.Forward(_input, null, _output, _hN);
        return _output;
    }

    [Benchmark(Description = "TorchSharp")]
    public float TorchSharpForward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (output, _) = _torchRnn.forward(_torchInput, null);
        return output.numel();
    }

    /// <summary>A benchmark that computes something else is worthless: compare the three implementations once.</summary>
    private void CheckSameResults()
    {
        float[] fast = _rnn.Forward(_input).Output.ToArray();
        float[] reference = _reference.Forward(_input).Output.ToArray();
        float[] torchResult;
        using (torch.no_grad())
        {
            torchResult = _torchRnn.forward(_torchInput, null).Item1.data<float>().ToArray();
        }

        for (int i = 0; i < fast.Length; i++)
        {
            if (Math.Abs(fast[i] - reference[i]) > 1e-4 || Math.Abs(fast[i] - torchResult[i]) > 1e-4)
            {
                throw new InvalidOperationException(
                    $"{Config}: outputs differ at {i}: RnnSharp {fast[i]}, reference {reference[i]}, TorchSharp {torchResult[i]}");
            }
        }
    }
}
