using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// Rnn's backward against central finite differences of a double-precision RNN written here, independent of torch
/// and of RnnSharp's kernels: loss = Σ g_out ⊙ output + Σ g_h ⊙ h_n, differentiated with respect to every input,
/// h0 and parameter element.
/// </summary>
public sealed class RnnBackwardFiniteDifferenceTests
{
    // Central differences in double with step 1e-6 err by ~1e-10 here; what remains is the float32 rounding of the
    // forward states and of the backward's sums. Measured on these cases: at most 3.0e-7 · max(1, max|g|); 2e-6 leaves ~7×.
    private const double Tolerance = 2e-6;

    [Theory]
    [InlineData(3, 4, 2, true, Nonlinearity.Tanh, true, 4, 2, "Reference")]
    [InlineData(3, 4, 1, false, Nonlinearity.Relu, false, 5, 3, "Reference")]
    [InlineData(5, 9, 2, true, Nonlinearity.Tanh, true, 3, 2, "Packed")]
    [InlineData(4, 33, 1, false, Nonlinearity.Relu, true, 3, 2, "Packed")]
    [InlineData(2, 3, 3, false, Nonlinearity.Tanh, true, 6, 1, "Packed")]
    public void Backward_SmallCase_MatchesFiniteDifferencesInDouble(
        int inputSize, int hiddenSize, int layers, bool bidirectional, Nonlinearity nonlinearity, bool bias, int seqLen, int batch, string kernel)
    {
        var rnn = new Rnn(inputSize, hiddenSize, layers, nonlinearity, bias, bidirectional: bidirectional, generator: new Generator(3))
        {
            Kernel = Enum.Parse<RecurrentKernel>(kernel),
        };
        int states = layers * (bidirectional ? 2 : 1);
        Tensor input = Torch.Rand([seqLen, batch, inputSize], new Generator(4)).RequiresGrad_();
        Tensor h0 = Torch.Rand([states, batch, hiddenSize], new Generator(5)).RequiresGrad_();
        var (output, hN) = rnn.Forward(input, h0);
        Tensor gOut = Torch.Rand(output.Shape.ToArray(), new Generator(6));
        Tensor gH = Torch.Rand(hN.Shape.ToArray(), new Generator(7));
        Torch.Autograd.Backward([output, hN], [gOut, gH]);

        var oracle = new DoubleRnn(rnn, seqLen, batch);
        double[] x = Widen(input), state = Widen(h0);
        float[] gOutValues = gOut.ToArray(), gHValues = gH.ToArray();
        double Loss() => oracle.Loss(x, state, gOutValues, gHValues);
        AssertMatches("input", input.Grad!, FiniteDifferences(x, Loss));
        AssertMatches("h0", h0.Grad!, FiniteDifferences(state, Loss));
        foreach (var (name, p) in rnn.NamedParameters())
        {
            AssertMatches(name, p.Grad!, FiniteDifferences(oracle.Parameters[name], Loss));
        }
    }

    private static double[] Widen(Tensor t) => Array.ConvertAll(t.ToArray(), v => (double)v);

    /// <summary>Central differences of <paramref name="loss"/> with respect to each element of <paramref name="at"/>, perturbed in place.</summary>
    private static double[] FiniteDifferences(double[] at, Func<double> loss)
    {
        const double Step = 1e-6;
        var grad = new double[at.Length];
        for (int i = 0; i < at.Length; i++)
        {
            double saved = at[i];
            at[i] = saved + Step;
            double up = loss();
            at[i] = saved - Step;
            double down = loss();
            at[i] = saved;
            grad[i] = (up - down) / (2 * Step);
        }

        return grad;
    }

    private static void AssertMatches(string name, Tensor actual, double[] expected)
    {
        double scale = Math.Max(1, expected.Max(Math.Abs));
        ReadOnlySpan<float> a = actual.AsReadOnlySpan();
        a.Length.Should().Be(expected.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Math.Abs(a[i] - expected[i]).Should().BeLessThanOrEqualTo(Tolerance * scale, $"grad of {name}[{i}]: {a[i]} vs finite difference {expected[i]}");
        }
    }

    /// <summary>torch.nn.RNN's recurrence in double, seq-first, from a float module's parameters (widened exactly).</summary>
    private sealed class DoubleRnn
    {
        private readonly Rnn _rnn;
        private readonly int _seqLen;
        private readonly int _batch;

        public DoubleRnn(Rnn rnn, int seqLen, int batch)
        {
            _rnn = rnn;
            _seqLen = seqLen;
            _batch = batch;
            foreach (var (name, p) in rnn.NamedParameters())
            {
                Parameters[name] = Array.ConvertAll(p.ToArray(), v => (double)v);
            }
        }

        /// <summary>Double copies of the parameters, by PyTorch name; finite differences perturb them in place.</summary>
        public Dictionary<string, double[]> Parameters { get; } = [];

        public double Loss(double[] input, double[] h0, float[] gOut, float[] gH)
        {
            int d = _rnn.Bidirectional ? 2 : 1, hidden = _rnn.HiddenSize;
            int width = d * hidden;
            double[] layerInput = input;
            int inSize = _rnn.InputSize;
            double loss = 0;
            for (int layer = 0; layer < _rnn.NumLayers; layer++)
            {
                var output = new double[_seqLen * _batch * width];
                for (int dir = 0; dir < d; dir++)
                {
                    string suffix = $"_l{layer}{(dir == 1 ? "_reverse" : string.Empty)}";
                    double[] wih = Parameters["weight_ih" + suffix], whh = Parameters["weight_hh" + suffix];
                    double[]? bih = _rnn.Bias ? Parameters["bias_ih" + suffix] : null, bhh = _rnn.Bias ? Parameters["bias_hh" + suffix] : null;
                    int index = (layer * d) + dir;
                    var h = new double[_batch * hidden];
                    Array.Copy(h0, index * _batch * hidden, h, 0, h.Length);
                    for (int s = 0; s < _seqLen; s++)
                    {
                        int t = dir == 1 ? _seqLen - 1 - s : s;
                        var next = new double[_batch * hidden];
                        for (int n = 0; n < _batch; n++)
                        {
                            for (int j = 0; j < hidden; j++)
                            {
                                double z = (bih?[j] ?? 0) + (bhh?[j] ?? 0);
                                for (int k = 0; k < inSize; k++)
                                {
                                    z += layerInput[(((t * _batch) + n) * inSize) + k] * wih[(j * inSize) + k];
                                }

                                for (int k = 0; k < hidden; k++)
                                {
                                    z += h[(n * hidden) + k] * whh[(j * hidden) + k];
                                }

                                double v = _rnn.Nonlinearity == Nonlinearity.Tanh ? Math.Tanh(z) : Math.Max(0, z);
                                next[(n * hidden) + j] = v;
                                output[(((t * _batch) + n) * width) + (dir * hidden) + j] = v;
                            }
                        }

                        h = next;
                    }

                    for (int i = 0; i < h.Length; i++)
                    {
                        loss += gH[(index * _batch * hidden) + i] * h[i];
                    }
                }

                layerInput = output;
                inSize = width;
            }

            for (int i = 0; i < layerInput.Length; i++)
            {
                loss += gOut[i] * layerInput[i];
            }

            return loss;
        }
    }
}
