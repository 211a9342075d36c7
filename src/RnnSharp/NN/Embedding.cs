using System.Globalization;
using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Equivalent to <c>torch.nn.Embedding</c>: a lookup table that maps each integer index to a row of
/// <see cref="Weight"/>.
/// </summary>
/// <remarks>
/// <para>
/// Shapes use PyTorch's letters: the input is an int64 tensor of indices of any shape <c>(*)</c>, each in
/// <c>[0, num_embeddings)</c>; the output is <c>(*, H)</c> with <c>H = embedding_dim</c>, the rows
/// <c>output[i…] = weight[input[i…]]</c>. <see cref="Weight"/> is <c>(num_embeddings, H)</c>, registered as
/// <c>weight</c>.
/// </para>
/// <para>
/// Initialised as PyTorch 1.13's <c>reset_parameters</c>: <c>normal_(weight)</c> (<c>N(0, 1)</c>, drawn as PyTorch's
/// CPU generator draws it, so every parameter drawn afterwards is PyTorch's bit for bit; see
/// <see cref="Torch.Randn"/>), then the <c>padding_idx</c> row set to zeros. The forward pass records
/// <c>EmbeddingBackward0</c>: the weight's gradient adds each output-gradient row into the row its index picked; the
/// <c>padding_idx</c> row gets none, so it stays fixed during training.
/// </para>
/// <para>Not supported: PyTorch's <c>max_norm</c>, <c>norm_type</c>, <c>scale_grad_by_freq</c> and <c>sparse</c> options.</para>
/// </remarks>
public sealed class Embedding : Module
{
    /// <summary>
    /// Creates the table. Equivalent to <c>torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx)</c>.
    /// </summary>
    /// <param name="numEmbeddings">The number of rows: indices lie in <c>[0, num_embeddings)</c>.</param>
    /// <param name="embeddingDim">H, the length of each row.</param>
    /// <param name="paddingIdx">
    /// The row that is initialised to zeros and gets no gradient; negative values count from the end, as in PyTorch
    /// (<c>-1</c> is row <c>num_embeddings − 1</c>).
    /// </param>
    /// <param name="generator">The generator the initial weight is drawn from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="paddingIdx"/> is outside <c>[−num_embeddings, num_embeddings)</c> (PyTorch: <c>Padding_idx must be within num_embeddings</c>),
    /// or is 0 for a table with no rows (<c>index 0 is out of bounds for dimension 0 with size 0</c>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// A size is negative (PyTorch: <c>Trying to create tensor with negative dimension -1: [-1, 3]</c>).
    /// </exception>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null)
        : this(numEmbeddings, paddingIdx, () => NewWeight(numEmbeddings, embeddingDim))
    {
        ResetParameters(generator);
    }

    private Embedding(int numEmbeddings, int? paddingIdx, Func<Parameter> weight)
    {
        PaddingIdx = NormalizePaddingIdx(paddingIdx, numEmbeddings);
        Weight = weight();
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = Weight.Shape[1];
        RegisterParameter("weight", Weight);
    }

    /// <summary>The number of rows. Equivalent to <c>embedding.num_embeddings</c>.</summary>
    public int NumEmbeddings { get; }

    /// <summary>H, the length of each row. Equivalent to <c>embedding.embedding_dim</c>.</summary>
    public int EmbeddingDim { get; }

    /// <summary>
    /// The row that gets no gradient, normalised to <c>[0, num_embeddings)</c>, or <see langword="null"/>. Equivalent to
    /// <c>embedding.padding_idx</c>.
    /// </summary>
    public int? PaddingIdx { get; }

    /// <summary>The table <c>(num_embeddings, H)</c>. Equivalent to <c>embedding.weight</c>.</summary>
    public Parameter Weight { get; }

    /// <inheritdoc/>
    protected override string TypeName => "Embedding";

    /// <summary>
    /// Creates a table holding <paramref name="embeddings"/>. Equivalent to
    /// <c>torch.nn.Embedding.from_pretrained(embeddings, freeze, padding_idx)</c>: the weight shares the tensor's
    /// storage (no copy), nothing is drawn from a generator, and the <c>padding_idx</c> row is left as it is (it only
    /// gets no gradient).
    /// </summary>
    /// <param name="embeddings">The rows, a float32 tensor <c>(num_embeddings, H)</c>.</param>
    /// <param name="freeze">Whether the weight is fixed (<c>requires_grad = False</c>), as by default in PyTorch.</param>
    /// <param name="paddingIdx">The row that gets no gradient; negative values count from the end.</param>
    /// <returns>The new module.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="embeddings"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="embeddings"/> is not 2-D (PyTorch: <c>Embeddings parameter is expected to be 2-dimensional</c>).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="paddingIdx"/> is outside <c>[−num_embeddings, num_embeddings)</c> (PyTorch: <c>Padding_idx must be within num_embeddings</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="embeddings"/> is an int64 tensor and <paramref name="freeze"/> is <see langword="false"/>.</exception>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Shape.Length != 2)
        {
            ThrowHelper.ThrowEmbeddingsNot2D(nameof(embeddings));
        }

        return new Embedding(embeddings.Shape[0], paddingIdx, () => new Parameter(embeddings, requiresGrad: !freeze));
    }

    /// <summary>
    /// Draws a new weight as PyTorch 1.13's <c>Embedding.reset_parameters()</c> does: <see cref="Init.Normal"/>
    /// (<c>N(0, 1)</c>), then zeros in the <see cref="PaddingIdx"/> row.
    /// </summary>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The table has no rows and <see cref="PaddingIdx"/> is 0 (PyTorch: <c>index 0 is out of bounds for dimension 0 with size 0</c>).
    /// </exception>
    public void ResetParameters(Generator? generator = null)
    {
        Tensor weight = Weight.Data;
        Init.Normal(weight, generator: generator);
        if (PaddingIdx is int padding)
        {
            if (padding >= NumEmbeddings)
            {
                // Only padding_idx = 0 with no rows gets here (the constructor checks the rest), as in PyTorch.
                ThrowHelper.ThrowIndexOutOfBounds(padding, 0, NumEmbeddings, "paddingIdx"); // the constructor's argument
            }

            weight.AsSpan().Slice(padding * EmbeddingDim, EmbeddingDim).Clear();
        }
    }

    /// <summary>
    /// Looks up the rows. Equivalent to <c>embedding(input)</c>. Records <c>EmbeddingBackward0</c> when grad mode is on
    /// and the weight requires grad.
    /// </summary>
    /// <param name="indices">The indices <c>(*)</c>: an int64 tensor of any shape (0-d included), each in <c>[0, num_embeddings)</c>.</param>
    /// <returns>The rows <c>(*, H)</c>, a new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="indices"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="indices"/> is a float32 tensor (PyTorch: <c>Expected tensor for argument #1 'indices' to have one
    /// of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)</c>).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An index is negative or not below num_embeddings (PyTorch's <c>IndexError: index out of range in self</c>, as
    /// <see cref="Tensor.IndexSelect"/> reports it).
    /// </exception>
    public Tensor Forward(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.DType != DType.Int64)
        {
            ThrowHelper.ThrowEmbeddingIndexType(nameof(indices));
        }

        ReadOnlySpan<long> values = indices.AsReadOnlyInt64Span();
        int[] positions = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if ((ulong)values[i] >= (ulong)NumEmbeddings)
            {
                ThrowHelper.ThrowIndexSelectRange(nameof(indices)); // the same IndexError as index_select's
            }

            positions[i] = (int)values[i];
        }

        // (*) indices → (*, H) rows of the (num_embeddings, H) weight.
        int[] outputShape = [.. indices.Shape, EmbeddingDim];
        Tensor output = Tensor.Empty(outputShape);
        GatherKernel.Gather(Weight.AsReadOnlySpan(), 1, NumEmbeddings, EmbeddingDim, positions, output.AsSpan());
        if (Tensor.MustRecord(Weight))
        {
            output.SetGradFn(new EmbeddingBackward(Weight, positions, PaddingIdx) { Indices = indices });
        }

        return output;
    }

    /// <inheritdoc/>
    protected override string ExtraRepr() => PaddingIdx is int padding
        ? string.Create(CultureInfo.InvariantCulture, $"{NumEmbeddings}, {EmbeddingDim}, padding_idx={padding}")
        : string.Create(CultureInfo.InvariantCulture, $"{NumEmbeddings}, {EmbeddingDim}");

    /// <summary>PyTorch's checks and normalisation of <c>padding_idx</c>: negative values count from the end.</summary>
    private static int? NormalizePaddingIdx(int? paddingIdx, int numEmbeddings)
    {
        if (paddingIdx is not int padding)
        {
            return null;
        }

        if ((padding > 0 && padding >= numEmbeddings) || (padding < 0 && padding < -numEmbeddings))
        {
            ThrowHelper.ThrowPaddingIdxRange(padding, nameof(paddingIdx));
        }

        return padding < 0 ? numEmbeddings + padding : padding;
    }

    /// <summary>A fresh weight <c>(num_embeddings, H)</c> (uninitialised: <see cref="ResetParameters"/> fills it).</summary>
    private static Parameter NewWeight(int numEmbeddings, int embeddingDim)
    {
        int[] shape = [numEmbeddings, embeddingDim];
        for (int d = 0; d < 2; d++)
        {
            if (shape[d] < 0)
            {
                ThrowHelper.ThrowNegativeDimension(shape, d, d == 0 ? nameof(numEmbeddings) : nameof(embeddingDim));
            }
        }

        return new Parameter(Tensor.Empty(shape));
    }
}
