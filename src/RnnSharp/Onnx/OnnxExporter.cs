using System.Globalization;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Turns the autograd graph of one traced forward into ONNX nodes: a walk from the outputs back to the leaves that
/// emits each recorded node once, after its inputs. Leaves are the module's parameters (initializers named by their
/// state-dict keys), the sample inputs (graph inputs) and constants (initializers).
/// </summary>
internal sealed partial class OnnxExporter
{
    private readonly OnnxGraph _graph = new();
    private readonly OnnxTrace _trace;
    private readonly Dictionary<Tensor, string> _leaves = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> _parameterNames = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(Node Node, int Index), string> _values = [];
    private readonly HashSet<string> _dynamicDims = new(StringComparer.Ordinal);

    public OnnxExporter(OnnxTrace trace, Module module)
    {
        _trace = trace;
        foreach (KeyValuePair<string, Parameter> p in module.NamedParameters())
        {
            _parameterNames.TryAdd(p.Value, p.Key);
        }
    }

    public OnnxGraph Graph => _graph;

    /// <summary>Declares a traced input as graph input <paramref name="name"/>.</summary>
    public void AddInput(Tensor traced, string name, IReadOnlyDictionary<int, string>? axes)
    {
        _graph.AddInput(name, traced.DType == DType.Int64 ? OnnxGraph.Int64 : OnnxGraph.Float, Dims(traced.Shape, axes));
        _leaves[traced] = name;
    }

    /// <summary>Emits what <paramref name="output"/> depends on and declares it as graph output <paramref name="name"/>.</summary>
    public void AddOutput(Tensor output, string name, IReadOnlyDictionary<int, string>? axes)
    {
        string value = output.GradFn is { } fn ? ValueOf(fn, output.OutputIndex) : LeafName(output);
        _graph.AddNode("Identity", [value], [name]);
        _graph.AddOutput(name, output.DType == DType.Int64 ? OnnxGraph.Int64 : OnnxGraph.Float, Dims(output.Shape, axes));
    }

    private object[] Dims(ReadOnlySpan<int> shape, IReadOnlyDictionary<int, string>? axes)
    {
        object[] dims = new object[shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            if (axes is not null && axes.TryGetValue(d, out string? param))
            {
                dims[d] = param;
                _dynamicDims.Add(param);
            }
            else
            {
                dims[d] = shape[d];
            }
        }

        return dims;
    }

    /// <summary>The ONNX value holding output <paramref name="index"/> of <paramref name="node"/>, emitting the node first if needed.</summary>
    private string ValueOf(Node node, int index)
    {
        if (!_values.TryGetValue((node, index), out string? value))
        {
            Emit(node);
            value = _values[(node, index)];
        }

        return value;
    }

    /// <summary>The ONNX values of <paramref name="node"/>'s inputs ("" where an optional input is absent).</summary>
    private string[] InputsOf(Node node)
    {
        // A recurrent node's parameter edges are read from its stack (reordered), not as initializers of their own.
        ReadOnlySpan<Edge> next = node is RecurrentBackward ? node.Next[..3] : node.Next;
        Tensor?[] traced = _trace.InputsOf(node);
        string[] inputs = new string[next.Length];
        for (int i = 0; i < next.Length; i++)
        {
            Edge edge = next[i];
            inputs[i] = edge.Function is { } fn ? ValueOf(fn, edge.OutputIndex)
                : edge.Leaf is { } leaf ? LeafName(leaf)
                : i < traced.Length && traced[i] is { } constant ? LeafName(constant)
                : string.Empty;
        }

        return inputs;
    }

    /// <summary>A leaf's ONNX name: its graph input, its parameter initializer, or a constant initializer.</summary>
    private string LeafName(Tensor leaf)
    {
        if (_leaves.TryGetValue(leaf, out string? name))
        {
            return name;
        }

        if (leaf.DType == DType.Int64)
        {
            name = _graph.Int64Constant(leaf.AsReadOnlyInt64Span().ToArray(), scalar: leaf.Dim == 0);
        }
        else
        {
            name = _graph.AddInitializer(_parameterNames.TryGetValue(leaf, out string? key) ? key : "const", leaf.Shape.ToArray(), leaf.ToArray());
        }

        _leaves[leaf] = name;
        return name;
    }

    private int[] InputShape(Node node, int i) => _trace.InputsOf(node)[i]!.Shape.ToArray();

    private void Set(Node node, string value, int index = 0) => _values[(node, index)] = value;

    private string FloatScalar(float value) => _graph.AddInitializer("scalar", [], [value]);

    private string Axes(params long[] axes) => _graph.Int64Constant(axes);

    private void Emit(Node node)
    {
        string[] inputs = InputsOf(node);
        switch (node)
        {
            case RecurrentBackward recurrent:
                EmitRecurrent(recurrent, inputs);
                break;
            case PassThroughBackward or CloneBackward:
                Set(node, inputs[0]);
                break;
            case LinearBackward linear:
                EmitLinear(linear, inputs);
                break;
            case EmbeddingBackward embedding:
                Tensor indices = embedding.Indices ?? throw Unsupported(node);
                Set(node, _graph.Add("Gather", [inputs[0], LeafName(indices)], OnnxAttribute.Of("axis", 0L)));
                break;
            case AddBackward add:
                EmitAdd(add, inputs);
                break;
            case RsubBackward rsub:
                Set(node, _graph.Add("Sub", [FloatScalar(rsub.Scalar), inputs[0]]));
                break;
            case NegBackward:
                Set(node, _graph.Add("Neg", [inputs[0]]));
                break;
            case MulBackward:
                Set(node, _graph.Add("Mul", [inputs[0], inputs[1]]));
                break;
            case DivBackward:
                Set(node, _graph.Add("Div", [inputs[0], inputs[1]]));
                break;
            case ScaleBackward scale:
                Set(node, _graph.Add(scale.Divide ? "Div" : "Mul", [inputs[0], FloatScalar(scale.Scalar)]));
                break;
            case ReciprocalMulBackward reciprocal:
                Set(node, _graph.Add("Div", [FloatScalar(reciprocal.Scalar), inputs[0]]));
                break;
            case MatMulBackward:
                Set(node, _graph.Add("MatMul", [inputs[0], inputs[1]]));
                break;
            case UnaryBackward unary:
                Set(node, _graph.Add(unary.Kind.ToString(), [inputs[0]]));
                break;
            case SoftmaxBackward softmax:
                Set(node, _graph.Add(softmax.Log ? "LogSoftmax" : "Softmax", [inputs[0]], OnnxAttribute.Of("axis", (long)softmax.Dim)));
                break;
            case PermuteBackward permute:
                Set(node, _graph.Add("Transpose", [inputs[0]], OnnxAttribute.Of("perm", Array.ConvertAll(permute.Perm, p => (long)p))));
                break;
            case ViewBackward:
                Set(node, Reshape(inputs[0], InputShape(node, 0), _trace.OutputShape(node, 0)));
                break;
            case SelectBackward select:
                Set(node, SelectAt(inputs[0], select.Dim, select.Index, select.InputSize, select.FromEnd));
                break;
            case GatherBackward gather:
                EmitGather(gather, inputs[0]);
                break;
            case JoinBackward join:
                EmitJoin(join, inputs);
                break;
            default:
                throw Unsupported(node);
        }
    }

    private static NotSupportedException Unsupported(Node node) =>
        new(string.Create(CultureInfo.InvariantCulture, $"ONNX export does not support the operation {node.Name} (exporting its grad_fn is not implemented)."));

    private void EmitLinear(LinearBackward linear, string[] inputs)
    {
        // y = x·Wᵀ + b: Gemm for a 2-D input (as torch.onnx exports addmm), else MatMul with Wᵀ then Add.
        if (linear.InputRank == 2)
        {
            Set(linear, _graph.Add("Gemm", linear.HasBias ? inputs : inputs[..2], OnnxAttribute.Of("alpha", 1f), OnnxAttribute.Of("beta", 1f), OnnxAttribute.Of("transB", 1L)));
            return;
        }

        string weightT = _graph.Add("Transpose", [inputs[1]], OnnxAttribute.Of("perm", new long[] { 1, 0 }));
        string product = _graph.Add("MatMul", [inputs[0], weightT]);
        Set(linear, linear.HasBias ? _graph.Add("Add", [product, inputs[2]]) : product);
    }

    private void EmitAdd(AddBackward add, string[] inputs)
    {
        string op = add.Negate ? "Sub" : "Add";
        if (inputs[1].Length == 0)
        {
            Set(add, _graph.Add(op, [inputs[0], FloatScalar(add.Scalar)]));
            return;
        }

        string other = add.Alpha == 1f ? inputs[1] : _graph.Add("Mul", [inputs[1], FloatScalar(add.Alpha)]);
        Set(add, _graph.Add(op, [inputs[0], other]));
    }

    /// <summary>
    /// A Reshape from <paramref name="from"/> to <paramref name="to"/> that bakes in as few sizes as it can, so that
    /// dynamic batch and sequence axes survive: leading dimensions kept as they were are 0 (copy), the first changed
    /// one is -1 (inferred), the rest are literal (trailing feature sizes, fixed by the weights).
    /// </summary>
    private string Reshape(string input, int[] from, int[] to)
    {
        long[] target = new long[to.Length];
        int kept = 0;
        while (kept < to.Length && kept < from.Length && to[kept] == from[kept])
        {
            kept++;
        }

        for (int d = 0; d < to.Length; d++)
        {
            target[d] = d < kept ? 0 : d == kept ? -1 : to[d];
        }

        return _graph.Add("Reshape", [input, Axes(target)]);
    }

    private string SelectAt(string input, int dim, int index, int size, bool fromEnd) =>
        _graph.Add("Gather", [input, _graph.Int64Constant([fromEnd ? index - size : index], scalar: true)], OnnxAttribute.Of("axis", (long)dim));

    private void EmitGather(GatherBackward gather, string input)
    {
        ReadOnlySpan<int> positions = gather.Positions;
        switch (gather.Name)
        {
            case "SelectBackward0":
                Set(gather, SelectAt(input, gather.Dim, positions[0], gather.InputSize, gather.FromEnd));
                return;
            case "SliceBackward0" when positions.Length > 0:
                int start = positions[0];
                int step = positions.Length > 1 ? positions[1] - positions[0] : 1;
                int last = positions[^1];
                // A slice that runs to the end stays open-ended, so it follows a dynamic size.
                long end = last + step >= gather.InputSize ? long.MaxValue : last + 1;
                Set(gather, _graph.Add("Slice", [input, Axes(start), Axes(end), Axes(gather.Dim), Axes(step)]));
                return;
            default:
                long[] indices = new long[positions.Length];
                for (int i = 0; i < indices.Length; i++)
                {
                    indices[i] = positions[i];
                }

                Set(gather, _graph.Add("Gather", [input, _graph.Int64Constant(indices)], OnnxAttribute.Of("axis", (long)gather.Dim)));
                return;
        }
    }

    private void EmitJoin(JoinBackward join, string[] inputs)
    {
        if (join.Name == "StackBackward0")
        {
            string axes = Axes(join.Dim);
            inputs = Array.ConvertAll(inputs, i => _graph.Add("Unsqueeze", [i, axes]));
        }

        Set(join, inputs.Length == 1 ? inputs[0] : _graph.Add("Concat", inputs, OnnxAttribute.Of("axis", (long)join.Dim)));
    }
}
