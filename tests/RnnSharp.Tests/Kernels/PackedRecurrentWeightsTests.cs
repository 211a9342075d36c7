using RnnSharp.Kernels;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// The packed-weight snapshots of a module: a snapshot a pass holds stays as it was packed, and a stale one nobody
/// holds is packed into again instead of allocating.
/// </summary>
public sealed class PackedRecurrentWeightsTests
{
    private const int Gates = 4, Hidden = 40, Input = 9;

    [Fact]
    public void Acquire_AfterTheStaleSnapshotWasReleased_PacksIntoItsArrays()
    {
        var (version, directions, weightHh) = Weights();
        PackedRecurrentWeights? cache = null;
        PackedRecurrentWeights first = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);
        float[] arrays = first.Directions[0].WeightHh;
        first.Release();

        WriteParameters(weightHh, version);
        PackedRecurrentWeights second = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);

        second.Should().NotBeSameAs(first);
        second.Directions[0].WeightHh.Should().BeSameAs(arrays);
        second.Directions[0].WeightHh.Should().Equal(Fresh(directions).WeightHh);
        second.Release();
    }

    [Fact]
    public void Acquire_WhileTheStaleSnapshotIsLeased_LeavesItAsPacked()
    {
        var (version, directions, weightHh) = Weights();
        PackedRecurrentWeights? cache = null;
        PackedRecurrentWeights first = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);
        float[] before = [.. first.Directions[0].WeightHh];

        WriteParameters(weightHh, version);
        PackedRecurrentWeights second = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);

        second.Directions[0].WeightHh.Should().NotBeSameAs(first.Directions[0].WeightHh);
        first.Directions[0].WeightHh.Should().Equal(before);
        second.Directions[0].WeightHh.Should().Equal(Fresh(directions).WeightHh);
        first.Release();
        second.Release();
    }

    [Fact]
    public void Acquire_CurrentSnapshot_IsSharedByConcurrentPasses()
    {
        var (version, directions, _) = Weights();
        PackedRecurrentWeights? cache = null;
        PackedRecurrentWeights first = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);
        PackedRecurrentWeights second = PackedRecurrentWeights.Acquire(ref cache, version, Gates, directions);

        second.Should().BeSameAs(first);
        first.Release();
        second.Release();
    }

    private static (StorageVersion Version, DirectionWeights[] Directions, Tensor WeightHh) Weights()
    {
        Torch.ManualSeed(7);
        Tensor weightIh = Torch.Rand([Gates * Hidden, Input]);
        Tensor weightHh = Torch.Rand([Gates * Hidden, Hidden]);
        Tensor biasIh = Torch.Rand([Gates * Hidden]);
        Tensor biasHh = Torch.Rand([Gates * Hidden]);
        return (new StorageVersion(), [new DirectionWeights(weightIh, weightHh, biasIh, biasHh)], weightHh);
    }

    private static void WriteParameters(Tensor weightHh, StorageVersion version)
    {
        Span<float> w = weightHh.AsSpan();
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = -w[i] - 1f;
        }

        version.Bump();
    }

    private static PackedDirection Fresh(DirectionWeights[] d) =>
        new(Gates, d[0].WeightIh, d[0].WeightHh, d[0].BiasIh, d[0].BiasHh);
}
