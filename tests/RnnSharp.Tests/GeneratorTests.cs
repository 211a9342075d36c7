using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Torch.ManualSeed and Generator reproduce PyTorch's mt19937 stream and float32 uniform draws bit for bit.</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class GeneratorTests
{
    public static TheoryData<long> RandSeeds()
    {
        var data = new TheoryData<long>();
        foreach (var c in Fixture.Cases("rnn_init.json").Where(c => c.GetProperty("kind").GetString() == "rand"))
        {
            data.Add(c.GetProperty("seed").GetInt64());
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RandSeeds))]
    public void Rand_AfterManualSeed_MatchesPyTorchBits(long seed)
    {
        var c = Fixture.Cases("rnn_init.json").Single(c => c.GetProperty("kind").GetString() == "rand" && c.GetProperty("seed").GetInt64() == seed);

        Torch.ManualSeed(seed);
        Tensor actual = Torch.Rand([1000]);

        TensorAssert.BitEqual(actual, Fixture.ReadTensor(c.GetProperty("rand")));
    }

    [Theory]
    [MemberData(nameof(RandSeeds))]
    public void Rand_WithExplicitGenerator_MatchesPyTorchBitsAndLeavesGlobalAlone(long seed)
    {
        var c = Fixture.Cases("rnn_init.json").Single(c => c.GetProperty("kind").GetString() == "rand" && c.GetProperty("seed").GetInt64() == seed);
        Torch.ManualSeed(seed);
        var generator = new Generator(c.GetProperty("generator_seed").GetInt64());

        Tensor actual = Torch.Rand([3, 4], generator);
        Tensor global = Torch.Rand([1000]);

        TensorAssert.BitEqual(actual, Fixture.ReadTensor(c.GetProperty("generator_rand")));
        TensorAssert.BitEqual(global, Fixture.ReadTensor(c.GetProperty("rand")), "the global generator was not advanced");
    }

    [Theory]
    [InlineData(0L, 0UL)]
    [InlineData(42L, 42UL)]
    [InlineData(-1L, ulong.MaxValue)]
    public void InitialSeed_AfterManualSeed_ReportsSeedAsPyTorchDoes(long seed, ulong expected)
    {
        Torch.ManualSeed(seed);

        Torch.InitialSeed().Should().Be(expected);
    }

    [Fact]
    public void Constructor_NoSeed_UsesPyTorchDefaultSeed()
    {
        new Generator().InitialSeed().Should().Be(67280421310721UL);
    }

    [Fact]
    public void ManualSeed_SameSeedTwice_RestartsTheStream()
    {
        var generator = new Generator(5);
        Tensor first = Torch.Rand([10], generator);

        generator.ManualSeed(5).Should().BeSameAs(generator);
        Tensor second = Torch.Rand([10], generator);

        TensorAssert.BitEqual(second, first);
    }
}

/// <summary>Tests that seed or draw from the global generator run one at a time.</summary>
[CollectionDefinition(nameof(GlobalGenerator), DisableParallelization = true)]
public sealed class GlobalGenerator;
