using System.IO.Compression;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.IO;

/// <summary>
/// Thousands of corrupted variants of valid weights files (bit flips, truncations, rewritten length fields,
/// damaged pickles), with fixed seeds: every outcome is a successful load or a <see cref="ModelFileException"/> —
/// never another exception, a crash or a hang.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 3000;

    [Theory]
    [InlineData("rnn_f32.safetensors", 1)]
    [InlineData("rnn_mixed.safetensors", 2)]
    public void SafeTensorsLoad_MutatedFile_SucceedsOrThrowsModelFileException(string file, int seed)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", file));
        var rng = new Random(seed);
        int refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = MutateSafeTensors(original, rng);
            refused += Outcome(() => SafeTensors.Load(new MemoryStream(mutated)), file, i, mutated);
        }

        refused.Should().BeGreaterThan(Iterations / 10, "most corruptions must be noticed");
    }

    [Theory]
    [InlineData("rnn_basic.pt", 3)]
    [InlineData("mixed_dtypes_and_views.pt", 4)]
    public void TorchLoad_MutatedArchive_SucceedsOrThrowsModelFileException(string file, int seed)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", file));
        var rng = new Random(seed);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            if (rng.Next(3) == 0)
            {
                mutated = mutated[..rng.Next(mutated.Length)];
            }
            else
            {
                FlipBits(mutated, rng, rng.Next(1, 4));
            }

            Outcome(() => Torch.Load(new MemoryStream(mutated)), file, i, mutated);
        }
    }

    [Theory]
    [InlineData("rnn_basic.pt", 5)]
    [InlineData("mixed_dtypes_and_views.pt", 6)]
    [InlineData("model_with_rnn_submodule.pt", 7)]
    public void TorchLoad_MutatedPickleInValidArchive_SucceedsOrThrowsModelFileException(string file, int seed)
    {
        // Re-zipping keeps the CRCs valid, so the damage reaches the unpickler itself.
        List<(string Name, byte[] Data)> entries = ReadZip(File.ReadAllBytes(Path.Combine(Fixture.Directory, "interop", file)));
        int pickleIndex = entries.FindIndex(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
        byte[] pickle = entries[pickleIndex].Data;
        var rng = new Random(seed);
        int refused = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] mutated = Mutate(pickle, rng);
            var variant = entries.ToList();
            variant[pickleIndex] = (variant[pickleIndex].Name, mutated);
            byte[] archive = TorchLoadTests.Zip([.. variant]);
            refused += Outcome(() => Torch.Load(new MemoryStream(archive)), file, i, mutated);
        }

        refused.Should().BeGreaterThan(Iterations / 10, "most corruptions must be noticed");
    }

    /// <summary>
    /// 0 for a successful load, 1 for a <see cref="ModelFileException"/> that says what is wrong. Any other exception
    /// fails the test, and so does a ModelFileException from the loaders' last-resort wrapper ("failed
    /// unexpectedly"): that wrapper protects users, but reaching it means a check is missing.
    /// </summary>
    internal static int Outcome(Func<TensorDictionary> load, string file, int iteration, byte[] input)
    {
        try
        {
            load();
            return 0;
        }
        catch (ModelFileException e) when (!e.Message.Contains("failed unexpectedly", StringComparison.Ordinal))
        {
            return 1;
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{file}, iteration {iteration}: {e.GetType().Name} escaped instead of a specific ModelFileException: {e.Message}\n" +
                $"input ({input.Length} bytes): {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256)))}\n{e}");
        }
    }

    /// <summary>A copy of <paramref name="original"/> with a few bits flipped, a byte replaced, a few bytes deleted, or its end cut off.</summary>
    internal static byte[] Mutate(byte[] original, Random rng)
    {
        byte[] mutated = (byte[])original.Clone();
        switch (rng.Next(4))
        {
            case 0:
                FlipBits(mutated, rng, rng.Next(1, 3));
                return mutated;
            case 1:
                return mutated[..rng.Next(mutated.Length)];
            case 2:
                mutated[rng.Next(mutated.Length)] = (byte)rng.Next(256);
                return mutated;
            default:
                int at = rng.Next(mutated.Length);
                return [.. mutated[..at], .. mutated[Math.Min(mutated.Length, at + rng.Next(1, 8))..]];
        }
    }

    private static byte[] MutateSafeTensors(byte[] original, Random rng)
    {
        byte[] mutated = (byte[])original.Clone();
        switch (rng.Next(4))
        {
            case 0:
                FlipBits(mutated, rng, rng.Next(1, 5));
                return mutated;
            case 1:
                return mutated[..rng.Next(mutated.Length)];
            case 2:
                // Rewrite the length field: near the true value, or anything.
                long length = BitConverter.ToInt64(mutated);
                long value = rng.Next(2) == 0 ? length + rng.Next(-16, 17) : rng.NextInt64();
                BitConverter.GetBytes(value).CopyTo(mutated, 0);
                return mutated;
            default:
                // Overwrite a header byte with JSON-significant characters.
                int headerLength = (int)Math.Min(BitConverter.ToInt64(original), original.Length - 8);
                const string Alphabet = "0123456789[]{}\",:-.eE \\";
                mutated[8 + rng.Next(headerLength)] = (byte)Alphabet[rng.Next(Alphabet.Length)];
                return mutated;
        }
    }

    private static void FlipBits(byte[] data, Random rng, int count)
    {
        for (int k = 0; k < count && data.Length > 0; k++)
        {
            data[rng.Next(data.Length)] ^= (byte)(1 << rng.Next(8));
        }
    }

    private static List<(string Name, byte[] Data)> ReadZip(byte[] archive)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var s = e.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return (e.FullName, m.ToArray());
        }).ToList();
    }
}
