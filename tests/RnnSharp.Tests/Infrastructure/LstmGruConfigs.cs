using System.Text.Json;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>
/// Builds and runs <see cref="Lstm"/>, <see cref="Gru"/>, <see cref="LstmCell"/> and <see cref="GruCell"/> from the
/// recorder's "kind" and "config" (PyTorch's keyword arguments; "proj_size" is present only when non-zero).
/// </summary>
internal static class LstmGruConfigs
{
    public static Module Create(string kind, JsonElement config, Generator? generator = null) => kind switch
    {
        "lstm" => CreateLstm(config, generator),
        "gru" => CreateGru(config, generator),
        "lstm_cell" => new LstmCell(Int(config, "input_size"), Int(config, "hidden_size"), config.GetProperty("bias").GetBoolean(), generator),
        "gru_cell" => new GruCell(Int(config, "input_size"), Int(config, "hidden_size"), config.GetProperty("bias").GetBoolean(), generator),
        _ => throw new FormatException($"Unknown kind {kind}"),
    };

    public static Lstm CreateLstm(JsonElement config, Generator? generator = null) => new(
        inputSize: Int(config, "input_size"),
        hiddenSize: Int(config, "hidden_size"),
        numLayers: Int(config, "num_layers"),
        bias: config.GetProperty("bias").GetBoolean(),
        batchFirst: config.GetProperty("batch_first").GetBoolean(),
        dropout: Fixture.ReadFloat(config.GetProperty("dropout")),
        bidirectional: config.GetProperty("bidirectional").GetBoolean(),
        projSize: ProjSize(config),
        generator: generator);

    public static Gru CreateGru(JsonElement config, Generator? generator = null) => new(
        inputSize: Int(config, "input_size"),
        hiddenSize: Int(config, "hidden_size"),
        numLayers: Int(config, "num_layers"),
        bias: config.GetProperty("bias").GetBoolean(),
        batchFirst: config.GetProperty("batch_first").GetBoolean(),
        dropout: Fixture.ReadFloat(config.GetProperty("dropout")),
        bidirectional: config.GetProperty("bidirectional").GetBoolean(),
        generator: generator);

    public static int ProjSize(JsonElement config) => config.TryGetProperty("proj_size", out JsonElement p) ? p.GetInt32() : 0;

    /// <summary>
    /// One forward of a layer (<c>lstm</c>, <c>gru</c>) with the recorder's names for what comes out: output, h_n
    /// (and c_n). <paramref name="c0"/> is used only by an LSTM, which needs <paramref name="h0"/> with it.
    /// </summary>
    public static List<(string Name, Tensor Value)> Forward(Module module, Tensor input, Tensor? h0, Tensor? c0)
    {
        switch (module)
        {
            case Lstm lstm:
                LstmOutput o = lstm.Forward(input, h0 is null ? null : (h0, c0!));
                return [("output", o.Output), ("h_n", o.HN), ("c_n", o.CN)];
            case Gru gru:
                RnnOutput r = gru.Forward(input, h0);
                return [("output", r.Output), ("h_n", r.HN)];
            default:
                throw new ArgumentException($"Not a layer: {module}", nameof(module));
        }
    }

    private static int Int(JsonElement config, string name) => config.GetProperty(name).GetInt32();
}
