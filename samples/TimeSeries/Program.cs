// Lab 11-5, "timeseries", of the course 모두를 위한 딥러닝 시즌2 (RNN/5-timeseries.py) — the PyTorch program, line by line, in C#.
// An LSTM and a Linear layer on its last step learn to predict the next day's closing price of a stock from the
// previous seven days (open, high, low, volume, close), trained with Adam on the mean squared error.
//
// What differs from the course, and why:
// - The data file, data-02-stock_daily.csv, is the course's (from the course's repository, deeplearningzerotoall/PyTorch,
//   RNN/data-02-stock_daily.csv; its first line names its origin), shipped beside this program and copied to its
//   output folder; Numpy.LoadTxt reads it as np.loadtxt does (lines starting with # are comments).
// - build_dataset's print(_x, "->", _y) lines are left out: they are NumPy's print of float64 arrays
//   ([[2.53065030e-01 2.45070970e-01 ...), which this sample does not reproduce. Everything else is printed as
//   PyTorch prints it: `i loss` for each of the 500 iterations (PyFloat.Repr(loss.Item()), Python's float repr).
// - The plot (test targets and predictions, legend "original"/"prediction") is drawn with ScottPlot, a .NET plotting
//   library, and saved to timeseries.png in the current directory as the recorded run saves it (the course shows it
//   in a window); a path given as the first argument is used instead.
// - The losses agree with PyTorch's within what float32 rounding allows (the sample's test allows twice PyTorch's
//   own float32-vs-float64 difference up to each iteration, measured by the recorded float64 run).
using RnnSharp;
using RnnSharp.Optim;
using RnnSharp.Samples;

// Random seed to make results deterministic and reproducible
Torch.ManualSeed(0);

int seqLength = 7;
int dataDim = 5;
int hiddenDim = 10;
int outputDim = 1;
double learningRate = 0.01;
int iterations = 500;

double[][] xy = Numpy.LoadTxt(Path.Combine(AppContext.BaseDirectory, "data-02-stock_daily.csv"), delimiter: ',');
xy = [.. xy.Reverse()]; // reverse order

int trainSize = (int)(xy.Length * 0.7);
double[][] trainSet = xy[0..trainSize];
double[][] testSet = xy[(trainSize - seqLength)..];

trainSet = MinMaxScaler(trainSet);
testSet = MinMaxScaler(testSet);

var (trainX, trainY) = BuildDataset(trainSet, seqLength);
var (testX, testY) = BuildDataset(testSet, seqLength);

Tensor trainXTensor = Torch.Tensor(Numpy.AsFloat32(trainX));
Tensor trainYTensor = Torch.Tensor(Numpy.AsFloat32(trainY));

Tensor testXTensor = Torch.Tensor(Numpy.AsFloat32(testX));
Tensor testYTensor = Torch.Tensor(Numpy.AsFloat32(testY));

var net = new Net(dataDim, hiddenDim, outputDim, 1);

// loss & optimizer setting
var criterion = new MSELoss();
var optimizer = new Adam(net.Parameters(), lr: learningRate);

for (int i = 0; i < iterations; i++)
{
    optimizer.ZeroGrad();
    Tensor outputs = net.Forward(trainXTensor);
    Tensor loss = criterion.Forward(outputs, trainYTensor);
    loss.Backward();
    optimizer.Step();
    Console.WriteLine($"{i} {PyFloat.Repr(loss.Item())}");
}

var plt = new ScottPlot.Plot();
plt.Add.Signal(testY.Select(y => y[0]).ToArray()).LegendText = "original";
plt.Add.Signal(net.Forward(testXTensor).Data.ToArray().Select(p => (double)p).ToArray()).LegendText = "prediction";
plt.ShowLegend(ScottPlot.Alignment.UpperLeft); // where matplotlib's legend(loc="best") puts it for these data
plt.SavePng(args.Length > 0 ? args[0] : "timeseries.png", 640, 480); // matplotlib's default figure: 6.4 x 4.8 inches at 100 dpi

static double[][] MinMaxScaler(double[][] data)
{
    // numerator = data - np.min(data, 0); denominator = np.max(data, 0) - np.min(data, 0), column by column, in double
    double[] min = [.. Enumerable.Range(0, data[0].Length).Select(c => data.Min(row => row[c]))];
    double[] max = [.. Enumerable.Range(0, data[0].Length).Select(c => data.Max(row => row[c]))];
    return [.. data.Select(row => row.Select((value, c) => (value - min[c]) / ((max[c] - min[c]) + 1e-7)).ToArray())];
}

static (double[][][] DataX, double[][] DataY) BuildDataset(double[][] timeSeries, int seqLength)
{
    var dataX = new List<double[][]>();
    var dataY = new List<double[]>();
    for (int i = 0; i < timeSeries.Length - seqLength; i++)
    {
        double[][] x = timeSeries[i..(i + seqLength)];
        double[] y = [timeSeries[i + seqLength][^1]]; // Next close price
        // print(_x, "->", _y) is left out: NumPy's float64 array print (see the top of this file)
        dataX.Add(x);
        dataY.Add(y);
    }

    return ([.. dataX], [.. dataY]);
}

/// <summary>The course's model: an LSTM and a fully connected layer on its last step's output.</summary>
internal sealed class Net : Module
{
    private readonly Lstm _rnn;
    private readonly Linear _fc;

    public Net(int inputDim, int hiddenDim, int outputDim, int layers)
    {
        _rnn = new Lstm(inputDim, hiddenDim, numLayers: layers, batchFirst: true);
        _fc = new Linear(hiddenDim, outputDim, bias: true);
        RegisterModule("rnn", _rnn);
        RegisterModule("fc", _fc);
    }

    public Tensor Forward(Tensor x)
    {
        var (output, _status) = _rnn.Forward(x);
        return _fc.Forward(output[.., ^1]);
    }
}
