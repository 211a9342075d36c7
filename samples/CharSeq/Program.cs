// Lab 11-3, "charseq", of the course 모두를 위한 딥러닝 시즌2 (RNN/3-charseq.py) — the PyTorch program, line by line, in C#.
// It trains an RNN to predict the next character of " if you want you" and prints what PyTorch prints.
//
// What differs from the course, and why:
// - torch.manual_seed(0) at the top, and the character set sorted (the course's list(set(sample)) has a different
//   order in every Python process), as in the recorded PyTorch run.
// - PyFloat.Repr and Numpy.Str print the loss and the prediction as Python and NumPy print them.
// - The losses agree with PyTorch's to what float32 rounding allows (see the sample's test); everything else is identical.
using RnnSharp;
using RnnSharp.Optim;
using RnnSharp.Samples;

Torch.ManualSeed(0);

string sample = " if you want you";

// make dictionary
char[] charSet = [.. sample.Distinct().Order()];
Dictionary<char, int> charDic = charSet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

// hyper parameters
int dicSize = charDic.Count;
int hiddenSize = charDic.Count;
double learningRate = 0.1;

// data setting
int[] sampleIdx = [.. sample.Select(c => charDic[c])];
int[][] xData = [sampleIdx[..^1]];
float[][][] xOneHot = [.. xData.Select(x => Numpy.Eye(dicSize, x))];
int[][] yData = [sampleIdx[1..]];

// transform as torch tensor variable
Tensor X = Torch.Tensor(xOneHot).Float();
Tensor Y = Torch.Tensor(yData).Long();

// declare RNN
var rnn = new Rnn(dicSize, hiddenSize, batchFirst: true);

// loss & optimizer setting
Tensor weights = Torch.Ones(dicSize); // weight for each class, not for position in sequence
var criterion = new CrossEntropyLoss(weight: weights);
var optimizer = new Adam(rnn.Parameters(), lr: learningRate);

// start training
for (int i = 0; i < 50; i++)
{
    optimizer.ZeroGrad();
    var (outputs, _status) = rnn.Forward(X);
    Tensor loss = criterion.Forward(outputs.View(-1, dicSize), Y.View(-1));
    loss.Backward();
    optimizer.Step();

    Tensor result = outputs.Data.Argmax(2);
    string resultStr = string.Concat(Numpy.Squeeze(result).Select(c => charSet[c]));
    Console.WriteLine($"{i} loss:  {PyFloat.Repr(loss.Item())} prediction:  {Numpy.Str(result)} true Y:  {Numpy.PyList(yData)} prediction str:  {resultStr}");
}
