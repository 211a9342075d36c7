using TorchSharp;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace RnnSharp.Benchmarks;

/// <summary>An LSTM or GRU of a config in RnnSharp and the same one (same weights) in TorchSharp, for the gated-layer benchmarks.</summary>
internal static class GatedModels
{
    /// <summary>The layer kinds the gated benchmarks run.</summary>
    public static IEnumerable<string> Kinds => ["LSTM", "GRU"];

    /// <summary>The gate count of <paramref name="kind"/> (LSTM, GRU, RNN): its FLOPs are this multiple of an Elman RNN's.</summary>
    public static int Gates(string kind) => kind switch { "LSTM" => 4, "GRU" => 3, _ => 1 };

    public static RnnBase Create(string kind, RnnConfig c) => kind == "LSTM"
        ? new Lstm(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2, generator: new Generator(42))
        : new Gru(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2, generator: new Generator(42));

    /// <summary>RnnSharp's output of a forward call.</summary>
    public static RnnSharp.Tensor Forward(RnnBase module, RnnSharp.Tensor input) =>
        module is Lstm lstm ? lstm.Forward(input).Output : ((Gru)module).Forward(input).Output;

    /// <summary>TorchSharp's module with <paramref name="ours"/>'s weights.</summary>
    public static nn.Module CreateTorch(string kind, RnnConfig c, RnnBase ours)
    {
        nn.Module module = kind == "LSTM"
            ? nn.LSTM(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2)
            : nn.GRU(c.InputSize, c.HiddenSize, c.Layers, bidirectional: c.Directions == 2);
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

    /// <summary>TorchSharp's output of a forward call.</summary>
    public static TorchTensor TorchForward(nn.Module module, TorchTensor input) => module switch
    {
        nn.Module<TorchTensor, (TorchTensor, TorchTensor)?, (TorchTensor, TorchTensor, TorchTensor)> lstm => lstm.forward(input, null).Item1,
        nn.Module<TorchTensor, TorchTensor?, (TorchTensor, TorchTensor)> gru => gru.forward(input, null).Item1,
        _ => throw new InvalidOperationException(module.GetType().Name),
    };
}
