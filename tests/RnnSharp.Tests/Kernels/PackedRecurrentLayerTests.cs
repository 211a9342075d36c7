using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The recurrent engine's shortcuts against its plain path, bit for bit: the single-product step (W_hh packed whole,
/// for hidden sizes under one panel) against per-gate products, for LSTM (with and without proj_size) and GRU layers,
/// both directions, with and without biases and h0/c0; and the input projection computed a few steps at a time
/// against all steps at once, dense and variable-length, for every cell kind.
/// </summary>
public sealed class PackedRecurrentLayerTests
{
    public static TheoryData<string, int, int, bool> Cases()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (string kind in new[] { "LSTM", "LSTM-proj", "GRU" })
        {
            foreach (int hidden in new[] { 1, 2, 5, 16, 17, 31 })
            {
                data.Add(kind, hidden, 3, true);
                data.Add(kind, hidden, 7, false);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_HiddenUnderOnePanel_WholeProductMatchesPerGateProductsBitForBit(string kind, int hidden, int batch, bool withBiasAndState)
    {
        const int seqLen = 4, inputSize = 6;
        bool lstm = kind != "GRU";
        int gates = lstm ? 4 : 3, state = kind == "LSTM-proj" ? Math.Max(1, hidden / 2) : hidden;
        RecurrentCellKernel cell = lstm ? LstmCellKernel.Instance : GruCellKernel.Instance;
        int seed = (hidden * 100) + batch;
        Tensor Random(int offset, params int[] shape) => new(SoftmaxKernelTests.Random(shape.Aggregate(1, (a, b) => a * b), seed + offset, 0.7f), shape);
        Tensor weightIh = Random(1, gates * hidden, inputSize), weightHh = Random(2, gates * hidden, state);
        Tensor? biasIh = withBiasAndState ? Random(3, gates * hidden) : null, biasHh = withBiasAndState ? Random(4, gates * hidden) : null;
        Tensor? weightHr = state != hidden ? Random(5, state, hidden) : null;
        float[] input = SoftmaxKernelTests.Random(seqLen * batch * inputSize, seed + 6, 1.5f);
        float[] h0 = withBiasAndState ? SoftmaxKernelTests.Random(batch * state, seed + 7, 0.5f) : new float[batch * state];
        float[] c0 = withBiasAndState ? SoftmaxKernelTests.Random(batch * hidden, seed + 8, 0.5f) : new float[batch * hidden];

        var whole = new PackedDirection(gates, weightIh, weightHh, biasIh, biasHh, weightHr);
        var perGate = new PackedDirection(gates, weightIh, weightHh, biasIh, biasHh, weightHr, packWhole: false);
        whole.WeightHhWhole.Should().NotBeEmpty();
        perGate.WeightHhWhole.Should().BeEmpty();

        foreach (bool reverse in new[] { false, true })
        {
            (float[] Output, float[] HN, float[] CN) Run(PackedDirection weights)
            {
                int columns = gates * hidden;
                var output = new float[seqLen * batch * state];
                var hN = new float[batch * state];
                var cN = lstm ? new float[batch * hidden] : [];
                var buffers = new LayerBuffers
                {
                    Input = input,
                    H0 = h0,
                    C0 = lstm ? c0 : default,
                    Output = output,
                    InputGates = new float[seqLen * batch * columns],
                    StepGates = new float[batch * columns],
                    Cells = new float[2 * batch * hidden],
                    Projections = new float[batch * hidden],
                    Gather = new float[(batch * state) + (batch * hidden)],
                };
                PackedRecurrentLayer.Run(cell, StepLayout.Dense(seqLen, batch), weights, reverse, state, 0, buffers, hN, cN, team: null);
                return (output, hN, cN);
            }

            var expected = Run(perGate);
            var actual = Run(whole);

            string because = $"{kind} H={hidden} N={batch} reverse={reverse}";
            TensorAssert.BitEqual(new Tensor(actual.Output, [actual.Output.Length]), new Tensor(expected.Output, [expected.Output.Length]), "output " + because);
            TensorAssert.BitEqual(new Tensor(actual.HN, [actual.HN.Length]), new Tensor(expected.HN, [expected.HN.Length]), "h_n " + because);
            actual.CN.Should().Equal(expected.CN, "c_n " + because);
        }
    }

    [Theory]
    [InlineData("LSTM", false)]
    [InlineData("LSTM", true)]
    [InlineData("GRU", false)]
    [InlineData("GRU", true)]
    [InlineData("RNN", false)]
    [InlineData("RNN", true)]
    public void Run_ProjectionInChunksOfSteps_MatchesProjectingAllStepsBitForBit(string kind, bool variableLength)
    {
        const int seqLen = 11, batch = 5, inputSize = 40, hidden = 48;
        RecurrentCellKernel cell = kind switch { "LSTM" => LstmCellKernel.Instance, "GRU" => GruCellKernel.Instance, _ => ElmanCellKernel.Tanh };
        int gates = cell.Gates, columns = gates * hidden;
        Tensor Random(int seed, params int[] shape) => new(SoftmaxKernelTests.Random(shape.Aggregate(1, (a, b) => a * b), seed, 0.3f), shape);
        var weights = new PackedDirection(gates, Random(1, columns, inputSize), Random(2, columns, hidden), Random(3, columns), Random(4, columns));
        StepLayout layout = variableLength ? StepLayout.Variable([5, 5, 4, 4, 4, 3, 3, 2, 1, 1, 1]) : StepLayout.Dense(seqLen, batch);
        int rows = layout.Rows;
        float[] input = SoftmaxKernelTests.Random(rows * inputSize, 6, 1.5f);
        float[] h0 = SoftmaxKernelTests.Random(batch * hidden, 7, 0.5f);
        float[] c0 = SoftmaxKernelTests.Random(batch * hidden, 8, 0.5f);

        foreach (bool reverse in new[] { false, true })
        {
            float[] Run(int projectionSteps)
            {
                var output = new float[rows * hidden];
                var hN = new float[batch * hidden];
                var cN = cell.HasCellState ? new float[batch * hidden] : [];
                var buffers = new LayerBuffers
                {
                    Input = input,
                    H0 = h0,
                    C0 = cell.HasCellState ? c0 : default,
                    Output = output,
                    InputGates = new float[rows * columns],
                    StepGates = new float[batch * columns],
                    Cells = new float[2 * batch * hidden],
                    Projections = new float[batch * hidden],
                    Gather = new float[2 * batch * hidden],
                };
                PackedRecurrentLayer.Run(cell, layout, weights, reverse, hidden, 0, buffers, hN, cN, team: null, projectionSteps);
                return [.. output, .. hN, .. cN];
            }

            float[] expected = Run(seqLen);
            foreach (int steps in new[] { 1, 3, 4 })
            {
                float[] actual = Run(steps);
                TensorAssert.BitEqual(new Tensor(actual, [actual.Length]), new Tensor(expected, [expected.Length]), $"{kind} {steps} steps at a time, reverse={reverse}");
            }
        }
    }
}
