using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace RnnSharp;

/// <summary>The form of <see cref="Onnx"/> that calls the module's own <c>Forward</c>, as <c>torch.onnx.export(model, args, ...)</c> calls <c>model(*args)</c>.</summary>
public static partial class Onnx
{
    private const string ReflectionWarning =
        "Finds the module's Forward method by reflection; when trimming, use the overload that takes a forward delegate.";

    /// <summary>
    /// Traces the module's own <c>Forward</c> on <paramref name="sampleInputs"/> and writes the ONNX model to
    /// <paramref name="path"/>: equivalent to <c>torch.onnx.export(module, args, path, ...)</c>. The method called is
    /// the module's one public <c>Forward</c> whose first parameters take the sample tensors (further parameters must
    /// be optional and keep their defaults) — <see cref="Rnn.Forward(Tensor, Tensor?)"/>, or a user module's
    /// <c>Forward(Tensor x)</c>. Its result becomes the graph's outputs: a tensor; a tuple, record or list of tensors
    /// (nested ones flattened, in order: <see cref="RnnOutput"/> gives output, then h_n).
    /// </summary>
    /// <param name="module">The model, in eval mode.</param>
    /// <param name="sampleInputs">One tensor per graph input, passed to <c>Forward</c> in order.</param>
    /// <param name="path">The <c>.onnx</c> file to write.</param>
    /// <param name="opset">The ONNX opset version, 13 to 17 (PyTorch's <c>opset_version</c>).</param>
    /// <param name="dynamicAxes">For an input or output name, which axes are dynamic and their names (PyTorch's <c>dynamic_axes</c>).</param>
    /// <param name="inputNames">The graph inputs' names; <c>input</c>, <c>input1</c>, … when <see langword="null"/> or short.</param>
    /// <param name="outputNames">The graph outputs' names; <c>output</c>, <c>output1</c>, … when <see langword="null"/> or short.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The module has no such <c>Forward</c>, or more than one, or it returned something other than tensors; or the
    /// names or axes are wrong (see the other overload).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is not 13 to 17, or a dynamic axis does not exist.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="module"/> is in training mode.</exception>
    /// <exception cref="NotSupportedException">The forward uses an operation with no ONNX export (the message names its grad_fn).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    [RequiresUnreferencedCode(ReflectionWarning)]
    public static void Export(
        Module module,
        IReadOnlyList<Tensor> sampleInputs,
        string path,
        int opset = 17,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null,
        IReadOnlyList<string>? inputNames = null,
        IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(sampleInputs);
        Export(module, ModuleForward(module, sampleInputs.Count), sampleInputs, path, opset, dynamicAxes, inputNames, outputNames);
    }

    /// <summary>As <see cref="Export(Module, IReadOnlyList{Tensor}, string, int, IReadOnlyDictionary{string, IReadOnlyDictionary{int, string}}?, IReadOnlyList{string}?, IReadOnlyList{string}?)"/>, writing to <paramref name="stream"/>.</summary>
    /// <param name="module">The model, in eval mode.</param>
    /// <param name="sampleInputs">One tensor per graph input, passed to <c>Forward</c> in order.</param>
    /// <param name="stream">Where to write the model.</param>
    /// <param name="opset">The ONNX opset version, 13 to 17.</param>
    /// <param name="dynamicAxes">For an input or output name, which axes are dynamic and their names.</param>
    /// <param name="inputNames">The graph inputs' names.</param>
    /// <param name="outputNames">The graph outputs' names.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The module has no such <c>Forward</c>, or more than one, or it returned something other than tensors.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is not 13 to 17, or a dynamic axis does not exist.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="module"/> is in training mode.</exception>
    /// <exception cref="NotSupportedException">The forward uses an operation with no ONNX export.</exception>
    [RequiresUnreferencedCode(ReflectionWarning)]
    public static void Export(
        Module module,
        IReadOnlyList<Tensor> sampleInputs,
        Stream stream,
        int opset = 17,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null,
        IReadOnlyList<string>? inputNames = null,
        IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(sampleInputs);
        Export(module, ModuleForward(module, sampleInputs.Count), sampleInputs, stream, opset, dynamicAxes, inputNames, outputNames);
    }

    /// <summary>The module's <c>Forward</c> for <paramref name="count"/> tensors, as a forward delegate.</summary>
    [RequiresUnreferencedCode(ReflectionWarning)]
    private static Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> ModuleForward(Module module, int count)
    {
        MethodInfo[] candidates = [.. module.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == "Forward" && m.ReturnType != typeof(void) && Accepts(m.GetParameters(), count))];
        if (candidates.Length != 1)
        {
            ThrowHelper.ThrowNoModuleForward(module.GetType().Name, count, candidates.Length, nameof(module));
        }

        MethodInfo forward = candidates[0];
        ParameterInfo[] parameters = forward.GetParameters();
        return inputs =>
        {
            object?[] arguments = new object?[parameters.Length];
            for (int i = 0; i < parameters.Length; i++)
            {
                arguments[i] = i < inputs.Count ? inputs[i] : parameters[i].DefaultValue;
            }

            object? result;
            try
            {
                result = forward.Invoke(module, arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }

            var outputs = new List<Tensor>();
            Flatten(result, outputs, module.GetType().Name);
            return outputs;
        };
    }

    private static bool Accepts(ParameterInfo[] parameters, int count) =>
        parameters.Length >= count
        && parameters.Take(count).All(p => p.ParameterType == typeof(Tensor))
        && parameters.Skip(count).All(p => p.IsOptional);

    /// <summary>The tensors of a <c>Forward</c> result, in order: a tensor, a list, a tuple or a record of them, nested.</summary>
    [RequiresUnreferencedCode(ReflectionWarning)]
    private static void Flatten(object? value, List<Tensor> outputs, string moduleName)
    {
        switch (value)
        {
            case Tensor tensor:
                outputs.Add(tensor);
                return;
            case ITuple tuple:
                for (int i = 0; i < tuple.Length; i++)
                {
                    Flatten(tuple[i], outputs, moduleName);
                }

                return;
            case IEnumerable<Tensor> tensors:
                outputs.AddRange(tensors);
                return;
            case null:
                break;
            default:
                // A record (RnnOutput, LstmOutput, …): its tensor properties in declaration order.
                PropertyInfo[] properties = [.. value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetIndexParameters().Length == 0 && (p.PropertyType == typeof(Tensor) || p.PropertyType.IsValueType && typeof(ITuple).IsAssignableFrom(p.PropertyType)))
                    .OrderBy(p => p.MetadataToken)];
                if (properties.Length > 0)
                {
                    foreach (PropertyInfo property in properties)
                    {
                        Flatten(property.GetValue(value), outputs, moduleName);
                    }

                    return;
                }

                break;
        }

        ThrowHelper.ThrowModuleForwardResult(moduleName, value?.GetType().Name ?? "null", "module");
    }
}
