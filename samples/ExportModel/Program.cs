// Taking a model out of .NET: lab 11-2's hihello RNN (samples/HiHello), trained in C# exactly as the course trains it
// in PyTorch, then
//   1. saved with Torch.Save — the file torch.save writes; in Python: torch.load("hihello.pt", weights_only=True);
//   2. exported with Onnx.Export — an ONNX model for ONNX Runtime (dynamic batch and sequence axes);
//   3. reloaded from the .pt with Torch.Load into a fresh Rnn;
// and run all three ways on the training input: they predict the same string, the reloaded model bit for bit.
// Usage: dotnet run --project samples/ExportModel [folder for hihello.pt and hihello.onnx; default: a temporary one]
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RnnSharp;
using Tensor = RnnSharp.Tensor;
using RnnSharp.Optim;

Torch.ManualSeed(0);

char[] charSet = ['h', 'i', 'e', 'l', 'o'];
int inputSize = charSet.Length;
int hiddenSize = charSet.Length;
float[][][] xOneHot = [[[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 0]]];
int[][] yData = [[1, 0, 2, 3, 3, 4]];
Tensor X = Torch.Tensor(xOneHot);
Tensor Y = Torch.Tensor(yData).Long();

// Train as lab 11-2 does: 100 Adam steps on CrossEntropyLoss.
var rnn = new Rnn(inputSize, hiddenSize, batchFirst: true);
var criterion = new CrossEntropyLoss(weight: Torch.Ones(inputSize));
var optimizer = new Adam(rnn.Parameters(), lr: 0.1);
for (int i = 0; i < 100; i++)
{
    optimizer.ZeroGrad();
    var (outputs, _) = rnn.Forward(X);
    Tensor loss = criterion.Forward(outputs.View(-1, inputSize), Y.View(-1));
    loss.Backward();
    optimizer.Step();
}

rnn.Eval();
string folder = args.Length > 0 ? args[0] : Directory.CreateTempSubdirectory("rnnsharp-export-").FullName;
string ptPath = Path.Combine(folder, "hihello.pt");
string onnxPath = Path.Combine(folder, "hihello.onnx");

// 1. The state dict as torch.save writes it.
Torch.Save(rnn.StateDict(), ptPath);

// 2. ONNX: trace one forward; batch and sequence length stay free.
// As torch.onnx.export(rnn, X, ...) calls rnn(X), this calls rnn.Forward(X): its output and h_n are the graph's outputs.
Onnx.Export(
    rnn,
    [X],
    onnxPath,
    dynamicAxes: new Dictionary<string, IReadOnlyDictionary<int, string>>
    {
        ["input"] = new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
        ["output"] = new Dictionary<int, string> { [0] = "batch", [1] = "sequence" },
        ["h_n"] = new Dictionary<int, string> { [1] = "batch" },
    },
    inputNames: ["input"],
    outputNames: ["output", "h_n"]);

// 3. A fresh Rnn from the .pt file.
var reloaded = new Rnn(inputSize, hiddenSize, batchFirst: true);
reloaded.LoadStateDict(Torch.Load(ptPath));
reloaded.Eval();

Tensor trained, fromPt;
using (Torch.NoGrad())
{
    trained = rnn.Forward(X).Output;
    fromPt = reloaded.Forward(X).Output;
}

float[] fromOnnx;
using (var session = new InferenceSession(onnxPath))
{
    var input = new DenseTensor<float>(X.ToArray(), [1, 6, inputSize]);
    using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input)]);
    fromOnnx = [.. results.First(r => r.Name == "output").AsEnumerable<float>()];
}

// The predicted character of each step: the arg-max of its scores, as outputs.Data.Argmax(2) in the lab.
string Predict(float[] scores)
{
    var text = new System.Text.StringBuilder();
    for (int t = 0; t < scores.Length / inputSize; t++)
    {
        ReadOnlySpan<float> step = scores.AsSpan(t * inputSize, inputSize);
        text.Append(charSet[step.IndexOf(System.Numerics.Tensors.TensorPrimitives.Max(step))]);
    }

    return text.ToString();
}

float[] ours = trained.ToArray();
double onnxDifference = ours.Zip(fromOnnx, (a, b) => Math.Abs(a - b)).Max();
bool bitForBit = ours.SequenceEqual(fromPt.ToArray());
Console.WriteLine($"trained in RnnSharp:          prediction str:  {Predict(ours)}");
Console.WriteLine($"reloaded from hihello.pt:     prediction str:  {Predict(fromPt.ToArray())} ({(bitForBit ? "bit for bit the same outputs" : "OUTPUTS DIFFER")})");
Console.WriteLine($"hihello.onnx in ONNX Runtime: prediction str:  {Predict(fromOnnx)} ({(onnxDifference <= 1e-5 ? "outputs within 1e-5" : "OUTPUTS DIFFER")})");
Console.WriteLine(bitForBit && onnxDifference <= 1e-5 && Predict(ours) == Predict(fromOnnx) ? "All three agree." : "They do not agree.");
Console.WriteLine($"Files: {ptPath} ({new FileInfo(ptPath).Length} bytes), {onnxPath} ({new FileInfo(onnxPath).Length} bytes)");
