using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>
/// Gradients of composite expressions checked against central finite differences, independently of torch.
/// </summary>
/// <remarks>
/// The loss is <c>L = Σ w·f(x)</c> with a fixed random <c>w</c>, accumulated in double from the float32 outputs.
/// Each derivative is a Richardson-extrapolated central difference, <c>(4·D(h/2) − D(h)) / 3</c> with
/// <c>D(h) = (L(x+h) − L(x−h)) / 2h</c> and <c>h = 1e-2</c>: its truncation error is O(h⁴) ≈ 1e-8, negligible. What
/// remains is float32 rounding of the forward values: about 1e-7 relative per output, so δL ≈ 1e-7·√n·|w·f| ≲ 1e-6
/// for these sizes, which the difference quotient amplifies by about 3/h = 300: ≈ 3e-4. The tolerance below is that
/// bound (measured: at most 1.7e-5 on these cases); a wrong formula (missing broadcast sum, sign, factor) is off by O(1).
/// </remarks>
public sealed class FiniteDifferenceTests
{
    private const float H = 1e-2f;
    private const double Atol = 5e-4;
    private const double Rtol = 1e-3;

    public static TheoryData<string> Expressions => new() { "linear_softmax", "tanh_mul_reductions", "join_slice_logsoftmax", "sigmoid_log_relu_div" };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Backward_CompositeExpression_MatchesFiniteDifferences(string name)
    {
        (Func<Tensor[], Tensor> f, Tensor[] inputs) = Build(name);
        foreach (Tensor x in inputs)
        {
            x.RequiresGrad_();
        }

        Tensor output = f(inputs);
        Tensor w = Torch.Rand(output.Shape.ToArray(), new Generator().ManualSeed(99)) - 0.5f;
        w = w.Detach();
        Tensor?[] grads = Torch.Autograd.Grad([output], inputs, [w]);

        for (int j = 0; j < inputs.Length; j++)
        {
            Tensor expected = Tensor.Zeros(inputs[j].Shape.ToArray());
            Memory<float> data = inputs[j].Data.AsMemory();
            for (int e = 0; e < data.Length; e++)
            {
                float v = data.Span[e];
                double D(float h)
                {
                    data.Span[e] = v + h;
                    double plus = Loss(f, inputs, w);
                    data.Span[e] = v - h;
                    double minus = Loss(f, inputs, w);
                    data.Span[e] = v;
                    return (plus - minus) / (2.0 * h);
                }

                expected.AsSpan()[e] = (float)(((4 * D(H / 2)) - D(H)) / 3);
            }

            TensorAssert.AllClose(grads[j]!, expected, Rtol, Atol, $"input {j} of {name}");
        }
    }

    private static double Loss(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor w)
    {
        using IDisposable noGrad = Torch.NoGrad();
        ReadOnlySpan<float> y = f(inputs).AsReadOnlySpan();
        ReadOnlySpan<float> ws = w.AsReadOnlySpan();
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += (double)y[i] * ws[i];
        }

        return sum;
    }

    private static Tensor Randn(int seed, params int[] shape)
    {
        // Values in [-1, 1), away from the kinks of relu by more than h.
        Tensor t = Torch.Rand(shape, new Generator().ManualSeed(seed)) * 2f - 1f;
        Span<float> s = t.AsSpan();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = MathF.Abs(s[i]) < 0.05f ? 0.3f : s[i];
        }

        return t.Detach();
    }

    private static (Func<Tensor[], Tensor> F, Tensor[] Inputs) Build(string name) => name switch
    {
        "linear_softmax" => (
            t => (t[0].MatMul(t[1]) + t[2]).Softmax(1),
            [Randn(1, 3, 4), Randn(2, 4, 5), Randn(3, 5)]),
        "tanh_mul_reductions" => (
            t => (t[0].Tanh() * t[1]).Sum(1).Mean() + (t[0] - t[1]).Mean(0).Sum(),
            [Randn(4, 3, 4), Randn(5, 4)]),
        "join_slice_logsoftmax" => (
            t => (Torch.Cat([t[0], t[1] * 2f], 1)[.., 1..4].Transpose(0, 1) / (t[2].Exp() + 1f)).LogSoftmax(0)
                 + Torch.Stack([t[0], t[0].Narrow(1, 0, 2) * -1f], 0).Permute(2, 0, 1).Max(1).Values.Sum(),
            [Randn(6, 2, 2), Randn(7, 2, 3), Randn(8, 2)]),
        "sigmoid_log_relu_div" => (
            t => ((t[0].Sigmoid() + 0.5f).Log() * t[2].Relu()).Div(t[2].Exp()).MatMul(t[1].T()).Unsqueeze(0).Squeeze(),
            [Randn(9, 3, 4), Randn(10, 2, 4), Randn(11, 4)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
