using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Optim;

/// <summary>
/// Reads <c>Fixtures/optim.json</c> (written by <c>Fixtures/record_optim.py</c>): per case, one or more param groups,
/// each stepped by real <c>torch.optim</c> with its gradients and its parameter and state recorded after every step.
/// </summary>
internal static class OptimFixture
{
    public const string File = "optim.json";

    /// <summary>The names of the cases recorded with <c>torch.optim.&lt;optimizer&gt;</c>.</summary>
    public static TheoryData<string> Names(string optimizer) =>
        Fixture.Names(File, c => c.GetProperty("optimizer").GetString() == optimizer);

    /// <summary>The param groups of a case.</summary>
    public static IReadOnlyList<Group> Groups(string name) =>
        Fixture.Case(File, name).GetProperty("groups").EnumerateArray().Select(g => new Group(g)).ToList();

    /// <summary>
    /// A random vector mixing magnitudes from 1e-8 to 1e6 with exact zeros, subnormals (1e-40) and values whose
    /// squares overflow (1e30).
    /// </summary>
    public static float[] MixedMagnitudes(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double magnitude = random.Next(12) switch
            {
                0 => 0,
                1 => 1e-40,
                2 => 1e30,
                _ => Math.Pow(10, random.Next(-8, 7)),
            };
            values[i] = (float)(((random.NextDouble() * 2) - 1) * magnitude);
        }

        return values;
    }

    /// <summary>
    /// Asserts identical bits in every element, naming the first differing indices and both values.
    /// </summary>
    public static void BitEqual(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string because) =>
        TensorAssert.BitEqual(new Tensor(actual.ToArray(), [actual.Length]), new Tensor(expected.ToArray(), [expected.Length]), because);

    /// <summary>One recorded param group.</summary>
    internal sealed class Group(JsonElement group)
    {
        private readonly JsonElement _options = group.GetProperty("options");

        /// <summary>The parameter before the first step.</summary>
        public float[] Param { get; } = Fixture.ReadTensor(group.GetProperty("param")).ToArray();

        /// <summary>The gradient of each step.</summary>
        public IReadOnlyList<float[]> Grads { get; } =
            group.GetProperty("grads").EnumerateArray().Select(t => Fixture.ReadTensor(t).ToArray()).ToList();

        /// <summary>After each step: "param" and the optimizer's state ("exp_avg", "step", ...).</summary>
        public IReadOnlyList<JsonElement> Steps { get; } = group.GetProperty("steps").EnumerateArray().ToList();

        /// <summary>A hyper-parameter, as the double PyTorch held.</summary>
        public double Number(string option) => _options.GetProperty(option).GetDouble();

        /// <summary>Whether the group has the option.</summary>
        public bool Has(string option) => _options.TryGetProperty(option, out _);

        /// <summary>A boolean option.</summary>
        public bool Flag(string option) => _options.GetProperty(option).GetBoolean();

        /// <summary>A recorded tensor after step <paramref name="step"/> (0-based), or null if PyTorch had none.</summary>
        public float[]? After(int step, string key) => Fixture.ReadOptionalTensor(Steps[step], key)?.ToArray();
    }
}
