using RnnSharp.Kernels;

namespace RnnSharp.Tests.Kernels;

/// <summary>
/// ChunkedGemm's transpose — 8 × 8 blocks in AVX registers, edges element by element — against the element-by-element
/// oracle, for shapes that are and are not multiples of 8, on the calling thread and with a helper team.
/// </summary>
public sealed class ChunkedGemmTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 9)]
    [InlineData(8, 8)]
    [InlineData(8, 64)]
    [InlineData(17, 33)]
    [InlineData(64, 40)]
    [InlineData(100, 1030)]
    [InlineData(1030, 100)]
    public void Transpose_AnyShape_EqualsElementByElementTranspose(int rows, int columns)
    {
        float[] source = SoftmaxKernelTests.Random(rows * columns, rows + columns, 4f);
        float[] expected = new float[rows * columns];
        ChunkedGemm.TransposeScalar(source, rows, columns, expected, 0, rows, 0, columns);

        foreach (bool withTeam in new[] { false, true })
        {
            float[] actual = new float[rows * columns];
            HelperTeam? team = withTeam ? HelperTeam.TryAcquire(1) : null;
            try
            {
                ChunkedGemm.Transpose(team, source, rows, columns, actual);
            }
            finally
            {
                team?.Release();
            }

            actual.Should().Equal(expected, $"team: {withTeam}");
        }

        // The oracle itself is the transpose.
        expected[(Math.Min(3, columns - 1) * rows) + Math.Min(5, rows - 1)].Should().Be(source[(Math.Min(5, rows - 1) * columns) + Math.Min(3, columns - 1)]);
    }
}
