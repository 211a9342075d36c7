using RnnSharp.Optim;

namespace RnnSharp.Tests.Optim;

/// <summary>
/// <see cref="SgdKernel"/> against <c>torch.optim.SGD(..., foreach=False)</c> stepped by PyTorch 1.13.1 (bit for
/// bit after every step, parameter and momentum buffer), and the vectorised kernel against its scalar oracle.
/// </summary>
public sealed class SgdKernelTests
{
    private delegate void Kernel(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, bool momentumBufferExists,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize);

    public static TheoryData<string> Cases() => OptimFixture.Names("SGD");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_RecordedCase_MatchesPyTorchBitForBit(string name) => Replay(name, SgdKernel.Step);

    [Theory]
    [MemberData(nameof(Cases))]
    public void StepReference_RecordedCase_MatchesPyTorchBitForBit(string name) => Replay(name, SgdKernel.StepReference);

    [Theory]
    [InlineData(0.0, 0.0, 0.0, false, false)]
    [InlineData(0.0, 0.0, 0.01, false, true)]
    [InlineData(0.9, 0.0, 0.0, false, false)]
    [InlineData(0.9, 0.1, 0.01, false, true)]
    [InlineData(0.9, 0.0, 0.01, true, false)]
    [InlineData(0.5, 0.0, 0.0, true, true)]
    public void Step_EveryLength0To256_MatchesReferenceBitForBit(
        double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        var random = new Random(1234);
        for (int n = 0; n <= 256; n++)
        {
            float[] param = OptimFixture.MixedMagnitudes(random, n);
            float[] buffer = new float[momentum == 0 ? 0 : n];
            float[] paramRef = (float[])param.Clone();
            float[] bufferRef = (float[])buffer.Clone();
            for (int step = 0; step < 3; step++)
            {
                float[] grad = OptimFixture.MixedMagnitudes(random, n);
                SgdKernel.Step(param, grad, buffer, step > 0, 0.07, momentum, dampening, weightDecay, nesterov, maximize);
                SgdKernel.StepReference(
                    paramRef, grad, bufferRef, step > 0, 0.07, momentum, dampening, weightDecay, nesterov, maximize);
                OptimFixture.BitEqual(param, paramRef, $"param, n={n}, step {step + 1}");
                OptimFixture.BitEqual(buffer, bufferRef, $"momentum_buffer, n={n}, step {step + 1}");
            }
        }
    }

    private static void Replay(string name, Kernel kernel)
    {
        foreach (OptimFixture.Group g in OptimFixture.Groups(name))
        {
            float[] param = (float[])g.Param.Clone();
            double momentum = g.Number("momentum");
            float[] buffer = new float[momentum == 0 ? 0 : param.Length];
            for (int step = 0; step < g.Grads.Count; step++)
            {
                kernel(param, g.Grads[step], buffer, momentumBufferExists: step > 0, g.Number("lr"), momentum,
                    g.Number("dampening"), g.Number("weight_decay"), g.Flag("nesterov"), g.Flag("maximize"));
                OptimFixture.BitEqual(param, g.After(step, "param")!, $"{name}: param after step {step + 1}");
                float[]? expectedBuffer = g.After(step, "momentum_buffer");
                if (expectedBuffer is null)
                {
                    momentum.Should().Be(0, "PyTorch keeps a momentum buffer whenever momentum is not zero");
                }
                else
                {
                    OptimFixture.BitEqual(buffer, expectedBuffer, $"{name}: momentum_buffer after step {step + 1}");
                }
            }
        }
    }
}
