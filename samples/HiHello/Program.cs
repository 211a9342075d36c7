// Lab 11-2, "hihello", of the course 모두를 위한 딥러닝 시즌2 (RNN/2-hihello.py) — the PyTorch program, line by line, in C#.
// It trains an RNN to predict the next character of "hihello" and prints what PyTorch prints, line for line.
//
// What differs from the course, and why:
// - torch.manual_seed(0) at the top (as in the recorded PyTorch run), so that the run is reproducible.
// - The loss is printed with PyFloat.Repr(loss.Item()): Python prints loss.item() (a float32 widened to a double)
//   with repr; and Numpy.Str prints the prediction as NumPy prints an integer array (samples/Shared/Numpy.cs).
// - The losses agree with PyTorch's to the last digits that float32 rounding lets any two implementations agree
//   on (the sample's test allows twice PyTorch's own float32-vs-float64 difference at each iteration); the
//   predictions and every other character are identical.
using RnnSharp;
using RnnSharp.Optim;
using RnnSharp.Samples;

Torch.ManualSeed(0);

char[] charSet = ['h', 'i', 'e', 'l', 'o'];

// hyper parameters
int inputSize = charSet.Length;
int hiddenSize = charSet.Length;
double learningRate = 0.1;

// data setting
int[][] xData = [[0, 1, 0, 2, 3, 3]];
float[][][] xOneHot = [[[1, 0, 0, 0, 0],
                        [0, 1, 0, 0, 0],
                        [1, 0, 0, 0, 0],
                        [0, 0, 1, 0, 0],
                        [0, 0, 0, 1, 0],
                        [0, 0, 0, 1, 0]]];
int[][] yData = [[1, 0, 2, 3, 3, 4]];

// transform as torch tensor variable
Tensor X = Torch.Tensor(xOneHot).Float();
Tensor Y = Torch.Tensor(yData).Long();

// declare RNN
var rnn = new Rnn(inputSize, hiddenSize, batchFirst: true); // batchFirst guarantees the order of output = (B, S, F)

// loss & optimizer setting
Tensor weights = Torch.Ones(inputSize); // weight for each class, not for position in sequence
var criterion = new CrossEntropyLoss(weight: weights);
var optimizer = new Adam(rnn.Parameters(), lr: learningRate);

// start training
for (int i = 0; i < 100; i++)
{
    optimizer.ZeroGrad();
    var (outputs, _status) = rnn.Forward(X);
    Tensor loss = criterion.Forward(outputs.View(-1, inputSize), Y.View(-1));
    loss.Backward();
    optimizer.Step();

    Tensor result = outputs.Data.Argmax(2);
    string resultStr = string.Concat(Numpy.Squeeze(result).Select(c => charSet[c]));
    Console.WriteLine($"{i} loss:  {PyFloat.Repr(loss.Item())} prediction:  {Numpy.Str(result)} true Y:  {Numpy.PyList(yData)} prediction str:  {resultStr}");
}
