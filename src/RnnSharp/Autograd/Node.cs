namespace RnnSharp.Autograd;

/// <summary>
/// A step of the recorded graph: the function that computes the gradients of an operation's inputs from the
/// gradients of its outputs. Equivalent to PyTorch's <c>grad_fn</c> objects (<c>torch.autograd.graph.Node</c>);
/// <see cref="Name"/> is PyTorch 1.13's name for the same operation, e.g. <c>StackBackward0</c>.
/// </summary>
public abstract class Node
{
    private Edge[] _next = [];

    /// <summary>Only RnnSharp's operations define nodes.</summary>
    private protected Node()
    {
    }

    /// <summary>PyTorch's name for this backward function, e.g. <c>AddmmBackward0</c> (what <c>tensor.grad_fn.name()</c> returns).</summary>
    public abstract string Name { get; }

    /// <summary>How many outputs the operation produced (the RNN produces the output and h_n).</summary>
    internal virtual int OutputCount => 1;

    /// <summary>Where each input's gradient goes: one edge per differentiable input, in the operation's argument order.</summary>
    internal ReadOnlySpan<Edge> Next => _next;

    /// <summary>Whether the node holds saved tensors (which a backward without <c>retainGraph</c> frees).</summary>
    internal virtual bool HasSavedTensors => false;

    /// <summary>
    /// Whether every gradient <see cref="Backward"/> returns is a new contiguous tensor of its input's shape, returned
    /// for one edge only and kept by nothing else. A leaf with no gradient yet then takes it as its
    /// <see cref="Tensor.Grad"/> instead of a copy, as PyTorch's <c>AccumulateGrad</c> steals a gradient nothing else holds.
    /// </summary>
    internal virtual bool ReturnsOwnedGradients => false;

    /// <summary>Whether the saved tensors were freed by a backward pass.</summary>
    internal bool IsReleased { get; private set; }

    /// <summary>Returns PyTorch's repr of a grad_fn: <c>&lt;AddBackward0 object&gt;</c>.</summary>
    /// <returns>The node's name in angle brackets.</returns>
    public override string ToString() => $"<{Name} object>";

    /// <summary>Records the inputs whose gradients this node computes (an input that needs none gets an empty edge).</summary>
    internal void SetInputs(params ReadOnlySpan<Tensor?> inputs)
    {
        var next = new Edge[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            next[i] = Edge.From(inputs[i]);
        }

        _next = next;
        OnnxTrace.Current?.RecordInputs(this, inputs);
    }

    /// <summary>
    /// Computes the gradients of the inputs (one per edge of <see cref="Next"/>; <see langword="null"/> where an
    /// input needs none) from the gradients of the outputs (<see langword="null"/> for an output no gradient reached,
    /// which stands for zeros).
    /// </summary>
    internal abstract Tensor?[] Backward(Tensor?[] gradOutputs);

    /// <summary>Frees the saved tensors after a backward pass that does not retain the graph.</summary>
    internal void Release()
    {
        IsReleased = true;
        ReleaseSaved();
    }

    /// <summary>Drops references to saved tensors so their memory can be reclaimed.</summary>
    private protected virtual void ReleaseSaved()
    {
    }

    /// <summary>Whether the i-th input needs a gradient (spares computing ones nobody asked for).</summary>
    private protected bool NeedsInputGrad(int i) => i < _next.Length && _next[i].IsValid;
}

/// <summary>Where a gradient flows: into another node's output slot, or into a leaf tensor's <see cref="Tensor.Grad"/>.</summary>
internal readonly struct Edge
{
    private Edge(Node? function, int outputIndex, Tensor? leaf)
    {
        Function = function;
        OutputIndex = outputIndex;
        Leaf = leaf;
    }

    /// <summary>The node that produced the input, when the input is not a leaf.</summary>
    public Node? Function { get; }

    /// <summary>Which of <see cref="Function"/>'s outputs the input is.</summary>
    public int OutputIndex { get; }

    /// <summary>The input itself when it is a leaf that requires grad.</summary>
    public Tensor? Leaf { get; }

    /// <summary>Whether a gradient is needed along this edge.</summary>
    public bool IsValid => Function is not null || Leaf is not null;

    public static Edge From(Tensor? input) =>
        input is null || !input.RequiresGrad ? default
        : input.GradFn is { } fn ? new Edge(fn, input.OutputIndex, null)
        : new Edge(null, 0, input);
}
