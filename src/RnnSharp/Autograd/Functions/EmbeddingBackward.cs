using RnnSharp.Kernels;

namespace RnnSharp.Autograd;

/// <summary>
/// <c>EmbeddingBackward0</c>: the gradient of the weight <c>(num_embeddings, embedding_dim)</c> is zeros with each
/// row of the output gradient <c>(*, embedding_dim)</c> added to the row its index picked, in index order (as ATen's
/// <c>embedding_dense_backward_cpu</c> adds them); the <c>padding_idx</c> row gets nothing.
/// </summary>
internal sealed class EmbeddingBackward : Node
{
    private readonly int _numEmbeddings;
    private readonly int _embeddingDim;
    private readonly int[] _positions;
    private readonly int? _paddingIdx;

    /// <param name="weight">The weight the rows were picked from.</param>
    /// <param name="positions">The indices, flattened and checked to lie in <c>[0, num_embeddings)</c>; owned by the node.</param>
    /// <param name="paddingIdx">The row that gets no gradient, already normalised to <c>[0, num_embeddings)</c>.</param>
    public EmbeddingBackward(Tensor weight, int[] positions, int? paddingIdx)
    {
        _numEmbeddings = weight.Shape[0];
        _embeddingDim = weight.Shape[1];
        _positions = positions;
        _paddingIdx = paddingIdx;
        SetInputs(weight);
    }

    public override string Name => "EmbeddingBackward0";

    /// <summary>The int64 index tensor the forward looked up (for an export; the node never reads it).</summary>
    internal Tensor? Indices { get; init; }

    internal override Tensor?[] Backward(Tensor?[] gradOutputs)
    {
        if (!NeedsInputGrad(0))
        {
            return [null];
        }

        // gradOutputs[0]: (*, embedding_dim), one row per index. Result: (num_embeddings, embedding_dim).
        Tensor gradWeight = Tensor.Zeros(_numEmbeddings, _embeddingDim);
        Span<float> destination = gradWeight.AsSpan();
        GatherKernel.ScatterAdd(gradOutputs[0]!.AsReadOnlySpan(), 1, _numEmbeddings, _embeddingDim, _positions, destination);
        if (_paddingIdx is int padding)
        {
            destination.Slice(padding * _embeddingDim, _embeddingDim).Clear();
        }

        return [gradWeight];
    }
}
