using System.Numerics.Tensors;

namespace RnnSharp.Autograd;

/// <summary>
/// The backward pass, in micrograd's shape: collect the nodes reachable from the roots, order them so that every
/// node runs after all nodes that feed it a gradient (Kahn's algorithm, iterative so that graphs of any depth
/// work), run each once with the sum of the gradients of its outputs, and accumulate into leaves' <see cref="Tensor.Grad"/>.
/// </summary>
internal static class Engine
{
    /// <summary>
    /// Runs backward from <paramref name="roots"/>. Without <paramref name="inputs"/>, gradients accumulate into the
    /// leaves' <see cref="Tensor.Grad"/> (<c>torch.autograd.backward</c>); with them, the gradients of those inputs are
    /// returned and no <see cref="Tensor.Grad"/> changes (<c>torch.autograd.grad</c>).
    /// </summary>
    public static Tensor?[]? Run(IReadOnlyList<Tensor> roots, IReadOnlyList<Tensor?> rootGrads, bool retainGraph, IReadOnlyList<Tensor>? inputs)
    {
        var buffers = new Dictionary<Node, Tensor?[]>(ReferenceEqualityComparer.Instance);
        Tensor?[]? captured = inputs is null ? null : new Tensor?[inputs.Count];
        var leafCapture = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        var nodeCapture = new Dictionary<(Node, int), List<int>>();
        if (inputs is not null)
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                Tensor input = inputs[i];
                if (!input.RequiresGrad)
                {
                    throw new InvalidOperationException($"One of the differentiated Tensors does not require grad");
                }

                if (input.GradFn is { } fn)
                {
                    var key = (fn, input.OutputIndex);
                    if (!nodeCapture.TryGetValue(key, out List<int>? list))
                    {
                        nodeCapture[key] = list = [];
                    }

                    list.Add(i);
                }
                else
                {
                    leafCapture.TryAdd(input, i);
                }
            }
        }

        using var noGrad = new GradModeScope(false);
        var rootNodes = new List<Node>();
        for (int r = 0; r < roots.Count; r++)
        {
            Tensor root = roots[r];
            Tensor grad = RootGrad(root, rootGrads.Count > r ? rootGrads[r] : null, r);
            if (root.GradFn is { } fn)
            {
                AddTo(buffers, fn, root.OutputIndex, grad);
                rootNodes.Add(fn);
            }
            else
            {
                Deliver(root, grad, captured, leafCapture, owned: false);
            }
        }

        // Dependencies: how many edges from nodes in the graph point at each node.
        var dependencies = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Node>();
        foreach (Node n in rootNodes)
        {
            if (dependencies.TryAdd(n, 0))
            {
                stack.Push(n);
            }
        }

        while (stack.Count > 0)
        {
            Node node = stack.Pop();
            foreach (Edge edge in node.Next)
            {
                if (edge.Function is { } next)
                {
                    if (dependencies.TryGetValue(next, out int count))
                    {
                        dependencies[next] = count + 1;
                    }
                    else
                    {
                        dependencies[next] = 1;
                        stack.Push(next);
                    }
                }
            }
        }

        var ready = new Queue<Node>();
        foreach (Node n in rootNodes)
        {
            if (dependencies[n] == 0)
            {
                dependencies[n] = -1;
                ready.Enqueue(n);
            }
        }

        while (ready.Count > 0)
        {
            Node node = ready.Dequeue();
            if (node.HasSavedTensors && node.IsReleased)
            {
                throw new InvalidOperationException(
                    "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
                    "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
                    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.");
            }

            Tensor?[] gradOutputs = buffers.Remove(node, out Tensor?[]? b) ? b : new Tensor?[node.OutputCount];
            if (nodeCapture.Count > 0)
            {
                for (int o = 0; o < gradOutputs.Length; o++)
                {
                    if (nodeCapture.TryGetValue((node, o), out List<int>? positions))
                    {
                        foreach (int p in positions)
                        {
                            captured![p] = gradOutputs[o];
                        }
                    }
                }
            }

            Tensor?[] gradInputs = node.Backward(gradOutputs);
            if (!retainGraph)
            {
                node.Release();
            }

            ReadOnlySpan<Edge> next = node.Next;
            for (int i = 0; i < next.Length; i++)
            {
                Edge edge = next[i];
                Tensor? g = i < gradInputs.Length ? gradInputs[i] : null;
                if (edge.Function is { } fn)
                {
                    if (g is not null)
                    {
                        AddTo(buffers, fn, edge.OutputIndex, g);
                    }

                    int left = dependencies[fn] - 1;
                    dependencies[fn] = left;
                    if (left == 0)
                    {
                        dependencies[fn] = -1;
                        ready.Enqueue(fn);
                    }
                }
                else if (edge.Leaf is { } leaf && g is not null)
                {
                    Deliver(leaf, g, captured, leafCapture, node.ReturnsOwnedGradients);
                }
            }
        }

        return captured;
    }

    private static Tensor RootGrad(Tensor root, Tensor? grad, int index)
    {
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException($"element {index} of tensors does not require grad and does not have a grad_fn");
        }

        if (grad is null)
        {
            if (root.NumElements != 1)
            {
                throw new InvalidOperationException("grad can be implicitly created only for scalar outputs");
            }

            return Tensor.Ones(root.Shape.ToArray());
        }

        if (!grad.ShapeEquals(root.Shape))
        {
            throw new ArgumentException(
                $"Mismatch in shape: grad_output[{index}] has a shape of {grad.Size()} and output[{index}] has a shape of {root.Size()}.",
                nameof(grad));
        }

        return grad;
    }

    /// <summary>
    /// A leaf's gradient: captured for <c>autograd.grad</c>, or accumulated into <see cref="Tensor.Grad"/> (taken as it
    /// is when <paramref name="owned"/>: see <see cref="Node.ReturnsOwnedGradients"/>).
    /// </summary>
    private static void Deliver(Tensor leaf, Tensor g, Tensor?[]? captured, Dictionary<Tensor, int> leafCapture, bool owned)
    {
        if (captured is not null)
        {
            if (leafCapture.TryGetValue(leaf, out int at))
            {
                captured[at] = captured[at] is { } sum ? Sum(sum, g) : g;
            }

            return;
        }

        leaf.AccumulateGrad(g, owned);
    }

    private static void AddTo(Dictionary<Node, Tensor?[]> buffers, Node node, int output, Tensor g)
    {
        if (!buffers.TryGetValue(node, out Tensor?[]? slots))
        {
            buffers[node] = slots = new Tensor?[node.OutputCount];
        }

        slots[output] = slots[output] is { } existing ? Sum(existing, g) : g;
    }

    /// <summary>A new tensor holding a + b (gradients may be shared between edges, so never added in place).</summary>
    private static Tensor Sum(Tensor a, Tensor b)
    {
        Tensor result = Tensor.Empty(a.Shape.ToArray());
        TensorPrimitives.Add(a.AsReadOnlySpan(), b.AsReadOnlySpan(), result.AsSpan());
        return result;
    }
}
