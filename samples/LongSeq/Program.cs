// Lab 11-4, "longseq", of the course 모두를 위한 딥러닝 시즌2 (RNN/4-longseq.py) — the PyTorch program, line by line, in C#.
// A user-defined module (a two-layer RNN and a Linear layer) learns to continue a long sentence, 10 characters at a time.
//
// What differs from the course, and why:
// - torch.manual_seed(0) at the top, and the character set sorted (the course's list(set(sentence)) has a different
//   order in every Python process), as in the recorded PyTorch run.
// - Net registers its layers with RegisterModule (PyTorch does it when a module is assigned to self.rnn), so its
//   parameters carry PyTorch's names: rnn.weight_ih_l0 ... fc.weight, fc.bias.
// - This program is chaotic: PyTorch's own float32 and float64 runs of it drift apart after about 30 iterations
//   (one float32 ulp in the initial weights changes half of the printed predictions). So the sample's test compares
//   each loss within twice PyTorch's own float32-vs-float64 difference at that iteration, and each prediction line
//   only where PyTorch's float32 and float64 runs printed the same line.
using RnnSharp;
using RnnSharp.Optim;
using RnnSharp.Samples;

Torch.ManualSeed(0);

string sentence = "if you want to build a ship, don't drum up people together to " +
                  "collect wood and don't assign them tasks and work, but rather " +
                  "teach them to long for the endless immensity of the sea.";

// make dictionary
char[] charSet = [.. sentence.Distinct().Order()];
Dictionary<char, int> charDic = charSet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

// hyper parameters
int dicSize = charDic.Count;
int hiddenSize = charDic.Count;
int sequenceLength = 10; // Any arbitrary number
double learningRate = 0.1;

// data setting
var xData = new List<int[]>();
var yData = new List<int[]>();

for (int i = 0; i < sentence.Length - sequenceLength; i++)
{
    string xStr = sentence[i..(i + sequenceLength)];
    string yStr = sentence[(i + 1)..(i + sequenceLength + 1)];
    Console.WriteLine($"{i} {xStr} -> {yStr}");

    xData.Add([.. xStr.Select(c => charDic[c])]); // x str to index
    yData.Add([.. yStr.Select(c => charDic[c])]); // y str to index
}

float[][][] xOneHot = [.. xData.Select(x => Numpy.Eye(dicSize, x))];

// transform as torch tensor variable
Tensor X = Torch.Tensor(xOneHot).Float();
Tensor Y = Torch.Tensor(yData.ToArray()).Long();

var net = new Net(dicSize, hiddenSize, 2);

// loss & optimizer setting
Tensor weights = Torch.Ones(dicSize); // weight for each class, not for position in sequence
var criterion = new CrossEntropyLoss(weight: weights);
var optimizer = new Adam(net.Parameters(), lr: learningRate);

// start training
for (int i = 0; i < 100; i++)
{
    optimizer.ZeroGrad();
    Tensor outputs = net.Forward(X);
    Tensor loss = criterion.Forward(outputs.Contiguous().View(-1, dicSize), Y.Contiguous().View(-1));
    loss.Backward();
    optimizer.Step();

    Tensor results = outputs.Data.Argmax(2);
    string predictStr = "";
    for (int j = 0; j < results.Size(0); j++)
    {
        long[] result = Numpy.Squeeze(results.Select(j));
        Console.WriteLine($"{i} {j} {string.Concat(result.Select(t => charSet[t]))} {PyFloat.Repr(loss.Item())}");
        if (j == 0)
        {
            predictStr += string.Concat(result.Select(t => charSet[t]));
        }
        else
        {
            predictStr += charSet[result[^1]];
        }
    }

    Console.WriteLine(predictStr);
}

/// <summary>The course's model: a two-layer RNN and a fully connected layer on each step's output.</summary>
internal sealed class Net : Module
{
    private readonly Rnn _rnn;
    private readonly Linear _fc;

    public Net(int inputDim, int hiddenDim, int layers)
    {
        _rnn = new Rnn(inputDim, hiddenDim, numLayers: layers, batchFirst: true);
        _fc = new Linear(hiddenDim, hiddenDim, bias: true);
        RegisterModule("rnn", _rnn);
        RegisterModule("fc", _fc);
    }

    public Tensor Forward(Tensor x)
    {
        var (output, _status) = _rnn.Forward(x);
        return _fc.Forward(output);
    }
}
