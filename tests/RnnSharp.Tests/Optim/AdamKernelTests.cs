using RnnSharp.Optim;

namespace RnnSharp.Tests.Optim;

/// <summary>
/// <see cref="AdamKernel"/> and <see cref="AdamWKernel"/> against <c>torch.optim.Adam</c> and
/// <c>torch.optim.AdamW</c> (<c>foreach=False</c>) stepped by PyTorch 1.13.1, bit for bit after every step
/// (parameter, exp_avg, exp_avg_sq, max_exp_avg_sq, step), and each vectorised kernel against its scalar oracle.
/// </summary>
public sealed class AdamKernelTests
{
    private delegate void Kernel(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step);

    public static TheoryData<string> AdamCases() => OptimFixture.Names("Adam");

    public static TheoryData<string> AdamWCases() => OptimFixture.Names("AdamW");

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Step_RecordedAdamCase_MatchesPyTorchBitForBit(string name) => Replay(name, AdamKernel.Step);

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void StepReference_RecordedAdamCase_MatchesPyTorchBitForBit(string name) =>
        Replay(name, AdamKernel.StepReference);

    [Theory]
    [MemberData(nameof(AdamWCases))]
    public void Step_RecordedAdamWCase_MatchesPyTorchBitForBit(string name) => Replay(name, AdamWKernel.Step);

    [Theory]
    [MemberData(nameof(AdamWCases))]
    public void StepReference_RecordedAdamWCase_MatchesPyTorchBitForBit(string name) =>
        Replay(name, AdamWKernel.StepReference);

    [Theory]
    [InlineData(false, 0.0, false, false)]
    [InlineData(false, 0.1, true, false)]
    [InlineData(false, 0.1, false, true)]
    [InlineData(true, 0.0, false, false)]
    [InlineData(true, 0.1, true, true)]
    public void Step_EveryLength0To256_MatchesReferenceBitForBit(bool decoupled, double weightDecay, bool amsgrad, bool maximize)
    {
        Kernel fast = decoupled ? AdamWKernel.Step : AdamKernel.Step;
        Kernel reference = decoupled ? AdamWKernel.StepReference : AdamKernel.StepReference;
        var random = new Random(4321);
        for (int n = 0; n <= 256; n++)
        {
            float[] param = OptimFixture.MixedMagnitudes(random, n);
            float[][] state = [new float[n], new float[n], new float[amsgrad ? n : 0]];
            float[] paramRef = (float[])param.Clone();
            float[][] stateRef = [new float[n], new float[n], new float[amsgrad ? n : 0]];
            for (int step = 1; step <= 3; step++)
            {
                float[] grad = OptimFixture.MixedMagnitudes(random, n);
                fast(param, grad, state[0], state[1], state[2], 0.01, 0.9, 0.999, 1e-8, weightDecay, amsgrad, maximize, step);
                reference(paramRef, grad, stateRef[0], stateRef[1], stateRef[2], 0.01, 0.9, 0.999, 1e-8, weightDecay,
                    amsgrad, maximize, step);
                OptimFixture.BitEqual(param, paramRef, $"param, n={n}, step {step}");
                for (int s = 0; s < state.Length; s++)
                {
                    OptimFixture.BitEqual(state[s], stateRef[s], $"state {s}, n={n}, step {step}");
                }
            }
        }
    }

    private static void Replay(string name, Kernel kernel)
    {
        foreach (OptimFixture.Group g in OptimFixture.Groups(name))
        {
            int n = g.Param.Length;
            bool amsgrad = g.Flag("amsgrad");
            float[] param = (float[])g.Param.Clone();
            float[] expAvg = new float[n];
            float[] expAvgSq = new float[n];
            float[] maxExpAvgSq = new float[amsgrad ? n : 0];
            for (int step = 0; step < g.Grads.Count; step++)
            {
                kernel(param, g.Grads[step], expAvg, expAvgSq, maxExpAvgSq, g.Number("lr"), g.Number("beta1"),
                    g.Number("beta2"), g.Number("eps"), g.Number("weight_decay"), amsgrad, g.Flag("maximize"), step + 1);
                string after = $"after step {step + 1}";
                g.Steps[step].GetProperty("step").GetDouble().Should().Be(step + 1, "PyTorch counts steps from 1");
                OptimFixture.BitEqual(param, g.After(step, "param")!, $"{name}: param {after}");
                OptimFixture.BitEqual(expAvg, g.After(step, "exp_avg")!, $"{name}: exp_avg {after}");
                OptimFixture.BitEqual(expAvgSq, g.After(step, "exp_avg_sq")!, $"{name}: exp_avg_sq {after}");
                float[]? expectedMax = g.After(step, "max_exp_avg_sq");
                (expectedMax is not null).Should().Be(amsgrad, "PyTorch keeps max_exp_avg_sq exactly when amsgrad");
                if (expectedMax is not null)
                {
                    OptimFixture.BitEqual(maxExpAvgSq, expectedMax, $"{name}: max_exp_avg_sq {after}");
                }
            }
        }
    }
}
