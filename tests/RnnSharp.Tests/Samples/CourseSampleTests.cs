using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Samples;

/// <summary>
/// The course's training lessons in C# (samples/HiHello, CharSeq, LongSeq) print what PyTorch printed for them
/// (Fixtures/course/*.out), under the measured float32 rule of <see cref="CourseOutput"/>.
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class CourseSampleTests
{
    [Theory]
    [InlineData("HiHello", "lab11_2_hihello")]
    [InlineData("CharSeq", "lab11_3_charseq")]
    [InlineData("LongSeq", "lab11_4_longseq")]
    public void Sample_Run_PrintsWhatPyTorchPrints(string sample, string program)
    {
        string printed = SampleRunner.Run(sample);

        CourseOutput.AssertMatches(program, printed);
    }
}
