using RnnSharp.Autograd;

namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// Turns graph recording off on this thread until the returned scope is disposed. Equivalent to
    /// <c>with torch.no_grad():</c>. Other threads are unaffected, so inference on one thread can run beside training on another.
    /// </summary>
    /// <example><code>using (Torch.NoGrad()) { var (output, _) = rnn.Forward(x); }</code></example>
    /// <returns>A scope that restores the previous mode when disposed (on the same thread).</returns>
    public static IDisposable NoGrad() => new GradModeScope(false);

    /// <summary>Turns graph recording back on inside a <see cref="NoGrad"/> scope. Equivalent to <c>with torch.enable_grad():</c>.</summary>
    /// <returns>A scope that restores the previous mode when disposed.</returns>
    public static IDisposable EnableGrad() => new GradModeScope(true);

    /// <summary>Whether operations on this thread record a graph. Equivalent to <c>torch.is_grad_enabled()</c>.</summary>
    /// <returns><see langword="false"/> inside <see cref="NoGrad"/>.</returns>
    public static bool IsGradEnabled() => GradMode.IsEnabled;

    /// <summary>The functions of <c>torch.autograd</c>.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1034", Justification = "Mirrors torch.autograd as Torch.Autograd.")]
    public static class Autograd
    {
        /// <summary>
        /// Accumulates into the leaves' <see cref="Tensor.Grad"/> the gradients of the sum of <paramref name="tensors"/>
        /// weighted by <paramref name="gradTensors"/>. Equivalent to <c>torch.autograd.backward(tensors, grad_tensors, retain_graph)</c>.
        /// </summary>
        /// <param name="tensors">The outputs to differentiate.</param>
        /// <param name="gradTensors">One gradient per output (<see langword="null"/> entries only for one-element outputs, meaning 1); <see langword="null"/> for all.</param>
        /// <param name="retainGraph">Keep the saved tensors for another backward pass.</param>
        /// <exception cref="ArgumentNullException"><paramref name="tensors"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The two lists differ in length, or a gradient's shape differs from its output's.</exception>
        /// <exception cref="InvalidOperationException">As for <see cref="Tensor.Backward"/>.</exception>
        public static void Backward(IReadOnlyList<Tensor> tensors, IReadOnlyList<Tensor?>? gradTensors = null, bool retainGraph = false)
        {
            ArgumentNullException.ThrowIfNull(tensors);
            CheckLengths(tensors, gradTensors, nameof(gradTensors));
            Engine.Run(tensors, gradTensors ?? new Tensor?[tensors.Count], retainGraph, inputs: null);
        }

        /// <summary>
        /// Returns the gradients of the sum of <paramref name="outputs"/> (weighted by <paramref name="gradOutputs"/>)
        /// with respect to <paramref name="inputs"/>, without touching any <see cref="Tensor.Grad"/>. Equivalent to
        /// <c>torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, allow_unused=True)</c>.
        /// </summary>
        /// <param name="outputs">The outputs to differentiate.</param>
        /// <param name="inputs">The tensors (leaves or not) whose gradients are wanted; each must require grad.</param>
        /// <param name="gradOutputs">One gradient per output, as for <see cref="Backward"/>.</param>
        /// <param name="retainGraph">Keep the saved tensors for another backward pass.</param>
        /// <returns>One gradient per input, <see langword="null"/> where an input does not influence the outputs.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="outputs"/> or <paramref name="inputs"/> is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The lists of outputs and gradients differ in length, or a gradient's shape differs from its output's.</exception>
        /// <exception cref="InvalidOperationException">An input does not require grad, or as for <see cref="Tensor.Backward"/>.</exception>
        public static Tensor?[] Grad(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? gradOutputs = null, bool retainGraph = false)
        {
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(inputs);
            CheckLengths(outputs, gradOutputs, nameof(gradOutputs));
            return Engine.Run(outputs, gradOutputs ?? new Tensor?[outputs.Count], retainGraph, inputs)!;
        }

        private static void CheckLengths(IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor?>? grads, string paramName)
        {
            if (grads is not null && grads.Count != outputs.Count)
            {
                throw new ArgumentException($"grad can be implicitly created only for scalar outputs; got {grads.Count} gradients for {outputs.Count} tensors", paramName);
            }
        }
    }
}
