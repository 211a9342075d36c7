namespace RnnSharp.Benchmarks;

/// <summary>One benchmarked shape: sequence length L, batch N, input size I, hidden size H, layers, directions.</summary>
public sealed record RnnConfig(string Name, int SeqLen, int Batch, int InputSize, int HiddenSize, int Layers, int Directions)
{
    /// <summary>
    /// The five shapes of issue #3, from the lab's tiny RNN to a large one — or those named in the environment variable
    /// <c>RNNSHARP_BENCH_CONFIGS</c> (comma-separated, e.g. <c>small,tiny</c>), to re-run a few rows.
    /// </summary>
    public static IReadOnlyList<RnnConfig> All { get; } = Selected(
    [
        new("tiny", 5, 3, 4, 2, 1, 1),
        new("small", 32, 16, 64, 128, 1, 1),
        new("medium", 128, 32, 256, 512, 2, 1),
        new("large", 256, 64, 512, 1024, 1, 1),
        new("bidir", 64, 16, 128, 256, 2, 2),
    ]);

    /// <summary>The five shapes plus the course's hihello lesson (seq 6, batch 1, 5 one-hot inputs, 5 hidden), for training.</summary>
    public static IReadOnlyList<RnnConfig> Training { get; } = Selected([new("hihello", 6, 1, 5, 5, 1, 1), .. All]);

    /// <summary>Multiply-adds × 2 of one forward pass: Σ_layers D·L·N·2·H·(I_layer + H).</summary>
    public double Flops
    {
        get
        {
            double total = 0;
            for (int layer = 0; layer < Layers; layer++)
            {
                int input = layer == 0 ? InputSize : HiddenSize * Directions;
                total += (double)Directions * SeqLen * Batch * 2 * HiddenSize * (input + HiddenSize);
            }

            return total;
        }
    }

    public static RnnConfig Get(string name) => Training.Single(c => c.Name == name);

    private static RnnConfig[] Selected(RnnConfig[] configs)
    {
        string? names = Environment.GetEnvironmentVariable("RNNSHARP_BENCH_CONFIGS");
        return string.IsNullOrWhiteSpace(names)
            ? configs
            : [.. configs.Where(c => names.Split(',', StringSplitOptions.TrimEntries).Contains(c.Name))];
    }

    public override string ToString() => Name;
}
