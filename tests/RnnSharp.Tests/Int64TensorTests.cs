using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// Int64 tensors against int64.json: the factories (<c>torch.tensor</c>/<c>torch.LongTensor</c> of int lists,
/// <c>torch.arange</c>, <c>torch.zeros(dtype=torch.int64)</c>), views, conversions, and PyTorch's errors where it
/// refuses an int64 tensor.
/// </summary>
public sealed class Int64TensorTests
{
    private const string File = "int64.json";

    public static TheoryData<string> FactoryCases() => Fixture.Names(File, c => Kind(c) == "factory" && !IsError(c));

    public static TheoryData<string> RaggedCases() => Fixture.Names(File, c => Kind(c) == "factory" && IsError(c));

    public static TheoryData<string> ArangeCases() => Fixture.Names(File, c => Kind(c) == "arange" && !IsError(c));

    public static TheoryData<string> ArangeErrorCases() => Fixture.Names(File, c => Kind(c) == "arange" && IsError(c));

    public static TheoryData<string> ZerosCases() => Fixture.Names(File, c => Kind(c) == "zeros");

    public static TheoryData<string> ViewCases() => Fixture.Names(File, c => Kind(c) == "view");

    public static TheoryData<string> RefusedRnnCases() => Fixture.Names(File, c => Kind(c) == "refused" && Name(c).StartsWith("rnn_", StringComparison.Ordinal));

    public static TheoryData<string> RefusedCellCases() => Fixture.Names(File, c => Kind(c) == "refused" && Name(c).StartsWith("cell_", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(FactoryCases))]
    public void Tensor_IntegerArraysOfEveryForm_MatchPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        JsonElement expected = c.GetProperty("result");

        foreach ((string form, Func<Tensor> build) in Forms(c))
        {
            Tensor t = build();

            t.DType.Should().Be(DType.Int64, form);
            t.Shape.ToArray().Should().Equal(Int64Fixture.Shape(expected), form);
            t.AsReadOnlyInt64Span().ToArray().Should().Equal(Int64Fixture.Data(expected), form);
            t.ToString().Should().Be(c.GetProperty("str").GetString(), form);
        }
    }

    [Theory]
    [MemberData(nameof(RaggedCases))]
    public void Tensor_RaggedNestedIntegerArrays_ThrowsPyTorchsError(string name)
    {
        JsonElement c = Fixture.Case(File, name);

        foreach ((string form, Func<Tensor> build) in Forms(c))
        {
            Action act = () => build();

            act.Should().Throw<ArgumentException>(form).WithMessage(c.GetProperty("message").GetString() + "*")
                .Which.ParamName.Should().Be("data");
        }
    }

    [Theory]
    [MemberData(nameof(ArangeCases))]
    public void Arange_IntegerBounds_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        (long start, long end, long step) = Bounds(c);

        Tensor t = Torch.Arange(start, end, step);

        t.AsReadOnlyInt64Span().ToArray().Should().Equal(Int64Fixture.Data(c.GetProperty("result")));
        t.ToString().Should().Be(c.GetProperty("str").GetString());
        if (start == 0 && step == 1)
        {
            Torch.Arange(end).ToString().Should().Be(c.GetProperty("str").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(ArangeErrorCases))]
    public void Arange_InconsistentBounds_ThrowsPyTorchsError(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        (long start, long end, long step) = Bounds(c);

        Action act = () => Torch.Arange(start, end, step);

        act.Should().Throw<ArgumentException>().WithMessage(c.GetProperty("message").GetString() + "*")
            .Which.ParamName.Should().Be(step == 0 ? "step" : "end");
    }

    [Fact]
    public void Arange_ExtremeBounds_CountsWithoutOverflow()
    {
        Tensor t = Torch.Arange(long.MaxValue - 2, long.MaxValue);
        Tensor down = Torch.Arange(long.MinValue + 2, long.MinValue, -1);

        t.AsReadOnlyInt64Span().ToArray().Should().Equal(long.MaxValue - 2, long.MaxValue - 1);
        down.AsReadOnlyInt64Span().ToArray().Should().Equal(long.MinValue + 2, long.MinValue + 1);
    }

    [Theory]
    [MemberData(nameof(ZerosCases))]
    public void Zeros_Int64DType_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        int[] shape = c.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();

        Tensor t = Torch.Zeros(shape, DType.Int64);

        t.DType.Should().Be(DType.Int64);
        t.Shape.ToArray().Should().Equal(Int64Fixture.Shape(c.GetProperty("result")));
        t.ToString().Should().Be(c.GetProperty("str").GetString());
        Torch.Zeros(shape, DType.Float32).DType.Should().Be(DType.Float32);
    }

    [Theory]
    [MemberData(nameof(ViewCases))]
    public void ViewSelectClone_Int64Tensor_MatchPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor source = Torch.Arange(-7, 17);

        Tensor t = ViewOp(name)(source);

        t.DType.Should().Be(DType.Int64);
        t.Shape.ToArray().Should().Equal(Int64Fixture.Shape(c.GetProperty("result")));
        t.AsReadOnlyInt64Span().ToArray().Should().Equal(Int64Fixture.Data(c.GetProperty("result")));
        t.Size().ToString().Should().Be(c.GetProperty("size").GetString());
        t.ToString().Should().Be(c.GetProperty("str").GetString());
        c.GetProperty("dtype").GetString().Should().Be("torch.int64");
    }

    [Fact]
    public void View_Int64Tensor_SharesStorageAndIndexerReadsAndWrites()
    {
        Tensor t = Torch.Arange(6);
        Tensor matrix = t.View(2, 3);
        Tensor row = matrix.Select(1);

        row[0] = 40;
        matrix[-1, -1] = -5;

        t.AsReadOnlyInt64Span().ToArray().Should().Equal(0, 1, 2, 40, 4, -5);
        matrix[1, 0].Should().Be(40f);
        row.Select(0).Int64Item().Should().Be(40);
    }

    [Fact]
    public void Clone_Int64Tensor_OwnsItsStorage()
    {
        Tensor t = Torch.Tensor([[1L, 2L], [3L, 4L]]);

        Tensor copy = t.Clone();
        copy.AsInt64Span()[0] = 100;

        copy.DType.Should().Be(DType.Int64);
        t.AsReadOnlyInt64Span()[0].Should().Be(1);
    }

    [Fact]
    public void LongAndFloat_RecordedValues_MatchPyTorch()
    {
        JsonElement toLong = Fixture.Case(File, "long_of_float");
        JsonElement toFloat = Fixture.Case(File, "float_of_long");

        Tensor longs = Fixture.ReadTensor(toLong.GetProperty("input")).Long();
        Tensor floats = Int64Fixture.ReadTensor(toFloat.GetProperty("input")).Float();

        longs.AsReadOnlyInt64Span().ToArray().Should().Equal(Int64Fixture.Data(toLong.GetProperty("result")));
        longs.ToString().Should().Be(toLong.GetProperty("str").GetString());
        TensorAssert.BitEqual(floats, Fixture.ReadTensor(toFloat.GetProperty("result")));
        floats.ToString().Should().Be(toFloat.GetProperty("str").GetString());
    }

    [Fact]
    public void RequiresGrad_Int64Tensor_ThrowsPyTorchsErrors()
    {
        Tensor t = Torch.Arange(3);

        Action method = () => t.RequiresGrad_();
        Action property = () => t.RequiresGrad = true;

        method.Should().Throw<InvalidOperationException>().WithMessage(Message("requires_grad_method"));
        property.Should().Throw<InvalidOperationException>().WithMessage(Message("requires_grad_property"));
        t.RequiresGrad.Should().BeFalse();
        t.RequiresGrad = false;
        t.RequiresGrad_(false).Should().BeSameAs(t);
    }

    [Fact]
    public void FloatAccessors_Int64Tensor_ThrowPyTorchsDTypeError()
    {
        Tensor t = Torch.Arange(3);
        Tensor f = Torch.Zeros(3);

        Action[] floatReads = [() => t.AsSpan(), () => t.AsReadOnlySpan(), () => t.AsMemory(), () => t.ToArray()];
        Action[] longReads = [() => f.AsInt64Span(), () => f.AsReadOnlyInt64Span(), () => f.Int64Item()];

        foreach (Action act in floatReads)
        {
            act.Should().Throw<InvalidOperationException>().WithMessage(Message("float_data_of_long"));
        }

        foreach (Action act in longReads)
        {
            act.Should().Throw<InvalidOperationException>().WithMessage(Message("long_data_of_float"));
        }
    }

    [Theory]
    [MemberData(nameof(RefusedRnnCases))]
    public void RnnForward_Int64InputOrHiddenState_ThrowsPyTorchsError(string name)
    {
        var rnn = new Rnn(4, 2);
        (Tensor input, Tensor? h0, string param) = name switch
        {
            "rnn_long_input" => (Long(3, 2, 4), null, "input"),
            "rnn_long_input_unbatched" => (Long(3, 4), null, "input"),
            "rnn_long_h0" => (Torch.Zeros(3, 2, 4), Long(1, 2, 2), "h0"),
            "rnn_long_input_empty_sequence" => (Long(0, 2, 4), null, "input"),
            "rnn_long_input_wrong_size" => (Long(3, 2, 5), (Tensor?)null, "input"),
            _ => throw new InvalidOperationException($"No C# counterpart for case {name}."),
        };

        Action act = () => rnn.Forward(input, h0);
        Action into = () => rnn.Forward(input, h0, Torch.Zeros(3, 2, 2), Torch.Zeros(1, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage(Message(name) + "*").Which.ParamName.Should().Be(param);
        if (input.Size(0) == 3 && input.Dim == 3)
        {
            into.Should().Throw<ArgumentException>().WithMessage(Message(name) + "*").Which.ParamName.Should().Be(param);
        }
    }

    [Theory]
    [MemberData(nameof(RefusedCellCases))]
    public void RnnCellForward_Int64InputOrHiddenState_ThrowsPyTorchsError(string name)
    {
        var cell = new RnnCell(4, 2);
        (Tensor input, Tensor? hx, string param) = name switch
        {
            "cell_long_input" => (Long(2, 4), null, "input"),
            "cell_long_hx" => (Torch.Zeros(2, 4), Long(2, 2), "hx"),
            "cell_long_input_wrong_size" => (Long(2, 5), (Tensor?)null, "input"),
            _ => throw new InvalidOperationException($"No C# counterpart for case {name}."),
        };

        Action act = () => cell.Forward(input, hx);

        act.Should().Throw<ArgumentException>().WithMessage(Message(name) + "*").Which.ParamName.Should().Be(param);
    }

    private static Tensor Long(params int[] shape) => Torch.Zeros(shape, DType.Int64);

    private static string Message(string name) => Fixture.Case(File, name).GetProperty("message").GetString()!;

    private static string Kind(JsonElement c) => c.GetProperty("kind").GetString()!;

    private static string Name(JsonElement c) => c.GetProperty("name").GetString()!;

    private static bool IsError(JsonElement c) => c.TryGetProperty("error", out _);

    private static (long Start, long End, long Step) Bounds(JsonElement c) =>
        (c.GetProperty("start").GetInt64(), c.GetProperty("end").GetInt64(), c.GetProperty("step").GetInt64());

    private static Func<Tensor, Tensor> ViewOp(string name) => name switch
    {
        "view_4x6" => t => t.View(4, 6),
        "view_2x3x4" => t => t.View(2, 3, 4),
        "view_infer" => t => t.View(-1, 8),
        "reshape_6x4" => t => t.Reshape(6, 4),
        "select_row" => t => t.View(4, 6).Select(1),
        "select_negative" => t => t.View(4, 6).Select(-1),
        "select_scalar" => t => t.View(4, 6).Select(2).Select(3),
        "select_3d" => t => t.View(2, 3, 4).Select(1),
        "clone" => t => t.View(2, 12).Clone(),
        "long_of_long" => t => t.Long(),
        _ => throw new InvalidOperationException($"No C# counterpart for case {name}."),
    };

    /// <summary>
    /// Every C# form of the case's int list that the named factory takes: jagged <c>long</c> and <c>int</c> arrays, and
    /// rectangular ones when the list is rectangular and nested.
    /// </summary>
    private static List<(string Form, Func<Tensor> Build)> Forms(JsonElement c)
    {
        JsonElement input = c.GetProperty("input");
        bool longTensor = c.GetProperty("function").GetString() == "LongTensor";
        int depth = Depth(input);
        var forms = new List<(string, Func<Tensor>)>();
        switch (depth)
        {
            case 1:
                long[] l1 = Longs(input);
                int[] i1 = Ints(input);
                forms.Add(("long[]", () => longTensor ? Torch.LongTensor(l1) : Torch.Tensor(l1)));
                forms.Add(("int[]", () => longTensor ? Torch.LongTensor(i1) : Torch.Tensor(i1)));
                break;
            case 2:
                long[][] l2 = input.EnumerateArray().Select(Longs).ToArray();
                int[][] i2 = input.EnumerateArray().Select(Ints).ToArray();
                forms.Add(("long[][]", () => longTensor ? Torch.LongTensor(l2) : Torch.Tensor(l2)));
                forms.Add(("int[][]", () => longTensor ? Torch.LongTensor(i2) : Torch.Tensor(i2)));
                if (l2.All(r => r.Length == l2[0].Length))
                {
                    long[,] lr = new long[l2.Length, l2[0].Length];
                    int[,] ir = new int[l2.Length, l2[0].Length];
                    for (int i = 0; i < l2.Length; i++)
                    {
                        for (int j = 0; j < l2[i].Length; j++)
                        {
                            lr[i, j] = l2[i][j];
                            ir[i, j] = i2[i][j];
                        }
                    }

                    forms.Add(("long[,]", () => longTensor ? Torch.LongTensor(lr) : Torch.Tensor(lr)));
                    forms.Add(("int[,]", () => longTensor ? Torch.LongTensor(ir) : Torch.Tensor(ir)));
                }

                break;
            case 3:
                long[][][] l3 = input.EnumerateArray().Select(m => m.EnumerateArray().Select(Longs).ToArray()).ToArray();
                int[][][] i3 = input.EnumerateArray().Select(m => m.EnumerateArray().Select(Ints).ToArray()).ToArray();
                forms.Add(("long[][][]", () => longTensor ? Torch.LongTensor(l3) : Torch.Tensor(l3)));
                forms.Add(("int[][][]", () => longTensor ? Torch.LongTensor(i3) : Torch.Tensor(i3)));
                if (!IsError(c))
                {
                    long[,,] lr = new long[l3.Length, l3[0].Length, l3[0][0].Length];
                    int[,,] ir = new int[l3.Length, l3[0].Length, l3[0][0].Length];
                    for (int i = 0; i < l3.Length; i++)
                    {
                        for (int j = 0; j < l3[i].Length; j++)
                        {
                            for (int k = 0; k < l3[i][j].Length; k++)
                            {
                                lr[i, j, k] = l3[i][j][k];
                                ir[i, j, k] = i3[i][j][k];
                            }
                        }
                    }

                    forms.Add(("long[,,]", () => longTensor ? Torch.LongTensor(lr) : Torch.Tensor(lr)));
                    forms.Add(("int[,,]", () => longTensor ? Torch.LongTensor(ir) : Torch.Tensor(ir)));
                }

                break;
            default:
                throw new InvalidOperationException($"Unexpected nesting depth {depth}.");
        }

        // Values beyond int's range have no int[] form.
        bool fitsInt = Flatten(input).All(v => v is >= int.MinValue and <= int.MaxValue);
        return fitsInt ? forms : forms.Where(f => !f.Item1.StartsWith("int", StringComparison.Ordinal)).ToList();
    }

    private static int Depth(JsonElement e) =>
        e.ValueKind != JsonValueKind.Array ? 0 : 1 + (e.GetArrayLength() == 0 ? 0 : Depth(e[0]));

    private static IEnumerable<long> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e.GetInt64()];

    private static long[] Longs(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => (int)Math.Clamp(v.GetInt64(), int.MinValue, int.MaxValue)).ToArray();
}
