// The PackedSequence lesson of the course 모두를 위한 딥러닝 시즌2 (RNN/packed_sequence.py) — the PyTorch program, line
// by line, in C#: pad a batch of words of different lengths, sort and pack it, run an RNN over the real characters
// only (no step is spent on padding, and h_n is each word's state after its own last character), and unpack again.
//
// What differs from the course, and why (as in the recorded PyTorch run, ../../tests/RnnSharp.Tests/Fixtures/course/
// lab11_7_packed_sequence.py):
// - torch.manual_seed(0) at the top, and the character set sorted (the course's list(set(...)) has a different order
//   in every Python process).
// - The course's last line passes the packed index tensor itself to the RNN, which PyTorch rejects ("input must have
//   2 dimensions, got 1"); the padded batch is one-hot encoded first, then packed, run and unpacked.
// - print(a, b) is Console.WriteLine($"{a} {b}"); Python's list of characters is Numpy.PyList.
using RnnSharp;
using RnnSharp.Samples;

Torch.ManualSeed(0);

// Random word from random word generator
string[] data = ["hello world",
                 "midnight",
                 "calculation",
                 "path",
                 "short circuit"];

// Make dictionary
List<char> charSet = [.. data.SelectMany(seq => seq).Distinct().Order()]; // Get all characters
Dictionary<char, int> char2idx = charSet.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i); // character to index
Console.WriteLine(Numpy.PyList(charSet.Select(c => c.ToString())));
Console.WriteLine(charSet.Count);

// Convert character to index and make list of tensors
List<Tensor> X = [.. data.Select(seq => Torch.LongTensor(seq.Select(c => char2idx[c]).ToArray()))];

// Check converted result
foreach (Tensor sequence in X)
{
    Console.WriteLine($"{sequence.Size()} {sequence}");
}

// Make length tensor
Tensor lengths = Torch.LongTensor(X.Select(seq => seq.Size(0)).ToArray());
Console.WriteLine(lengths);

// Make a Tensor of shape (Batch x Maximum_Sequence_Length)
Tensor padded = RnnUtils.PadSequence(X, batchFirst: true); // X is now padded sequence
Console.WriteLine(padded);
Console.WriteLine(padded.Size());

// Sort by descending lengths
(lengths, Tensor sortedIdx) = Torch.Sort(lengths, descending: true);
padded = padded[sortedIdx];
Console.WriteLine(sortedIdx);
Console.WriteLine(padded);

// Convert padded Tensor to packed sequence
PackedSequence packedX = RnnUtils.PackPaddedSequence(padded, lengths, batchFirst: true); // X is now packed sequence
Console.WriteLine(packedX);

// declare RNN
var rnn = new Rnn(charSet.Count, 30, batchFirst: true);

// One-hot encode the padded batch, pack it, run the RNN over the real characters only, and unpack
Tensor xOneHot = Torch.OneHot(padded, numClasses: charSet.Count).Float();
PackedSequence packedOneHot = RnnUtils.PackPaddedSequence(xOneHot, lengths, batchFirst: true);
(PackedSequence packedOutput, Tensor hN) = rnn.Forward(packedOneHot);
(Tensor output, Tensor outputLengths) = RnnUtils.PadPackedSequence(packedOutput, batchFirst: true);
Console.WriteLine($"{output.Size()} {outputLengths}");
Console.WriteLine(hN.Size());
Console.WriteLine(output[3, .., ..4]);
Console.WriteLine(hN[0, .., ..4]);

// Unsorted sequences: PackSequence sorts them itself and remembers the original order
List<Tensor> unsorted = [.. data.Select(seq => Torch.OneHot(Torch.LongTensor(seq.Select(c => char2idx[c]).ToArray()), numClasses: charSet.Count).Float())];
PackedSequence packedUnsorted = RnnUtils.PackSequence(unsorted, enforceSorted: false);
Console.WriteLine($"{packedUnsorted.BatchSizes} {packedUnsorted.SortedIndices} {packedUnsorted.UnsortedIndices}");
(_, Tensor hNUnsorted) = rnn.Forward(packedUnsorted);
Console.WriteLine(hNUnsorted[0, .., ..4]);
