using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Samples;

/// <summary>
/// The course's training lessons in C# (samples/HiHello, CharSeq, LongSeq, TimeSeries, Seq2Seq) print what PyTorch
/// printed for them (Fixtures/course/*.out), under the measured float32 rule of <see cref="CourseOutput"/>.
/// Seq2seq prints its average losses with 4 decimals, and PyTorch's float32 and float64 runs print the same text, so
/// the rule requires identical lines there: measured unrounded, those runs' averages differ by at most 4.7e-8 while
/// the nearest rounding boundary is 2.2e-6 away (0.74244781 at iteration 1000).
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class CourseSampleTests
{
    [Theory]
    [InlineData("HiHello", "lab11_2_hihello")]
    [InlineData("CharSeq", "lab11_3_charseq")]
    [InlineData("LongSeq", "lab11_4_longseq")]
    [InlineData("Seq2Seq", "lab11_6_seq2seq")]
    public void Sample_Run_PrintsWhatPyTorchPrints(string sample, string program)
    {
        string printed = SampleRunner.Run(sample);

        CourseOutput.AssertMatches(program, printed);
    }

    /// <summary>
    /// The PackedSequence lesson prints exactly what PyTorch printed, character for character: integer tensors,
    /// <c>torch.Size</c>, the <c>PackedSequence</c> line, and the RNN's outputs to 4 decimals (its init is PyTorch's
    /// bit for bit and no printed value lies near a rounding boundary, so there is no float32 latitude to allow).
    /// </summary>
    [Fact]
    public void PackedSequence_Run_PrintsExactlyWhatPyTorchPrints()
    {
        string printed = SampleRunner.Run("PackedSequence");

        string expected = File.ReadAllText(Path.Combine(Fixture.Directory, "course", "lab11_7_packed_sequence.out"));
        printed.ReplaceLineEndings("\n").Should().Be(expected.ReplaceLineEndings("\n"));
    }

    /// <summary>
    /// ExportModel trains hihello as the course does, saves it with Torch.Save, exports it to ONNX and runs it three ways:
    /// the trained model, the one reloaded from the .pt and ONNX Runtime all predict what PyTorch's run of the lesson
    /// predicted after its 100 steps (the last line of lab11_2_hihello.out), and the sample says they agree.
    /// </summary>
    [Fact]
    public void ExportModel_Run_AllThreeAgreeWithPyTorchsPrediction()
    {
        string folder = Directory.CreateTempSubdirectory("rnnsharp-export-test-").FullName;
        try
        {
            string[] printed = SampleRunner.Run("ExportModel", folder).ReplaceLineEndings("\n").Split('\n');

            string course = File.ReadAllLines(Path.Combine(Fixture.Directory, "course", "lab11_2_hihello.out"))[^1];
            string predicted = course[(course.LastIndexOf("prediction str:  ", StringComparison.Ordinal) + "prediction str:  ".Length)..];
            printed.Take(3).Select(line => line.Split("prediction str:  ")[1].Split(' ')[0]).Should().Equal(predicted, predicted, predicted);
            printed.Take(3).Should().NotContain(line => line.Contains("DIFFER", StringComparison.Ordinal));
            printed[3].Should().Be("All three agree.");
            File.Exists(Path.Combine(folder, "hihello.pt")).Should().BeTrue();
            File.Exists(Path.Combine(folder, "hihello.onnx")).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Timeseries prints its 500 losses as PyTorch does and leaves out the lines of build_dataset's
    /// <c>print(_x, "->", _y)</c>: NumPy's print of float64 arrays, which the sample does not reproduce. Those are the
    /// recorded lines that start with <c>[</c> or a space (NumPy's array rows); every loss line starts with its
    /// iteration number. It writes its plot where it is told: a temporary file here, not the repository.
    /// </summary>
    [Fact]
    public void TimeSeries_Run_PrintsWhatPyTorchPrintsAndWritesThePlot()
    {
        string plot = Path.Combine(Path.GetTempPath(), $"rnnsharp-timeseries-{Guid.NewGuid():N}.png");
        try
        {
            string printed = SampleRunner.Run("TimeSeries", plot);

            CourseOutput.AssertMatches("lab11_5_timeseries", printed, leftOut: line => line.StartsWith('[') || line.StartsWith(' '));
            byte[] png = File.ReadAllBytes(plot);
            png.AsSpan(0, 8).ToArray().Should().Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], "the plot is a PNG");
            int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
            int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4));
            (width, height).Should().Be((640, 480), "matplotlib's default figure is 6.4 x 4.8 inches at 100 dpi");
        }
        finally
        {
            File.Delete(plot);
        }
    }
}
