using System.Text.Json;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>Builds RnnSharp modules from the "config" objects the recorder writes (PyTorch's keyword arguments).</summary>
internal static class Configs
{
    public static Rnn CreateRnn(JsonElement config, Generator? generator = null) => new(
        inputSize: config.GetProperty("input_size").GetInt32(),
        hiddenSize: config.GetProperty("hidden_size").GetInt32(),
        numLayers: config.GetProperty("num_layers").GetInt32(),
        nonlinearity: ParseNonlinearity(config),
        bias: config.GetProperty("bias").GetBoolean(),
        batchFirst: config.GetProperty("batch_first").GetBoolean(),
        dropout: Fixture.ReadFloat(config.GetProperty("dropout")),
        bidirectional: config.GetProperty("bidirectional").GetBoolean(),
        generator: generator);

    public static RnnCell CreateCell(JsonElement config, Generator? generator = null) => new(
        inputSize: config.GetProperty("input_size").GetInt32(),
        hiddenSize: config.GetProperty("hidden_size").GetInt32(),
        bias: config.GetProperty("bias").GetBoolean(),
        nonlinearity: ParseNonlinearity(config),
        generator: generator);

    private static Nonlinearity ParseNonlinearity(JsonElement config) => config.GetProperty("nonlinearity").GetString() switch
    {
        "tanh" => Nonlinearity.Tanh,
        "relu" => Nonlinearity.Relu,
        var s => throw new FormatException($"Unknown nonlinearity {s}"),
    };

    /// <summary>Asserts that a module's state dict has exactly the recorded keys, in order, with identical bits.</summary>
    public static void AssertStateDictBitEqual(Module module, JsonElement recorded, string because)
    {
        List<KeyValuePair<string, Tensor>> expected = Fixture.ReadStateDictEntries(recorded);
        var actual = module.StateDict().ToList();
        actual.Select(p => p.Key).Should().Equal(expected.Select(p => p.Key), "parameter names and order are PyTorch's ({0})", because);
        for (int i = 0; i < expected.Count; i++)
        {
            TensorAssert.BitEqual(actual[i].Value, expected[i].Value, $"{because}: {expected[i].Key}");
        }
    }
}
