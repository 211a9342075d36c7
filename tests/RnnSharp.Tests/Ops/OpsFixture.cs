using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>Runs the operations recorded in <c>ops.json</c> (record_ops.py) by the names the recorder gives them.</summary>
internal static class OpsFixture
{
    public const string File = "ops.json";

    public static TheoryData<string> OpCases() => Fixture.Names(File, c => !c.TryGetProperty("kind", out _));

    public static TheoryData<string> InPlaceCases() => Fixture.Names(File, c => Kind(c) == "inplace");

    public static TheoryData<string> ErrorCases() => Fixture.Names(File, c => Kind(c) == "error");

    private static string? Kind(JsonElement c) => c.TryGetProperty("kind", out JsonElement k) ? k.GetString() : null;

    /// <summary>An int64 tensor written as {"shape", "data"} with integer data.</summary>
    public static Tensor ReadInt64(JsonElement e) => Tensor.FromInt64(
        e.GetProperty("data").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
        e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray());

    /// <summary>Runs <paramref name="op"/> as the recorder's OPS table does; returns the float result and any int64 result.</summary>
    public static (Tensor? Output, Tensor? Indices) Run(string op, IReadOnlyList<Tensor> t, JsonElement a)
    {
        int Int(string name) => a.GetProperty(name).GetInt32();
        bool Bool(string name) => a.GetProperty(name).GetBoolean();
        float Float(string name) => Fixture.ReadFloat(a.GetProperty(name));
        int[] Ints(string name) => a.GetProperty(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();
        int? OptInt(string name) => a.GetProperty(name).ValueKind == JsonValueKind.Null ? null : a.GetProperty(name).GetInt32();
        Tensor Index() => ReadInt64(a.GetProperty("index"));

        switch (op)
        {
            case "max_dim":
                {
                    var (values, indices) = t[0].Max(Int("dim"), Bool("keepdim"));
                    return (values, indices);
                }

            case "topk":
                {
                    var (values, indices) = t[0].TopK(Int("k"), Int("dim"), Bool("largest"));
                    return (values, indices);
                }

            case "argmax":
                return (null, t[0].Argmax());
            case "argmax_dim":
                return (null, t[0].Argmax(Int("dim"), Bool("keepdim")));
        }

        Tensor output = op switch
        {
            "add" => t[0] + t[1],
            "add_alpha" => t[0].Add(t[1], Float("alpha")),
            "add_scalar" => t[0] + Float("scalar"),
            "radd_scalar" => Float("scalar") + t[0],
            "sub" => t[0] - t[1],
            "sub_alpha" => t[0].Sub(t[1], Float("alpha")),
            "sub_scalar" => t[0] - Float("scalar"),
            "rsub_scalar" => Float("scalar") - t[0],
            "mul" => t[0] * t[1],
            "mul_scalar" => t[0] * Float("scalar"),
            "rmul_scalar" => Float("scalar") * t[0],
            "div" => t[0] / t[1],
            "div_scalar" => t[0] / Float("scalar"),
            "rdiv_scalar" => Float("scalar") / t[0],
            "neg" => -t[0],
            "matmul" => Torch.MatMul(t[0], t[1]),
            "sum" => t[0].Sum(),
            "sum_dims" => t[0].Sum(Ints("dims"), Bool("keepdim")),
            "mean" => t[0].Mean(),
            "mean_dims" => t[0].Mean(Ints("dims"), Bool("keepdim")),
            "view" => t[0].View(Ints("shape")),
            "reshape" => t[0].Reshape(Ints("shape")),
            "flatten" => t[0].Flatten(Int("start"), Int("end")),
            "squeeze" => t[0].Squeeze(),
            "squeeze_dim" => t[0].Squeeze(Int("dim")),
            "unsqueeze" => t[0].Unsqueeze(Int("dim")),
            "transpose" => t[0].Transpose(Int("dim0"), Int("dim1")),
            "t" => t[0].T(),
            "permute" => t[0].Permute(Ints("dims")),
            "select" => t[0].Select(Int("dim"), Int("index")),
            "narrow" => t[0].Narrow(Int("dim"), Int("start"), Int("length")),
            "slice" => t[0].Slice(Int("dim"), OptInt("start"), OptInt("end"), Int("step")),
            "index_select" => t[0].IndexSelect(Int("dim"), Index()),
            "index" => t[0][Index()],
            "cat" => Torch.Cat(t, Int("dim")),
            "stack" => Torch.Stack(t, Int("dim")),
            "tanh" => Torch.Tanh(t[0]),
            "relu" => Torch.Relu(t[0]),
            "sigmoid" => Torch.Sigmoid(t[0]),
            "exp" => t[0].Exp(),
            "log" => t[0].Log(),
            "softmax" => Torch.Softmax(t[0], Int("dim")),
            "log_softmax" => Torch.LogSoftmax(t[0], Int("dim")),
            "clone" => t[0].Clone(),
            "max" => t[0].Max(),
            _ => throw new InvalidOperationException($"No C# counterpart for op '{op}'."),
        };
        return (output, null);
    }
}
