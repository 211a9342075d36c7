using System.Globalization;
using RnnSharp.Autograd;

namespace RnnSharp;

/// <summary>
/// Exports a model to ONNX, for ONNX Runtime and the serving systems built on it. Equivalent to
/// <c>torch.onnx.export</c> (PyTorch 1.13, opset 17 by default, ir_version 8): the forward runs once on sample inputs
/// while the operations it uses are recorded, and the recorded graph is written as ONNX nodes — <see cref="Rnn"/>,
/// <see cref="Lstm"/> and <see cref="Gru"/> as ONNX's <c>RNN</c>, <c>LSTM</c> and <c>GRU</c> (one op per layer, gates
/// and biases converted as torch.onnx converts them), <see cref="Linear"/> as <c>Gemm</c> or <c>MatMul</c> + <c>Add</c>,
/// <see cref="Embedding"/> as <c>Gather</c>, and the element-wise, softmax, indexing, joining and reshaping operations.
/// </summary>
/// <remarks>
/// Parameters become initializers named by their state-dict keys (recurrent weights, reordered, as
/// <c>rnn.W_l0</c>, <c>rnn.R_l0</c>, <c>rnn.B_l0</c>). Not exported (an error names the operation's grad_fn):
/// LSTM with <c>proj_size</c>, packed sequences, recurrent dropout in training mode, <see cref="RnnCell"/>, reductions,
/// max/sort/top-k and losses.
/// </remarks>
public static partial class Onnx
{
    /// <summary>
    /// Traces <paramref name="forward"/> on <paramref name="sampleInputs"/> and writes the ONNX model to <paramref name="path"/>
    /// (through a temporary file, so a failed export leaves no partial file).
    /// </summary>
    /// <param name="module">The model, in eval mode; its parameters are found by identity and named by their state-dict keys.</param>
    /// <param name="forward">Runs the model on its inputs, e.g. <c>x =&gt; [net.Forward(x[0])]</c> (PyTorch's <c>model(*args)</c>).</param>
    /// <param name="sampleInputs">One tensor per graph input (float32, or int64 indices); their shapes are the graph's unless made dynamic.</param>
    /// <param name="path">The <c>.onnx</c> file to write.</param>
    /// <param name="opset">The ONNX opset version, 13 to 17 (PyTorch's <c>opset_version</c>).</param>
    /// <param name="dynamicAxes">For an input or output name, which axes are dynamic and their names (PyTorch's <c>dynamic_axes</c>), e.g. <c>{"input": {0: "batch"}}</c>.</param>
    /// <param name="inputNames">The graph inputs' names; <c>input</c>, <c>input1</c>, … when <see langword="null"/> or short.</param>
    /// <param name="outputNames">The graph outputs' names; <c>output</c>, <c>output1</c>, … when <see langword="null"/> or short.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is not 13 to 17, or a dynamic axis does not exist.</exception>
    /// <exception cref="ArgumentException">More names than inputs or outputs, or <paramref name="dynamicAxes"/> names an unknown value.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="module"/> is in training mode.</exception>
    /// <exception cref="NotSupportedException">The forward uses an operation with no ONNX export (the message names its grad_fn).</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Export(
        Module module,
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> forward,
        IReadOnlyList<Tensor> sampleInputs,
        string path,
        int opset = 17,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null,
        IReadOnlyList<string>? inputNames = null,
        IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] model = ExportCore(module, forward, sampleInputs, opset, dynamicAxes, inputNames, outputNames);
        AtomicFile.Write(path, stream => stream.Write(model));
    }

    /// <summary>Traces <paramref name="forward"/> on <paramref name="sampleInputs"/> and writes the ONNX model to <paramref name="stream"/>.</summary>
    /// <param name="module">The model, in eval mode; its parameters are found by identity and named by their state-dict keys.</param>
    /// <param name="forward">Runs the model on its inputs, e.g. <c>x =&gt; [net.Forward(x[0])]</c> (PyTorch's <c>model(*args)</c>).</param>
    /// <param name="sampleInputs">One tensor per graph input (float32, or int64 indices); their shapes are the graph's unless made dynamic.</param>
    /// <param name="stream">Where to write the model.</param>
    /// <param name="opset">The ONNX opset version, 13 to 17 (PyTorch's <c>opset_version</c>).</param>
    /// <param name="dynamicAxes">For an input or output name, which axes are dynamic and their names (PyTorch's <c>dynamic_axes</c>).</param>
    /// <param name="inputNames">The graph inputs' names; <c>input</c>, <c>input1</c>, … when <see langword="null"/> or short.</param>
    /// <param name="outputNames">The graph outputs' names; <c>output</c>, <c>output1</c>, … when <see langword="null"/> or short.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="opset"/> is not 13 to 17, or a dynamic axis does not exist.</exception>
    /// <exception cref="ArgumentException">More names than inputs or outputs, or <paramref name="dynamicAxes"/> names an unknown value.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="module"/> is in training mode.</exception>
    /// <exception cref="NotSupportedException">The forward uses an operation with no ONNX export (the message names its grad_fn).</exception>
    public static void Export(
        Module module,
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> forward,
        IReadOnlyList<Tensor> sampleInputs,
        Stream stream,
        int opset = 17,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes = null,
        IReadOnlyList<string>? inputNames = null,
        IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ExportCore(module, forward, sampleInputs, opset, dynamicAxes, inputNames, outputNames));
    }

    private static byte[] ExportCore(
        Module module,
        Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> forward,
        IReadOnlyList<Tensor> sampleInputs,
        int opset,
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes,
        IReadOnlyList<string>? inputNames,
        IReadOnlyList<string>? outputNames)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(sampleInputs);
        if (opset is < 13 or > 17)
        {
            ThrowHelper.ThrowOnnxOpset(opset, nameof(opset));
        }

        if (module.Training)
        {
            ThrowHelper.ThrowOnnxTraining();
        }

        if (inputNames is not null && inputNames.Count > sampleInputs.Count)
        {
            ThrowHelper.ThrowOnnxNameCount("input", inputNames.Count, sampleInputs.Count, nameof(inputNames));
        }

        // Inputs are copied so that they are leaves of the traced graph; parameters are made to require grad for the trace.
        var traced = new Tensor[sampleInputs.Count];
        for (int i = 0; i < traced.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(sampleInputs[i], nameof(sampleInputs));
            traced[i] = sampleInputs[i].DType == DType.Int64 ? sampleInputs[i].Clone() : sampleInputs[i].Detach().Clone().RequiresGrad_();
        }

        var frozen = module.Parameters().Where(p => !p.RequiresGrad).ToList();
        OnnxTrace trace = OnnxTrace.Begin();
        try
        {
            foreach (Parameter p in frozen)
            {
                p.RequiresGrad = true;
            }

            IReadOnlyList<Tensor> outputs;
            using (new GradModeScope(true))
            {
                outputs = forward(traced);
            }

            ArgumentNullException.ThrowIfNull(outputs, nameof(forward));
            if (outputNames is not null && outputNames.Count > outputs.Count)
            {
                ThrowHelper.ThrowOnnxNameCount("output", outputNames.Count, outputs.Count, nameof(outputNames));
            }

            string[] inNames = Names(inputNames, traced.Length, "input");
            string[] outNames = Names(outputNames, outputs.Count, "output");
            CheckDynamicAxes(dynamicAxes, inNames, traced, outNames, outputs);
            var exporter = new OnnxExporter(trace, module);
            for (int i = 0; i < traced.Length; i++)
            {
                exporter.AddInput(traced[i], inNames[i], Axes(dynamicAxes, inNames[i]));
            }

            for (int i = 0; i < outputs.Count; i++)
            {
                exporter.AddOutput(outputs[i], outNames[i], Axes(dynamicAxes, outNames[i]));
            }

            string version = typeof(Onnx).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
            return exporter.Graph.ToModel(opset, version);
        }
        finally
        {
            trace.Dispose();
            foreach (Parameter p in frozen)
            {
                p.RequiresGrad = false;
            }

            // The traced graph is never differentiated: give the recurrent layers' saved states back to the pool.
            foreach (Node node in trace.Nodes)
            {
                if (node.HasSavedTensors)
                {
                    node.Release();
                }
            }
        }
    }

    private static string[] Names(IReadOnlyList<string>? given, int count, string stem)
    {
        string[] names = new string[count];
        for (int i = 0; i < count; i++)
        {
            names[i] = given is not null && i < given.Count ? given[i]
                : i == 0 ? stem : string.Create(CultureInfo.InvariantCulture, $"{stem}{i}");
        }

        return names;
    }

    private static IReadOnlyDictionary<int, string>? Axes(IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes, string name) =>
        dynamicAxes is not null && dynamicAxes.TryGetValue(name, out IReadOnlyDictionary<int, string>? axes) ? axes : null;

    private static void CheckDynamicAxes(
        IReadOnlyDictionary<string, IReadOnlyDictionary<int, string>>? dynamicAxes,
        string[] inNames, Tensor[] inputs, string[] outNames, IReadOnlyList<Tensor> outputs)
    {
        if (dynamicAxes is null)
        {
            return;
        }

        foreach (KeyValuePair<string, IReadOnlyDictionary<int, string>> entry in dynamicAxes)
        {
            int at = Array.IndexOf(inNames, entry.Key);
            Tensor? value = at >= 0 ? inputs[at] : Array.IndexOf(outNames, entry.Key) is int o and >= 0 ? outputs[o] : null;
            if (value is null)
            {
                ThrowHelper.ThrowOnnxDynamicAxesName(entry.Key, nameof(dynamicAxes));
            }

            foreach (int axis in entry.Value.Keys)
            {
                if ((uint)axis >= (uint)value.Dim)
                {
                    ThrowHelper.ThrowOnnxDynamicAxis(entry.Key, axis, value.Dim, nameof(dynamicAxes));
                }
            }
        }
    }
}
