namespace RnnSharp;

/// <summary>An ONNX node attribute (<c>AttributeProto</c>): an int, a float, a string, or a list of ints or strings.</summary>
internal sealed class OnnxAttribute
{
    private OnnxAttribute(string name, int type)
    {
        Name = name;
        Type = type;
    }

    /// <summary>The attribute's name, e.g. <c>hidden_size</c>.</summary>
    public string Name { get; }

    /// <summary><c>AttributeProto.AttributeType</c>: FLOAT 1, INT 2, STRING 3, INTS 7, STRINGS 8.</summary>
    public int Type { get; }

    public long Int { get; private init; }

    public float Float { get; private init; }

    public string? String { get; private init; }

    public long[]? Ints { get; private init; }

    public string[]? Strings { get; private init; }

    public static OnnxAttribute Of(string name, long value) => new(name, 2) { Int = value };

    public static OnnxAttribute Of(string name, float value) => new(name, 1) { Float = value };

    public static OnnxAttribute Of(string name, string value) => new(name, 3) { String = value };

    public static OnnxAttribute Of(string name, long[] values) => new(name, 7) { Ints = values };

    public static OnnxAttribute Of(string name, string[] values) => new(name, 8) { Strings = values };

    /// <summary>Writes the <c>AttributeProto</c> fields (name 1, f 2, i 3, s 4, ints 8, strings 9, type 20).</summary>
    public void WriteTo(ProtoWriter w)
    {
        w.WriteString(1, Name);
        switch (Type)
        {
            case 1:
                w.WriteFloat(2, Float);
                break;
            case 2:
                w.WriteInt64(3, Int);
                break;
            case 3:
                w.WriteString(4, String!);
                break;
            case 7:
                w.WritePackedInt64(8, Ints!);
                break;
            default:
                foreach (string s in Strings!)
                {
                    w.WriteString(9, s);
                }

                break;
        }

        w.WriteInt64(20, Type);
    }
}
