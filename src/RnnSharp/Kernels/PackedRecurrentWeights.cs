namespace RnnSharp.Kernels;

/// <summary>
/// The weights of one direction of one recurrent layer, packed for <see cref="PackedGemm"/>, with copies of the
/// biases: an immutable snapshot, safe to share between concurrent forward passes.
/// </summary>
internal sealed class PackedDirection
{
    public PackedDirection(Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh)
    {
        HiddenSize = weightHh.Size(0);
        InputSize = weightIh.Size(1);
        WeightIh = new float[PackedGemm.PackedLength(HiddenSize, InputSize)];
        WeightHh = new float[PackedGemm.PackedLength(HiddenSize, HiddenSize)];
        PackedGemm.Pack(weightIh.AsReadOnlySpan(), HiddenSize, InputSize, WeightIh);
        PackedGemm.Pack(weightHh.AsReadOnlySpan(), HiddenSize, HiddenSize, WeightHh);
        BiasIh = biasIh?.ToArray() ?? [];
        BiasHh = biasHh?.ToArray() ?? [];
    }

    public int InputSize { get; }

    public int HiddenSize { get; }

    /// <summary><c>W_ih</c> <c>(H, I)</c>, packed.</summary>
    public float[] WeightIh { get; }

    /// <summary><c>W_hh</c> <c>(H, H)</c>, packed.</summary>
    public float[] WeightHh { get; }

    /// <summary><c>b_ih</c> <c>(H)</c>, or empty without bias.</summary>
    public float[] BiasIh { get; }

    /// <summary><c>b_hh</c> <c>(H)</c>, or empty without bias.</summary>
    public float[] BiasHh { get; }
}

/// <summary>All directions of all layers of a module, packed, with the parameter version they were packed from.</summary>
internal sealed class PackedRecurrentWeights(int version, PackedDirection[] directions)
{
    /// <summary>
    /// <paramref name="packed"/> if it was packed from the parameters' current version, else <see langword="null"/>.
    /// Allocation-free: the hot path of every forward call.
    /// </summary>
    public static PackedRecurrentWeights? Current(PackedRecurrentWeights? packed, StorageVersion parameters) =>
        packed is not null && packed.Version == parameters.Value ? packed : null;

    /// <summary>
    /// Packs the given weights and publishes the snapshot to <paramref name="cache"/>. The version is read before
    /// packing, so a write during packing makes the next call repack. Concurrent callers may each pack; every
    /// snapshot they publish is consistent.
    /// </summary>
    public static PackedRecurrentWeights Pack(
        ref PackedRecurrentWeights? cache, StorageVersion parameters, IReadOnlyList<(Tensor WeightIh, Tensor WeightHh, Tensor? BiasIh, Tensor? BiasHh)> directions)
    {
        int version = parameters.Value;
        var packedDirections = new PackedDirection[directions.Count];
        for (int i = 0; i < packedDirections.Length; i++)
        {
            var (weightIh, weightHh, biasIh, biasHh) = directions[i];
            packedDirections[i] = new PackedDirection(weightIh, weightHh, biasIh, biasHh);
        }

        var packed = new PackedRecurrentWeights(version, packedDirections);
        Volatile.Write(ref cache, packed);
        return packed;
    }

    /// <summary>The <see cref="StorageVersion"/> value of the parameters when they were packed.</summary>
    public int Version { get; } = version;

    /// <summary>Indexed by <c>layer · D + direction</c>.</summary>
    public PackedDirection[] Directions { get; } = directions;
}
