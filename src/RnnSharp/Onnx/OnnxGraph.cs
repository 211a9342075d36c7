using System.Globalization;
using System.Runtime.InteropServices;

namespace RnnSharp;

/// <summary>
/// An ONNX graph being built — nodes in topological order, initializers, typed inputs and outputs — and its
/// serialisation as a <c>ModelProto</c> (field numbers from <c>onnx/onnx.proto</c>).
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary><c>TensorProto.DataType.FLOAT</c>.</summary>
    public const int Float = 1;

    /// <summary><c>TensorProto.DataType.INT64</c>.</summary>
    public const int Int64 = 7;

    private readonly List<Node> _nodes = [];
    private readonly List<Initializer> _initializers = [];
    private readonly List<ValueInfo> _inputs = [];
    private readonly List<ValueInfo> _outputs = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _int64Constants = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Adds a graph input of element type <paramref name="elemType"/>; a dimension is a size or a <c>dim_param</c> name.</summary>
    public void AddInput(string name, int elemType, object[] dims)
    {
        Claim(name);
        _inputs.Add(new ValueInfo(name, elemType, dims));
    }

    /// <summary>Adds a graph output (the value <paramref name="name"/> must be produced by a node).</summary>
    public void AddOutput(string name, int elemType, object[] dims) => _outputs.Add(new ValueInfo(name, elemType, dims));

    /// <summary>Adds a float initializer under <paramref name="name"/> (made unique if taken) and returns its name.</summary>
    public string AddInitializer(string name, int[] dims, float[] data) => AddInitializer(name, dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), Float);

    /// <summary>Adds an int64 constant (an initializer, shared by equal constants) and returns its name; <paramref name="scalar"/> makes it 0-d.</summary>
    public string Int64Constant(long[] values, bool scalar = false)
    {
        string key = (scalar ? "s" : "v") + string.Join(',', values);
        if (!_int64Constants.TryGetValue(key, out string? name))
        {
            name = AddInitializer("const", scalar ? [] : [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), Int64);
            _int64Constants[key] = name;
        }

        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Add(string opType, string[] inputs, params OnnxAttribute[] attributes) => AddMulti(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs and returns their names.</summary>
    public string[] AddMulti(string opType, string[] inputs, int outputCount, params OnnxAttribute[] attributes)
    {
        string[] outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++)
        {
            outputs[i] = Unique(opType);
        }

        AddNode(opType, inputs, outputs, attributes);
        return outputs;
    }

    /// <summary>Adds a node writing the given output names.</summary>
    public void AddNode(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        // Trailing optional inputs left out are dropped, as the spec prefers.
        int count = inputs.Length;
        while (count > 0 && inputs[count - 1].Length == 0)
        {
            count--;
        }

        foreach (string output in outputs)
        {
            _names.Add(output);
        }

        _nodes.Add(new Node(Unique(opType + "_node"), opType, inputs[..count], outputs, attributes));
    }

    /// <summary>A fresh value name starting with <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        string name = hint;
        while (!_names.Add(name))
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{hint}_{_next++}");
        }

        return name;
    }

    /// <summary>Serialises the graph as an ONNX model (ir_version 8, the default domain at <paramref name="opset"/>).</summary>
    public byte[] ToModel(int opset, string producerVersion)
    {
        var model = new ProtoWriter();
        model.WriteInt64(1, 8);
        model.WriteString(2, "RnnSharp");
        model.WriteString(3, producerVersion);
        model.WriteMessage(7, WriteGraph);
        model.WriteMessage(8, w => w.WriteInt64(2, opset));
        return model.WrittenSpan.ToArray();
    }

    private void WriteGraph(ProtoWriter w)
    {
        foreach (Node node in _nodes)
        {
            w.WriteMessage(1, n =>
            {
                foreach (string input in node.Inputs)
                {
                    n.WriteString(1, input);
                }

                foreach (string output in node.Outputs)
                {
                    n.WriteString(2, output);
                }

                n.WriteString(3, node.Name);
                n.WriteString(4, node.OpType);
                foreach (OnnxAttribute attribute in node.Attributes)
                {
                    n.WriteMessage(5, attribute.WriteTo);
                }
            });
        }

        w.WriteString(2, "main_graph");
        foreach (Initializer initializer in _initializers)
        {
            w.WriteMessage(5, t =>
            {
                t.WritePackedInt64(1, Array.ConvertAll(initializer.Dims, d => (long)d));
                t.WriteInt64(2, initializer.ElemType);
                t.WriteString(8, initializer.Name);
                t.WriteBytes(9, initializer.Data);
            });
        }

        foreach (ValueInfo input in _inputs)
        {
            w.WriteMessage(11, input.WriteTo);
        }

        foreach (ValueInfo output in _outputs)
        {
            w.WriteMessage(12, output.WriteTo);
        }
    }

    private string AddInitializer(string name, int[] dims, byte[] data, int elemType)
    {
        string unique = Unique(name);
        _initializers.Add(new Initializer(unique, dims, data, elemType));
        return unique;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is used twice in the exported graph.", nameof(name));
        }
    }

    private sealed record Node(string Name, string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

    private sealed record Initializer(string Name, int[] Dims, byte[] Data, int ElemType);

    /// <summary>A <c>ValueInfoProto</c>: name 1, type 2 → <c>TypeProto.tensor_type</c> 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.</summary>
    private sealed record ValueInfo(string Name, int ElemType, object[] Dims)
    {
        public void WriteTo(ProtoWriter w)
        {
            w.WriteString(1, Name);
            w.WriteMessage(2, type => type.WriteMessage(1, tensor =>
            {
                tensor.WriteInt64(1, ElemType);
                tensor.WriteMessage(2, shape =>
                {
                    foreach (object dim in Dims)
                    {
                        shape.WriteMessage(1, d =>
                        {
                            if (dim is string param)
                            {
                                d.WriteString(2, param);
                            }
                            else
                            {
                                d.WriteInt64(1, (int)dim);
                            }
                        });
                    }
                });
            }));
        }
    }
}
