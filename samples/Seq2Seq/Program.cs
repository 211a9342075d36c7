// Lab 11-6, "seq2seq", of the course 모두를 위한 딥러닝 시즌2 (RNN/6-seq2seq.py) — the PyTorch program, line by line, in C#.
// An encoder (Embedding + GRU) reads an English sentence word by word; a decoder (Embedding + GRU + Linear +
// LogSoftmax) writes its Korean translation word by word, trained with teacher forcing, NLLLoss and SGD, then
// translating greedily (TopK(1)) until it writes <EOS>.
//
// What differs from the course, and why:
// - As in the recorded PyTorch run: torch.manual_seed(0) at the top, and Python's unseeded random.choice replaced by
//   going through the pairs in order (the i-th training example is pairs[i % pairs.Count]).
// - device = torch.device("cpu") and the .to(device) calls are left out: RnnSharp runs on the CPU.
// - Encoder and Decoder register their layers with RegisterModule (PyTorch does it when a module is assigned to
//   self.embedding), so their parameters carry PyTorch's names, in PyTorch's order, and are drawn from the generator
//   in PyTorch's order: the encoder's embedding (N(0, 1)) and GRU, then the decoder's embedding, GRU and Linear.
// - Python's t[i] on a tensor is t.Select(i) (in C#, t[i] with int indices reads one element).
// - "{:05.4f}".format(loss_avg) is PyFloat.Fixed(lossAvg, 4).PadLeft(5, '0') (the loss is never negative), and
//   print(load_pairs[0]) is Numpy.PyList: Python's list of strings.
// - The four translations are PyTorch's, word for word; the average losses agree with PyTorch's within what float32
//   rounding allows (the sample's test compares them with PyTorch's float32 and float64 runs of this program).
using RnnSharp;
using RnnSharp.Optim;
using RnnSharp.Samples;

Torch.ManualSeed(0);

string[] raw = ["I feel hungry.	나는 배가 고프다.",
                "Pytorch is very easy.	파이토치는 매우 쉽다.",
                "Pytorch is a framework for deep learning.	파이토치는 딥러닝을 위한 프레임워크이다.",
                "Pytorch is very clear to use.	파이토치는 사용하기 매우 직관적이다."];

const int SourceMaxLength = 10;
const int TargetMaxLength = 12;
var (loadPairs, loadSourceVocab, loadTargetVocab) = Preprocess(raw, SourceMaxLength, TargetMaxLength);
Console.WriteLine(Numpy.PyList(loadPairs[0]));

int encHiddenSize = 16;
int decHiddenSize = encHiddenSize;
var enc = new Encoder(loadSourceVocab.NVocab, encHiddenSize);
var dec = new Decoder(decHiddenSize, loadTargetVocab.NVocab);

Train(loadPairs, loadSourceVocab, loadTargetVocab, enc, dec, 5000, printEvery: 1000);
Evaluate(loadPairs, loadSourceVocab, loadTargetVocab, enc, dec, TargetMaxLength);

static bool FilterPair(string[] pair, int sourceMaxLength, int targetMaxLength) =>
    pair[0].Split(' ').Length < sourceMaxLength && pair[1].Split(' ').Length < targetMaxLength;

static (List<string[]> Pairs, Vocab SourceVocab, Vocab TargetVocab) Preprocess(string[] corpus, int sourceMaxLength, int targetMaxLength)
{
    Console.WriteLine("reading corpus...");
    var pairs = new List<string[]>();
    foreach (string line in corpus)
    {
        pairs.Add(line.Trim().ToLowerInvariant().Split('\t'));
    }

    Console.WriteLine($"Read {pairs.Count} sentence pairs");

    pairs = [.. pairs.Where(pair => FilterPair(pair, sourceMaxLength, targetMaxLength))];
    Console.WriteLine($"Trimmed to {pairs.Count} sentence pairs");

    var sourceVocab = new Vocab();
    var targetVocab = new Vocab();

    Console.WriteLine("Counting words...");
    foreach (string[] pair in pairs)
    {
        sourceVocab.AddVocab(pair[0]);
        targetVocab.AddVocab(pair[1]);
    }

    Console.WriteLine($"source vocab size = {sourceVocab.NVocab}");
    Console.WriteLine($"target vocab size = {targetVocab.NVocab}");

    return (pairs, sourceVocab, targetVocab);
}

static Tensor Tensorize(Vocab vocab, string sentence)
{
    List<float> indexes = [.. sentence.Split(' ').Select(word => (float)vocab.Vocab2Index[word])];
    indexes.Add(vocab.Vocab2Index["<EOS>"]);
    return Torch.Tensor(indexes.ToArray()).Long().View(-1, 1);
}

static void Train(List<string[]> pairs, Vocab sourceVocab, Vocab targetVocab, Encoder encoder, Decoder decoder, int nIter, int printEvery = 1000, double learningRate = 0.01)
{
    double lossTotal = 0;

    var encoderOptimizer = new SGD(encoder.Parameters(), lr: learningRate);
    var decoderOptimizer = new SGD(decoder.Parameters(), lr: learningRate);

    List<string[]> trainingBatch = [.. Enumerable.Range(0, nIter).Select(i => pairs[i % pairs.Count])];
    List<Tensor> trainingSource = [.. trainingBatch.Select(pair => Tensorize(sourceVocab, pair[0]))];
    List<Tensor> trainingTarget = [.. trainingBatch.Select(pair => Tensorize(targetVocab, pair[1]))];

    var criterion = new NLLLoss();

    for (int i = 1; i < nIter + 1; i++)
    {
        Tensor sourceTensor = trainingSource[i - 1];
        Tensor targetTensor = trainingTarget[i - 1];

        Tensor encoderHidden = Torch.Zeros(1, 1, encoder.HiddenSize);

        encoderOptimizer.ZeroGrad();
        decoderOptimizer.ZeroGrad();

        int sourceLength = sourceTensor.Size(0);
        int targetLength = targetTensor.Size(0);

        Tensor loss = Torch.Zeros(); // loss = 0: a 0-d zero, to which each step's loss is added

        for (int encInput = 0; encInput < sourceLength; encInput++)
        {
            (_, encoderHidden) = encoder.Forward(sourceTensor.Select(encInput), encoderHidden);
        }

        Tensor decoderInput = Torch.Tensor(new float[,] { { Vocab.SosToken } }).Long();
        Tensor decoderHidden = encoderHidden;

        for (int di = 0; di < targetLength; di++)
        {
            (Tensor decoderOutput, decoderHidden) = decoder.Forward(decoderInput, decoderHidden);
            loss += criterion.Forward(decoderOutput, targetTensor.Select(di));
            decoderInput = targetTensor.Select(di); // teacher forcing
        }

        loss.Backward();

        encoderOptimizer.Step();
        decoderOptimizer.Step();

        double lossIter = loss.Item() / (double)targetLength;
        lossTotal += lossIter;

        if (i % printEvery == 0)
        {
            double lossAvg = lossTotal / printEvery;
            lossTotal = 0;
            Console.WriteLine($"[{i} - {PyFloat.Repr((double)i / nIter * 100)}%] loss = {PyFloat.Fixed(lossAvg, 4).PadLeft(5, '0')}");
        }
    }
}

static void Evaluate(List<string[]> pairs, Vocab sourceVocab, Vocab targetVocab, Encoder encoder, Decoder decoder, int targetMaxLength)
{
    foreach (string[] pair in pairs)
    {
        Console.WriteLine($"> {pair[0]}");
        Console.WriteLine($"= {pair[1]}");
        Tensor sourceTensor = Tensorize(sourceVocab, pair[0]);
        int sourceLength = sourceTensor.Size()[0];
        Tensor encoderHidden = Torch.Zeros(1, 1, encoder.HiddenSize);

        for (int ei = 0; ei < sourceLength; ei++)
        {
            (_, encoderHidden) = encoder.Forward(sourceTensor.Select(ei), encoderHidden);
        }

        Tensor decoderInput = Torch.Tensor(new float[,] { { Vocab.SosToken } }).Long();
        Tensor decoderHidden = encoderHidden;
        var decodedWords = new List<string>();

        for (int di = 0; di < targetMaxLength; di++)
        {
            (Tensor decoderOutput, decoderHidden) = decoder.Forward(decoderInput, decoderHidden);
            var (_, topIndex) = decoderOutput.Data.TopK(1);
            if (topIndex.Item() == Vocab.EosToken)
            {
                decodedWords.Add("<EOS>");
                break;
            }
            else
            {
                decodedWords.Add(targetVocab.Index2Vocab[(int)topIndex.Item()]);
            }

            decoderInput = topIndex.Squeeze().Detach();
        }

        List<string> predictWords = decodedWords;
        string predictSentence = string.Join(" ", predictWords);
        Console.WriteLine($"< {predictSentence}");
        Console.WriteLine("");
    }
}

/// <summary>The words of one language: index of each word, word of each index, and how often each word occurs.</summary>
internal sealed class Vocab
{
    public const int SosToken = 0;
    public const int EosToken = 1;

    public Vocab()
    {
        Vocab2Index = new() { ["<SOS>"] = SosToken, ["<EOS>"] = EosToken };
        Index2Vocab = new() { [SosToken] = "<SOS>", [EosToken] = "<EOS>" };
        VocabCount = [];
        NVocab = Vocab2Index.Count;
    }

    public Dictionary<string, int> Vocab2Index { get; }

    public Dictionary<int, string> Index2Vocab { get; }

    public Dictionary<string, int> VocabCount { get; }

    public int NVocab { get; private set; }

    public void AddVocab(string sentence)
    {
        foreach (string word in sentence.Split(' '))
        {
            if (!Vocab2Index.ContainsKey(word))
            {
                Vocab2Index[word] = NVocab;
                VocabCount[word] = 1;
                Index2Vocab[NVocab] = word;
                NVocab++;
            }
            else
            {
                VocabCount[word]++;
            }
        }
    }
}

/// <summary>The course's encoder: an embedding of the source word and a GRU over it.</summary>
internal sealed class Encoder : Module
{
    private readonly Embedding _embedding;
    private readonly Gru _gru;

    public Encoder(int inputSize, int hiddenSize)
    {
        HiddenSize = hiddenSize;
        _embedding = new Embedding(inputSize, hiddenSize);
        _gru = new Gru(hiddenSize, hiddenSize);
        RegisterModule("embedding", _embedding);
        RegisterModule("gru", _gru);
    }

    public int HiddenSize { get; }

    public (Tensor Output, Tensor Hidden) Forward(Tensor x, Tensor hidden)
    {
        x = _embedding.Forward(x).View(1, 1, -1);
        (x, hidden) = _gru.Forward(x, hidden);
        return (x, hidden);
    }
}

/// <summary>The course's decoder: an embedding of the previous target word, a GRU, and log-probabilities of the next word.</summary>
internal sealed class Decoder : Module
{
    private readonly Embedding _embedding;
    private readonly Gru _gru;
    private readonly Linear _out;
    private readonly LogSoftmax _softmax;

    public Decoder(int hiddenSize, int outputSize)
    {
        HiddenSize = hiddenSize;
        _embedding = new Embedding(outputSize, hiddenSize);
        _gru = new Gru(hiddenSize, hiddenSize);
        _out = new Linear(hiddenSize, outputSize);
        _softmax = new LogSoftmax(dim: 1);
        RegisterModule("embedding", _embedding);
        RegisterModule("gru", _gru);
        RegisterModule("out", _out);
        RegisterModule("softmax", _softmax);
    }

    public int HiddenSize { get; }

    public (Tensor Output, Tensor Hidden) Forward(Tensor x, Tensor hidden)
    {
        x = _embedding.Forward(x).View(1, 1, -1);
        (x, hidden) = _gru.Forward(x, hidden);
        x = _softmax.Forward(_out.Forward(x.Select(0)));
        return (x, hidden);
    }
}
