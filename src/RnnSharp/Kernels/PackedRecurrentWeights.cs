namespace RnnSharp.Kernels;

/// <summary>
/// The weights of one direction of one recurrent layer, packed for <see cref="PackedGemm"/>, with copies of the
/// biases: an immutable snapshot, safe to share between concurrent forward passes.
/// </summary>
/// <remarks>
/// <c>W_ih</c> <c>(G·H, I)</c> is packed whole, for the input projection of all steps. <c>W_hh</c> <c>(G·H, P)</c> is
/// packed gate block by gate block, each an <c>(H, P)</c> matrix of its own, so that the column panels of a step's
/// product cover the same hidden units in every gate whatever <c>H</c> is, and the cell's gate math can follow
/// each chunk of the product at once (small layers also keep it packed whole, <see cref="WeightHhWhole"/>). <c>W_hr</c> <c>(P, H)</c> (LSTM with <c>proj_size</c>) is packed whole.
/// </remarks>
internal sealed class PackedDirection
{
    /// <summary>
    /// Packs one direction's weights; <paramref name="packWhole"/> = false leaves out <see cref="WeightHhWhole"/> (for
    /// tests of the per-gate path). With <paramref name="recycled"/>, a retired snapshot's direction that nothing reads
    /// any more, its arrays are packed into again where their lengths fit instead of new ones allocated.
    /// </summary>
    public PackedDirection(
        int gates, Tensor weightIh, Tensor weightHh, Tensor? biasIh, Tensor? biasHh, Tensor? weightHr = null, bool packWhole = true,
        PackedDirection? recycled = null)
    {
        Gates = gates;
        HiddenSize = weightHh.Size(0) / gates;
        StateSize = weightHh.Size(1);
        InputSize = weightIh.Size(1);
        WeightIh = Reuse(recycled?.WeightIh, PackedGemm.PackedLength(GateColumns, InputSize));
        PackedGemm.Pack(weightIh.AsReadOnlySpan(), GateColumns, InputSize, WeightIh);
        int gateLength = PackedGemm.PackedLength(HiddenSize, StateSize);
        WeightHh = Reuse(recycled?.WeightHh, gates * gateLength);
        ReadOnlySpan<float> hh = weightHh.AsReadOnlySpan();
        for (int g = 0; g < gates; g++)
        {
            PackedGemm.Pack(hh.Slice(g * HiddenSize * StateSize, HiddenSize * StateSize), HiddenSize, StateSize, WeightHh.AsSpan(g * gateLength, gateLength));
        }

        WeightHhWhole = [];
        if (packWhole && gates > 1 && HiddenSize < PackedGemm.PanelWidth)
        {
            WeightHhWhole = Reuse(recycled?.WeightHhWhole, PackedGemm.PackedLength(GateColumns, StateSize));
            PackedGemm.Pack(hh, GateColumns, StateSize, WeightHhWhole);
        }

        WeightHr = [];
        if (weightHr is not null)
        {
            WeightHr = Reuse(recycled?.WeightHr, PackedGemm.PackedLength(StateSize, HiddenSize));
            PackedGemm.Pack(weightHr.AsReadOnlySpan(), StateSize, HiddenSize, WeightHr);
        }

        BiasIh = Copy(biasIh, recycled?.BiasIh);
        BiasHh = Copy(biasHh, recycled?.BiasHh);
    }

    /// <summary><c>G</c>: the number of gate blocks.</summary>
    public int Gates { get; }

    /// <summary><c>I</c>.</summary>
    public int InputSize { get; }

    /// <summary><c>H</c>.</summary>
    public int HiddenSize { get; }

    /// <summary><c>P</c>: the size of <c>h</c> (<c>proj_size</c> when positive, else <c>H</c>).</summary>
    public int StateSize { get; }

    /// <summary><c>G·H</c>.</summary>
    public int GateColumns => Gates * HiddenSize;

    /// <summary><c>W_ih</c> <c>(G·H, I)</c>, packed.</summary>
    public float[] WeightIh { get; }

    /// <summary><c>W_hh</c> <c>(G·H, P)</c>, packed per gate block.</summary>
    public float[] WeightHh { get; }

    /// <summary>
    /// <c>W_hh</c> packed whole, as <c>W_ih</c> is, when <c>H</c> is under one panel and there are several gates
    /// (else empty): a step's product is then one call instead of one per gate — one kernel call where each gate's
    /// panel would hold <c>H</c> real columns of 32. A step of such a layer is always a single chunk, and every
    /// element is the same chain of fused multiply-adds either way.
    /// </summary>
    public float[] WeightHhWhole { get; }

    /// <summary><c>W_hr</c> <c>(P, H)</c>, packed, or empty without projection.</summary>
    public float[] WeightHr { get; }

    /// <summary><c>b_ih</c> <c>(G·H)</c>, or empty without bias.</summary>
    public float[] BiasIh { get; }

    /// <summary><c>b_hh</c> <c>(G·H)</c>, or empty without bias.</summary>
    public float[] BiasHh { get; }

    /// <summary>A packed array of <paramref name="length"/> (the packing writes every element): <paramref name="old"/> when it has that length.</summary>
    private static float[] Reuse(float[]? old, int length) =>
        old is not null && old.Length == length ? old : GC.AllocateUninitializedArray<float>(length);

    private static float[] Copy(Tensor? bias, float[]? old)
    {
        if (bias is null)
        {
            return [];
        }

        float[] copy = Reuse(old, bias.NumElements);
        bias.AsReadOnlySpan().CopyTo(copy);
        return copy;
    }
}

/// <summary>The parameter views of one direction of one recurrent layer, as PyTorch registers them.</summary>
internal sealed record DirectionWeights(Tensor WeightIh, Tensor WeightHh, Tensor? BiasIh, Tensor? BiasHh, Tensor? WeightHr = null);

/// <summary>
/// All directions of all layers of a module, packed, with the parameter version they were packed from. Forward passes
/// lease the snapshot they run on (<see cref="Acquire"/>, <see cref="Release"/>); once the parameters have changed and
/// no pass holds it, the next packing retires it and packs into its arrays, so that a training loop, which changes
/// the parameters every step, does not allocate (and fault in) a new copy of every weight per step.
/// </summary>
internal sealed class PackedRecurrentWeights(int version, PackedDirection[] directions)
{
    /// <summary>The lease count of a retired snapshot: far enough below zero that no number of leases reaches zero.</summary>
    private const int Retired = int.MinValue / 2;

    private int _leases;

    /// <summary>
    /// <paramref name="packed"/> if it was packed from the parameters' current version, else <see langword="null"/>.
    /// Allocation-free: the hot path of every forward call.
    /// </summary>
    public static PackedRecurrentWeights? Current(PackedRecurrentWeights? packed, StorageVersion parameters) =>
        packed is not null && packed.Version == parameters.Value ? packed : null;

    /// <summary>
    /// The snapshot of the parameters' current version from <paramref name="cache"/>, packed (and published there) if
    /// it is stale, leased to the caller, who must <see cref="Release"/> it when its pass ends. A snapshot stays
    /// consistent while leased, even if the parameters change meanwhile.
    /// </summary>
    public static PackedRecurrentWeights Acquire(
        ref PackedRecurrentWeights? cache, StorageVersion parameters, int gates, IReadOnlyList<DirectionWeights> directions)
    {
        while (true)
        {
            PackedRecurrentWeights packed = Current(Volatile.Read(ref cache), parameters) ?? Pack(ref cache, parameters, gates, directions);
            if (Interlocked.Increment(ref packed._leases) > 0)
            {
                return packed;
            }

            // Retired between the read and the lease (another caller is packing into it): read the cache again.
            Interlocked.Decrement(ref packed._leases);
        }
    }

    /// <summary>
    /// Packs the given weights and publishes the snapshot to <paramref name="cache"/> — into the arrays of the stale
    /// snapshot found there when no pass holds it. The version is read before packing, so a write during packing
    /// makes the next call repack. Concurrent callers may each pack; every snapshot they publish is consistent.
    /// </summary>
    private static PackedRecurrentWeights Pack(
        ref PackedRecurrentWeights? cache, StorageVersion parameters, int gates, IReadOnlyList<DirectionWeights> directions)
    {
        int version = parameters.Value;
        PackedRecurrentWeights? stale = Volatile.Read(ref cache);
        PackedDirection[]? recycled = stale is not null && stale.Version != version
            && stale.Directions.Length == directions.Count
            && Interlocked.CompareExchange(ref stale._leases, Retired, 0) == 0 ? stale.Directions : null;
        var packedDirections = new PackedDirection[directions.Count];
        for (int i = 0; i < packedDirections.Length; i++)
        {
            DirectionWeights d = directions[i];
            packedDirections[i] = new PackedDirection(gates, d.WeightIh, d.WeightHh, d.BiasIh, d.BiasHh, d.WeightHr, recycled: recycled?[i]);
        }

        var packed = new PackedRecurrentWeights(version, packedDirections);
        Volatile.Write(ref cache, packed);
        return packed;
    }

    /// <summary>The <see cref="StorageVersion"/> value of the parameters when they were packed.</summary>
    public int Version { get; } = version;

    /// <summary>Indexed by <c>layer · D + direction</c>.</summary>
    public PackedDirection[] Directions { get; } = directions;

    /// <summary>Ends a lease taken by <see cref="Acquire"/>.</summary>
    public void Release() => Interlocked.Decrement(ref _leases);
}
