using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// A layer cut into blocks of batch rows, each block taken through every step on its own (forward and backward), gives
/// the bits of the uncut layer: batch rows never meet in a recurrent layer. Helper threads run such blocks only when
/// each gets 8 rows or more; here they are forced small and run one after another, so that every path — reverse
/// directions gathering h0 rows, projections, variable lengths — is cut at row boundaries a machine's thread count
/// would not reach.
/// </summary>
public sealed class LayerRowBlockTests
{
    [Theory]
    [InlineData("RNN", false)]
    [InlineData("RNN", true)]
    [InlineData("GRU", false)]
    [InlineData("GRU", true)]
    [InlineData("LSTM", false)]
    [InlineData("LSTM", true)]
    [InlineData("LSTMP", false)] // proj_size
    [InlineData("LSTMP", true)]
    public void ForwardBackward_InBlocksOfRows_GivesTheUncutBits(string kind, bool packedSequence)
    {
        const int batch = 7, hidden = 40, inputSize = 24, seqLen = 9;
        RnnBase module = kind switch
        {
            "LSTM" => new Lstm(inputSize, hidden, numLayers: 2, bidirectional: true, generator: new Generator(3)),
            "LSTMP" => new Lstm(inputSize, hidden, numLayers: 2, bidirectional: true, projSize: 16, generator: new Generator(3)),
            "GRU" => new Gru(inputSize, hidden, numLayers: 2, bidirectional: true, generator: new Generator(3)),
            _ => new Rnn(inputSize, hidden, numLayers: 2, bidirectional: true, generator: new Generator(3)) { Kernel = RecurrentKernel.Packed },
        };
        Tensor padded = Torch.Rand([seqLen, batch, inputSize], new Generator(4));
        long[] lengths = [.. Enumerable.Range(0, batch).Select(b => 1L + ((b * 5) % seqLen))]; // unsorted, 1..9

        Tensor[] Run(int rowBlock)
        {
            PackedRecurrentLayer.t_testRowBlock = rowBlock;
            try
            {
                module.ZeroGrad();
                Tensor data, output, hN;
                if (packedSequence)
                {
                    PackedSequence packed = RnnUtils.PackPaddedSequence(padded, lengths, enforceSorted: false);
                    data = packed.Data.Detach().RequiresGrad_();
                    var input = new PackedSequence(data, packed.BatchSizes, packed.SortedIndices, packed.UnsortedIndices);
                    (output, hN) = module switch
                    {
                        Lstm l => l.Forward(input) is var r ? (r.Output.Data, r.HN) : default,
                        Gru g => g.Forward(input) is var r ? (r.Output.Data, r.HN) : default,
                        _ => ((Rnn)module).Forward(input) is var r ? (r.Output.Data, r.HN) : default,
                    };
                }
                else
                {
                    data = padded.Detach().RequiresGrad_();
                    (output, hN) = module switch
                    {
                        Lstm l => l.Forward(data) is var r ? (r.Output, r.HN) : default,
                        Gru g => g.Forward(data) is var r ? (r.Output, r.HN) : default,
                        _ => ((Rnn)module).Forward(data) is var r ? (r.Output, r.HN) : default,
                    };
                }

                Torch.Autograd.Backward(
                    [output, hN], [Torch.Rand(output.Shape.ToArray(), new Generator(5)), Torch.Rand(hN.Shape.ToArray(), new Generator(6))]);
                return [output, hN, data.Grad!, .. module.Parameters().Select(p => p.Grad!)];
            }
            finally
            {
                PackedRecurrentLayer.t_testRowBlock = 0;
            }
        }

        Tensor[] whole = Run(0);
        foreach (int rowBlock in new[] { 1, 3 })
        {
            Tensor[] blocks = Run(rowBlock);
            blocks.Should().HaveSameCount(whole);
            for (int i = 0; i < whole.Length; i++)
            {
                TensorAssert.BitEqual(blocks[i], whole[i], $"{kind}, blocks of {rowBlock} rows, result {i}");
            }
        }
    }
}
