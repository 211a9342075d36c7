// An RNN trained in PyTorch, run in .NET. The Python side saved rnn.pt like this
// (tests/RnnSharp.Tests/Fixtures/record_fixtures.py, record_sample):
//
//     torch.manual_seed(2024)
//     rnn = torch.nn.RNN(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
//     torch.save(rnn.state_dict(), "rnn.pt")
//     rnn.eval()
//     x = torch.tensor([[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], [[-0.1, 0.0, 0.1], [1.0, -1.0, 0.5]]])
//     with torch.no_grad():
//         output, h_n = rnn(x)
//     print(output)
//     print(h_n)
//
// This program prints exactly what that printed (expected_output.txt).
using RnnSharp;

// Same architecture as in Python, then PyTorch's weights. Torch.Load reads the file torch.save wrote with a
// restricted reader that only understands tensors: nothing in the file is ever executed.
var rnn = new Rnn(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true);
rnn.LoadStateDict(Torch.Load(Path.Combine(AppContext.BaseDirectory, "rnn.pt")));
rnn.Eval();

Tensor x = Torch.Tensor([[[0.1f, 0.2f, 0.3f], [0.4f, 0.5f, 0.6f]], [[-0.1f, 0.0f, 0.1f], [1.0f, -1.0f, 0.5f]]]);

// Inference, as Python's `with torch.no_grad():` — no graph is recorded, so the outputs print without grad_fn.
using (Torch.NoGrad())
{
    var (output, hN) = rnn.Forward(x);
    Console.WriteLine(output);
    Console.WriteLine(hN);
}

// To hand the weights on without pickle at all: SafeTensors.SaveFile(rnn.StateDict(), "rnn.safetensors").
