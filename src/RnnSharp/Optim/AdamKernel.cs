using System.Numerics;

namespace RnnSharp.Optim;

/// <summary>
/// One step of <c>torch.optim.Adam</c> over one flat float32 parameter: PyTorch 1.13's <c>_single_tensor_adam</c>
/// (the default path: not capturable, not differentiable), operation for operation and bit for bit with its CPU
/// kernels. <see cref="AdamWKernel"/> shares the moment and update arithmetic.
/// </summary>
/// <remarks>
/// <para>PyTorch runs, per parameter (<c>grad</c> negated first when maximizing):</para>
/// <code>
/// step_t += 1
/// grad = grad.add(param, alpha=weight_decay)                      # if weight_decay != 0
/// exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
/// exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
/// bias_correction1 = 1 - beta1 ** step                            # Python doubles from here ...
/// bias_correction2 = 1 - beta2 ** step
/// step_size = lr / bias_correction1
/// bias_correction2_sqrt = math.sqrt(bias_correction2)             # ... to here
/// torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)   # if amsgrad, and use it below
/// denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
/// param.addcdiv_(exp_avg, denom, value=-step_size)
/// </code>
/// <para>
/// Each Python float reaches ATen rounded once to float32. How ATen's CPU kernels round each element (AVX2
/// build, found by comparing candidate formulas with torch's bits on lengths 1..70, 1000 and 4099, vector
/// bodies and scalar tails alike): <c>add(x, y, alpha)</c> is <c>fma(y, alpha, x)</c>; <c>addcmul_(t1, t2,
/// value)</c> is <c>fma(value * t1, t2, self)</c> (GCC contracts ATen's <c>self + value * t1 * t2</c>);
/// <c>addcdiv_(t1, t2, value)</c> is <c>self + (value * t1) / t2</c> with no fusion; division by the Python
/// scalar is a true float32 division (not a multiply by its reciprocal); <c>mul_</c>, <c>sqrt</c>,
/// <c>add_(eps)</c> and <c>maximum</c> are single correctly rounded operations. Every operation is elementwise,
/// so the kernel fuses them into one pass without changing a bit.
/// </para>
/// <para>
/// PyTorch keeps <c>step</c> in a float32 tensor, so beyond 2^24 steps its count stops growing; callers that
/// want to follow it that far pass the count it would hold.
/// </para>
/// </remarks>
internal static class AdamKernel
{
    /// <summary>
    /// Updates <paramref name="param"/>, <paramref name="expAvg"/>, <paramref name="expAvgSq"/> and (with
    /// <paramref name="amsgrad"/>) <paramref name="maxExpAvgSq"/>, all <c>(n)</c>, in place from
    /// <paramref name="grad"/> <c>(n)</c>. Vectorised; does not allocate. Hyper-parameters are PyTorch's, in its
    /// order, with <c>betas</c> as <paramref name="beta1"/>, <paramref name="beta2"/>.
    /// </summary>
    /// <param name="param">The parameter, updated in place.</param>
    /// <param name="grad">Its gradient.</param>
    /// <param name="expAvg">PyTorch's <c>exp_avg</c> (zeros before the first step).</param>
    /// <param name="expAvgSq">PyTorch's <c>exp_avg_sq</c> (zeros before the first step).</param>
    /// <param name="maxExpAvgSq">PyTorch's <c>max_exp_avg_sq</c>; may be empty without amsgrad.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Term added to the denominator.</param>
    /// <param name="weightDecay">
    /// Weight decay, zero for none: Adam adds <c>weight_decay * param</c> to the gradient, AdamW first scales the
    /// parameter by <c>1 - lr * weight_decay</c> (PyTorch's AdamW defaults it to 1e-2, Adam to 0).
    /// </param>
    /// <param name="amsgrad">Use the running maximum of the second moment.</param>
    /// <param name="maximize">Ascend instead of descending (negates the gradient).</param>
    /// <param name="step">The step number after PyTorch's <c>step_t += 1</c>: 1 on the first step.</param>
    public static void Step(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        Update(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: false));

    /// <summary>
    /// The naive oracle for <see cref="Step"/>: the same arguments, one element at a time in scalar code.
    /// </summary>
    /// <inheritdoc cref="Step" path="/param"/>
    public static void StepReference(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, double lr, double beta1, double beta2, double eps, double weightDecay,
        bool amsgrad, bool maximize, long step) =>
        UpdateScalar(param, grad, expAvg, expAvgSq, maxExpAvgSq,
            new Scalars(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, step, decoupled: false), 0);

    /// <summary>The fused step of Adam and AdamW over whole spans, vectorised, for the given scalars.</summary>
    internal static void Update(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, in Scalars s)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var paramScale = new Vector<float>(s.ParamScale);
            var gradDecay = new Vector<float>(s.GradDecay);
            var beta1 = new Vector<float>(s.Beta1);
            var oneMinusBeta1 = new Vector<float>(s.OneMinusBeta1);
            var beta2 = new Vector<float>(s.Beta2);
            var oneMinusBeta2 = new Vector<float>(s.OneMinusBeta2);
            var biasCorrection2Sqrt = new Vector<float>(s.BiasCorrection2Sqrt);
            var eps = new Vector<float>(s.Eps);
            var negStepSize = new Vector<float>(s.NegStepSize);
            for (; i <= param.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var p = new Vector<float>(param[i..]);
                var g = new Vector<float>(grad[i..]);
                if (s.Maximize)
                {
                    g = -g;
                }

                if (s.ScalesParam)
                {
                    p *= paramScale;
                }

                if (s.DecaysGrad)
                {
                    g = Vector.FusedMultiplyAdd(p, gradDecay, g);
                }

                var m = Vector.FusedMultiplyAdd(g, oneMinusBeta1, new Vector<float>(expAvg[i..]) * beta1);
                var v = Vector.FusedMultiplyAdd(oneMinusBeta2 * g, g, new Vector<float>(expAvgSq[i..]) * beta2);
                m.CopyTo(expAvg[i..]);
                v.CopyTo(expAvgSq[i..]);
                if (s.Amsgrad)
                {
                    v = Vector.Max(new Vector<float>(maxExpAvgSq[i..]), v);
                    v.CopyTo(maxExpAvgSq[i..]);
                }

                var denom = (Vector.SquareRoot(v) / biasCorrection2Sqrt) + eps;
                (p + (negStepSize * m / denom)).CopyTo(param[i..]);
            }
        }

        UpdateScalar(param, grad, expAvg, expAvgSq, maxExpAvgSq, in s, i);
    }

    /// <summary>Elements <paramref name="start"/>.. one at a time: the oracle, and the tail of the vector loop.</summary>
    internal static void UpdateScalar(
        Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, in Scalars s, int start)
    {
        for (int i = start; i < param.Length; i++)
        {
            float p = param[i];
            float g = s.Maximize ? -grad[i] : grad[i];
            if (s.ScalesParam)
            {
                p *= s.ParamScale;                                                   // param.mul_(1 - lr * wd)
            }

            if (s.DecaysGrad)
            {
                g = MathF.FusedMultiplyAdd(p, s.GradDecay, g);                      // grad.add(param, alpha=wd)
            }

            float m = MathF.FusedMultiplyAdd(g, s.OneMinusBeta1, expAvg[i] * s.Beta1);
            float v = MathF.FusedMultiplyAdd(s.OneMinusBeta2 * g, g, expAvgSq[i] * s.Beta2);
            expAvg[i] = m;                                                          // mul_(b1).add_(g, alpha=1-b1)
            expAvgSq[i] = v;                                                        // mul_(b2).addcmul_(g, g, 1-b2)
            if (s.Amsgrad)
            {
                v = MathF.Max(maxExpAvgSq[i], v);                                  // torch.maximum(..., out=)
                maxExpAvgSq[i] = v;
            }

            float denom = (MathF.Sqrt(v) / s.BiasCorrection2Sqrt) + s.Eps;          // (sqrt / bc2_sqrt).add_(eps)
            param[i] = p + (s.NegStepSize * m / denom);                             // addcdiv_(m, denom, -step_size)
        }
    }

    /// <summary>
    /// The hyper-parameters as ATen sees them: Python's double arithmetic (bias corrections, step size), then one
    /// float32 rounding per scalar.
    /// </summary>
    internal readonly struct Scalars
    {
        /// <summary>
        /// Adam (<paramref name="decoupled"/> false: weight decay added to the gradient) or AdamW (true: the
        /// parameter scaled by <c>1 - lr * weight_decay</c> first).
        /// </summary>
        public Scalars(
            double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize,
            long step, bool decoupled)
        {
            double biasCorrection1 = 1 - Math.Pow(beta1, step);
            double biasCorrection2 = 1 - Math.Pow(beta2, step);
            double stepSize = lr / biasCorrection1;
            DecaysGrad = !decoupled && weightDecay != 0;
            GradDecay = (float)weightDecay;
            ParamScale = (float)(1 - (lr * weightDecay));
            // AdamW always multiplies; skip the exact no-op of a multiply by 1.
            ScalesParam = decoupled && ParamScale != 1f;
            Beta1 = (float)beta1;
            OneMinusBeta1 = (float)(1 - beta1);
            Beta2 = (float)beta2;
            OneMinusBeta2 = (float)(1 - beta2);
            BiasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);
            Eps = (float)eps;
            NegStepSize = (float)-stepSize;
            Amsgrad = amsgrad;
            Maximize = maximize;
        }

        /// <summary>Adam: <c>grad.add(param, alpha=weight_decay)</c>.</summary>
        public bool DecaysGrad { get; }

        /// <summary><c>weight_decay</c>.</summary>
        public float GradDecay { get; }

        /// <summary>AdamW: <c>param.mul_(1 - lr * weight_decay)</c>.</summary>
        public bool ScalesParam { get; }

        /// <summary><c>1 - lr * weight_decay</c>.</summary>
        public float ParamScale { get; }

        /// <summary><c>beta1</c>.</summary>
        public float Beta1 { get; }

        /// <summary><c>1 - beta1</c>.</summary>
        public float OneMinusBeta1 { get; }

        /// <summary><c>beta2</c>.</summary>
        public float Beta2 { get; }

        /// <summary><c>1 - beta2</c>.</summary>
        public float OneMinusBeta2 { get; }

        /// <summary><c>math.sqrt(1 - beta2 ** step)</c>.</summary>
        public float BiasCorrection2Sqrt { get; }

        /// <summary><c>eps</c>.</summary>
        public float Eps { get; }

        /// <summary><c>-lr / (1 - beta1 ** step)</c>.</summary>
        public float NegStepSize { get; }

        /// <summary>Use <c>max_exp_avg_sq</c>.</summary>
        public bool Amsgrad { get; }

        /// <summary>Negate the gradient.</summary>
        public bool Maximize { get; }
    }
}
