using Microsoft.ML.OnnxRuntime;
using RnnSharp;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>
/// Runs an exported model in ONNX Runtime: one process-wide environment whose logging function (at warning level)
/// collects every message, so a test can assert that loading its model logged nothing about the graph.
/// </summary>
internal static class OrtRunner
{
    private static readonly List<(string LogId, string Message)> s_log = [];
    private static readonly DOrtLoggingFunction s_logger = Log;
    private static readonly OrtEnv s_env = CreateEnvironment();
    private static int s_sessions;

    /// <summary>Loads <paramref name="model"/> and returns a session plus the messages ORT logged while loading it.</summary>
    public static (InferenceSession Session, string[] Warnings) Load(byte[] model)
    {
        _ = s_env;
        string logId = "rnnsharp-" + Interlocked.Increment(ref s_sessions);
        using var options = new SessionOptions
        {
            LogId = logId,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            IntraOpNumThreads = 1,
        };
        var session = new InferenceSession(model, options);
        lock (s_log)
        {
            return (session, [.. s_log.Where(e => e.LogId == logId).Select(e => e.Message)]);
        }
    }

    /// <summary>Runs <paramref name="session"/> on <paramref name="inputs"/> (by the graph's input order) and returns every output as a tensor.</summary>
    public static Tensor[] Run(InferenceSession session, IReadOnlyList<Tensor> inputs)
    {
        var names = session.InputNames;
        var values = new List<OrtValue>();
        try
        {
            foreach (Tensor input in inputs)
            {
                long[] shape = [.. input.Shape.ToArray().Select(d => (long)d)];
                values.Add(input.DType == DType.Int64
                    ? OrtValue.CreateTensorValueFromMemory(input.AsReadOnlyInt64Span().ToArray(), shape)
                    : OrtValue.CreateTensorValueFromMemory(input.ToArray(), shape));
            }

            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, names, values, session.OutputNames);
            return [.. outputs.Select(o =>
            {
                int[] shape = [.. o.GetTensorTypeAndShape().Shape.Select(d => (int)d)];
                return Torch.Tensor(o.GetTensorDataAsSpan<float>().ToArray()).View(shape);
            })];
        }
        finally
        {
            foreach (OrtValue v in values)
            {
                v.Dispose();
            }
        }
    }

    private static OrtEnv CreateEnvironment()
    {
        var options = new EnvironmentCreationOptions
        {
            logId = "rnnsharp-tests",
            logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            loggingFunction = s_logger,
        };
        return OrtEnv.CreateInstanceWithOptions(ref options);
    }

    private static void Log(IntPtr param, OrtLoggingLevel severity, string category, string logId, string codeLocation, string message)
    {
        lock (s_log)
        {
            s_log.Add((logId, $"[{severity}] {category} {codeLocation}: {message}"));
        }
    }
}
