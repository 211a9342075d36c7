// Lab 11-0, "RNN basics", of the course 모두를 위한 딥러닝 시즌2 — the PyTorch program, line by line, in C#.
// It prints exactly what PyTorch prints for it.
using RnnSharp;

// Random seed to make results deterministic and reproducible.
// Same seed, same generator (mt19937), same draws: the RNN below gets PyTorch's weights bit for bit.
Torch.ManualSeed(0);

// declare dimension
// input_size: how many features each time step has (here: one-hot letters from a 4-letter alphabet).
// hidden_size: how many numbers the hidden state has — and so how many each output has. You choose it.
int inputSize = 4;
int hiddenSize = 2;

// singleton example
// shape : (1, 1, 4)
// float[][][] inputDataNp = [[[1, 0, 0, 0]]];

// sequential example
// shape : (3, 5, 4)
// One-hot encoding: each letter becomes a vector as long as the alphabet {h, e, l, o},
// with a 1 at the letter's own position and 0 everywhere else.
float[] h = [1, 0, 0, 0];
float[] e = [0, 1, 0, 0];
float[] l = [0, 0, 1, 0];
float[] o = [0, 0, 0, 1];

// Three five-letter words: "hello", "eolll", "lleel".
// The lab calls 3 the batch size and 5 the sequence length, but torch.nn.RNN (and so RnnSharp's Rnn)
// reads dimension 0 as the sequence unless batchFirst is set: here it sees 3 time steps of a batch of 5.
// This program keeps PyTorch's reading, so it prints the lab's numbers. To treat the data as 3 words of
// 5 letters, pass batchFirst: true to the Rnn below (the numbers then change, in PyTorch too).
float[][][] inputDataNp = [[h, e, l, l, o], [e, o, l, l, l], [l, l, e, e, l]];

// transform as torch tensor
Tensor inputData = Torch.Tensor(inputDataNp);

// declare RNN
// One cell, applied at every time step: h_t = tanh(x_t · W_ihᵀ + b_ih + h_(t−1) · W_hhᵀ + b_hh).
// The hidden state h_t is carried to the next time step; it is also the output at step t,
// which is why outputs and hidden state have the same size.
var rnn = new Rnn(inputSize, hiddenSize);

// check output
// outputs: the hidden state at every time step; _status: the hidden state after the last step.
var (outputs, _status) = rnn.Forward(inputData);
Console.WriteLine(outputs);
Console.WriteLine(outputs.Size());
