using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The exceptions of <see cref="Onnx.Export(Module, Func{IReadOnlyList{Tensor}, IReadOnlyList{Tensor}}, IReadOnlyList{Tensor}, Stream, int, IReadOnlyDictionary{string, IReadOnlyDictionary{int, string}}?, IReadOnlyList{string}?, IReadOnlyList{string}?)"/>.</summary>
internal static partial class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowOnnxOpset(int opset, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, opset, $"ONNX export supports opset versions 13 to 17, got {opset}.");

    [DoesNotReturn]
    public static void ThrowOnnxTraining() =>
        throw new InvalidOperationException("ONNX export traces the module in eval mode (dropout off): call module.Eval() before exporting.");

    [DoesNotReturn]
    public static void ThrowOnnxNameCount(string what, int names, int values, string paramName) =>
        throw new ArgumentException($"{names} {what} names were given for {values} {what}s.", paramName);

    [DoesNotReturn]
    public static void ThrowOnnxDynamicAxesName(string name, string paramName) =>
        throw new ArgumentException($"dynamic_axes names '{name}', which is not an input or output name.", paramName);

    [DoesNotReturn]
    public static void ThrowOnnxDynamicAxis(string name, int axis, int rank, string paramName) =>
        throw new ArgumentOutOfRangeException(paramName, axis, $"dynamic_axes gives axis {axis} of '{name}', which has {rank} dimensions.");

    [DoesNotReturn]
    public static void ThrowNoModuleForward(string module, int inputs, int found, string paramName) =>
        throw new ArgumentException(
            found == 0
                ? $"{module} has no public Forward method taking {inputs} tensor(s) (further parameters optional): pass a forward delegate, e.g. x => [net.Forward(x[0])]."
                : $"{module} has {found} public Forward methods taking {inputs} tensor(s): pass a forward delegate to say which one to trace.",
            paramName);

    [DoesNotReturn]
    public static void ThrowModuleForwardResult(string module, string got, string paramName) =>
        throw new ArgumentException(
            $"{module}.Forward returned {got}, not tensors: return a Tensor, or a tuple, record or list of tensors, or pass a forward delegate.", paramName);
}
