using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>Graph recording for <see cref="Rnn"/>: when a forward call records, and what it records.</summary>
public sealed partial class Rnn
{
    /// <summary>Whether a forward call must record a graph: grad mode is on and the input, h0 or a parameter requires grad.</summary>
    private bool MustRecord(Tensor input, Tensor? h0)
    {
        if (!GradMode.IsEnabled)
        {
            return false;
        }

        if (input.RequiresGrad || (h0?.RequiresGrad ?? false))
        {
            return true;
        }

        foreach (DirectionWeights w in _weights)
        {
            if (w.WeightIh.RequiresGrad || w.WeightHh.RequiresGrad || (w.BiasIh?.RequiresGrad ?? false) || (w.BiasHh?.RequiresGrad ?? false))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The forward pass that keeps what back-propagation through time needs (every layer's states and dropout
    /// masks, in the node) and makes output and h_n outputs 0 and 1 of one <see cref="RnnBackward"/>. PyTorch names
    /// their grad_fn after the op that produced each last (recorded from torch 1.13: unbatched input → both
    /// <c>SqueezeBackward1</c>; batch-first → output <c>TransposeBackward1</c>; bidirectional → output
    /// <c>CatBackward0</c>; h_n otherwise <c>StackBackward0</c>); where h_n's name differs from output's, h_n gets a
    /// pass-through node of that name in front of output 1.
    /// </summary>
    private void ForwardRecording(Tensor input, Tensor? h0, ForwardShape shape, Tensor output, Tensor hN)
    {
        string outputName = !shape.Batched ? "SqueezeBackward1" : BatchFirst ? "TransposeBackward1" : Bidirectional ? "CatBackward0" : "StackBackward0";
        string hNName = !shape.Batched ? "SqueezeBackward1" : "StackBackward0";
        var node = new RnnBackward(outputName, this, input, h0, shape.SeqLen, shape.Batch, DropsOut, Kernel.UsesPacked(HiddenSize));
        try
        {
            Run(input.AsReadOnlyMemory(), h0 is null ? default : h0.AsReadOnlyMemory(), shape.SeqLen, shape.Batch, output.AsMemory(), hN.AsSpan(), node);
        }
        catch
        {
            node.ReturnBuffers();
            throw;
        }

        output.SetGradFn(node, 0);
        hN.SetGradFn(node, 1);
        if (hNName != outputName)
        {
            hN.SetGradFn(new PassThroughBackward(hNName, hN));
        }
    }

    /// <summary>The parameters of direction <paramref name="index"/> (<c>layer · D + direction</c>).</summary>
    internal DirectionWeights WeightsOf(int index) => _weights[index];
}
