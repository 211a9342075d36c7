using RnnSharp.Autograd;

namespace RnnSharp;

/// <summary>
/// What one traced forward recorded beyond the autograd graph itself, while <c>Onnx.Export</c>
/// runs it on this thread: every node's input tensors (constants that need no gradient have no edge, but ONNX needs
/// their values) and the shape of each of its outputs. Outside an export <see cref="Current"/> is
/// <see langword="null"/> and the hooks cost one thread-static read.
/// </summary>
internal sealed class OnnxTrace : IDisposable
{
    [ThreadStatic]
    private static OnnxTrace? t_current;

    private readonly OnnxTrace? _previous;
    private readonly Dictionary<Node, Tensor?[]> _inputs = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(Node Node, int Index), int[]> _outputShapes = [];

    private OnnxTrace()
    {
        _previous = t_current;
        t_current = this;
    }

    /// <summary>The trace recording on this thread, if any.</summary>
    public static OnnxTrace? Current => t_current;

    /// <summary>Starts recording on this thread until disposed.</summary>
    public static OnnxTrace Begin() => new();

    /// <summary>Called by <see cref="Node"/> when it records its inputs.</summary>
    public void RecordInputs(Node node, ReadOnlySpan<Tensor?> inputs) => _inputs[node] = inputs.ToArray();

    /// <summary>Called by <see cref="Tensor"/> when it becomes output <paramref name="index"/> of <paramref name="node"/>.</summary>
    public void RecordOutput(Node node, int index, Tensor output) => _outputShapes[(node, index)] = output.Shape.ToArray();

    /// <summary>The tensors <paramref name="node"/> was given, in argument order (one per edge).</summary>
    public Tensor?[] InputsOf(Node node) => _inputs.TryGetValue(node, out Tensor?[]? inputs) ? inputs : [];

    /// <summary>The shape of output <paramref name="index"/> of <paramref name="node"/>.</summary>
    public int[] OutputShape(Node node, int index) => _outputShapes[(node, index)];

    /// <summary>Every node recorded (to free their saved tensors after the export).</summary>
    public IEnumerable<Node> Nodes => _inputs.Keys;

    public void Dispose() => t_current = _previous;
}
