using System.Numerics;

namespace RnnSharp.Optim;

/// <summary>
/// One step of <c>torch.optim.SGD</c> over one flat float32 parameter: PyTorch 1.13's <c>_single_tensor_sgd</c>,
/// operation for operation and bit for bit with its CPU kernels.
/// </summary>
/// <remarks>
/// <para>PyTorch runs, per parameter (<c>d_p</c> starts as the gradient, negated when maximizing):</para>
/// <code>
/// d_p = d_p.add(param, alpha=weight_decay)               # if weight_decay != 0
/// buf = clone(d_p)                                        # first step with momentum != 0
/// buf.mul_(momentum).add_(d_p, alpha=1 - dampening)       # later steps
/// d_p = d_p.add(buf, alpha=momentum) if nesterov else buf
/// param.add_(d_p, alpha=-lr)
/// </code>
/// <para>
/// Each Python float is rounded once to float32 (ATen's <c>Scalar.to&lt;float&gt;()</c>), after any arithmetic
/// Python does in double (<c>1 - dampening</c>, <c>-lr</c>). ATen's <c>add(x, y, alpha)</c> computes
/// <c>fma(y, alpha, x)</c> on every element (its AVX2 body uses <c>vec::fmadd</c> and GCC contracts the scalar
/// tail too; checked against torch on lengths 1..70, 1000 and 4099), and <c>mul_(momentum)</c> is one float32
/// product. Every operation is elementwise, so the kernel fuses them into one pass without changing a bit.
/// </para>
/// </remarks>
internal static class SgdKernel
{
    /// <summary>
    /// Updates <paramref name="param"/> <c>(n)</c> and, when <paramref name="momentum"/> is not zero,
    /// <paramref name="momentumBuffer"/> <c>(n)</c> in place from <paramref name="grad"/> <c>(n)</c>. Vectorised;
    /// does not allocate. Hyper-parameters are PyTorch's, in its order.
    /// </summary>
    /// <param name="param">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="momentumBuffer">PyTorch's <c>momentum_buffer</c>; may be empty when momentum is zero.</param>
    /// <param name="momentumBufferExists">
    /// False on the first step with momentum, when PyTorch creates the buffer as <c>clone(d_p)</c> (no dampening);
    /// the buffer's old contents are then ignored.
    /// </param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="momentum">Momentum factor; zero for none.</param>
    /// <param name="dampening">Dampening for momentum.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient; zero for none.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="maximize">Ascend instead of descending (negates the gradient).</param>
    public static void Step(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, bool momentumBufferExists,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        var s = new Scalars(momentumBufferExists, lr, momentum, dampening, weightDecay, nesterov, maximize);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var negLr = new Vector<float>(s.NegLr);
            var decay = new Vector<float>(s.WeightDecay);
            var mom = new Vector<float>(s.Momentum);
            var dampened = new Vector<float>(s.OneMinusDampening);
            for (; i <= param.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var p = new Vector<float>(param[i..]);
                var d = new Vector<float>(grad[i..]);
                if (s.Maximize)
                {
                    d = -d;
                }

                if (s.HasWeightDecay)
                {
                    d = Vector.FusedMultiplyAdd(p, decay, d);
                }

                if (s.HasMomentum)
                {
                    Vector<float> buf = s.BufferExists
                        ? Vector.FusedMultiplyAdd(d, dampened, new Vector<float>(momentumBuffer[i..]) * mom)
                        : d;
                    buf.CopyTo(momentumBuffer[i..]);
                    d = s.Nesterov ? Vector.FusedMultiplyAdd(buf, mom, d) : buf;
                }

                Vector.FusedMultiplyAdd(d, negLr, p).CopyTo(param[i..]);
            }
        }

        StepScalar(param, grad, momentumBuffer, in s, i);
    }

    /// <summary>
    /// The naive oracle for <see cref="Step"/>: the same arguments, one element at a time with scalar
    /// <see cref="MathF.FusedMultiplyAdd"/>.
    /// </summary>
    /// <inheritdoc cref="Step" path="/param"/>
    public static void StepReference(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, bool momentumBufferExists,
        double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize)
    {
        var s = new Scalars(momentumBufferExists, lr, momentum, dampening, weightDecay, nesterov, maximize);
        StepScalar(param, grad, momentumBuffer, in s, 0);
    }

    /// <summary>Elements <paramref name="start"/>.. one at a time: the oracle, and the tail of the vector loop.</summary>
    private static void StepScalar(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, in Scalars s, int start)
    {
        for (int i = start; i < param.Length; i++)
        {
            float d = s.Maximize ? -grad[i] : grad[i];
            if (s.HasWeightDecay)
            {
                d = MathF.FusedMultiplyAdd(param[i], s.WeightDecay, d);              // d_p.add(param, alpha=wd)
            }

            if (s.HasMomentum)
            {
                float buf = s.BufferExists                                           // buf.mul_(m).add_(d_p, alpha)
                    ? MathF.FusedMultiplyAdd(d, s.OneMinusDampening, momentumBuffer[i] * s.Momentum)
                    : d;                                                             // clone(d_p)
                momentumBuffer[i] = buf;
                d = s.Nesterov ? MathF.FusedMultiplyAdd(buf, s.Momentum, d) : buf;  // d_p.add(buf, alpha=m)
            }

            param[i] = MathF.FusedMultiplyAdd(d, s.NegLr, param[i]);                // param.add_(d_p, alpha=-lr)
        }
    }

    /// <summary>The hyper-parameters as ATen sees them: Python's double arithmetic, then one float32 rounding.</summary>
    private readonly struct Scalars(
        bool bufferExists, double lr, double momentum, double dampening, double weightDecay, bool nesterov,
        bool maximize)
    {
        public bool HasWeightDecay { get; } = weightDecay != 0;

        public bool HasMomentum { get; } = momentum != 0;

        public bool BufferExists { get; } = bufferExists;

        public bool Nesterov { get; } = nesterov;

        public bool Maximize { get; } = maximize;

        public float NegLr { get; } = (float)-lr;

        public float WeightDecay { get; } = (float)weightDecay;

        public float Momentum { get; } = (float)momentum;

        public float OneMinusDampening { get; } = (float)(1 - dampening);
    }
}
