using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Samples;

/// <summary>
/// The comparison of <see cref="CourseOutput"/> accepts PyTorch's own printed run and rejects what a wrong sample
/// would print: a changed loss, a changed translation, a missing or an extra line.
/// </summary>
public sealed class CourseOutputTests
{
    private static readonly Func<string, bool> NumpyLines = line => line.StartsWith('[') || line.StartsWith(' ');

    [Fact]
    public void AssertMatches_PyTorchsOwnRunWithoutNumpyLines_Passes()
    {
        string printed = string.Join("\n", Recorded("lab11_5_timeseries").Where(line => !NumpyLines(line)));

        Action act = () => CourseOutput.AssertMatches("lab11_5_timeseries", printed, NumpyLines);

        act.Should().NotThrow();
    }

    [Fact]
    public void AssertMatches_NumpyLinesPrintedToo_Fails()
    {
        string printed = string.Join("\n", Recorded("lab11_5_timeseries"));

        Action act = () => CourseOutput.AssertMatches("lab11_5_timeseries", printed, NumpyLines);

        act.Should().Throw<Exception>();
    }

    [Fact]
    public void AssertMatches_LossOffByMoreThanTheMeasuredSensitivity_Fails()
    {
        string[] lines = [.. Recorded("lab11_5_timeseries").Where(line => !NumpyLines(line))];
        // PyTorch printed 0.0012749054003506899; this is 1e-7 off. Allowed: twice the largest float32-vs-float64
        // difference of the run so far (1.17e-8, reached by iteration 10) plus 4 ulp, about 2.4e-8.
        lines[^1] = "499 0.0012750054003506899";

        Action act = () => CourseOutput.AssertMatches("lab11_5_timeseries", string.Join("\n", lines), NumpyLines);

        act.Should().Throw<Xunit.Sdk.XunitException>().WithMessage("*line 500*");
    }

    [Theory]
    [InlineData("[5000 - 100.0%] loss = 0.0125", "[5000 - 100.0%] loss = 0.0126")]
    [InlineData("< 나는 배가 고프다. <EOS>", "< 나는 배가 <EOS>")]
    public void AssertMatches_Seq2SeqLineChanged_Fails(string recorded, string changed)
    {
        string[] lines = Recorded("lab11_6_seq2seq");
        int at = Array.IndexOf(lines, recorded);
        at.Should().BeGreaterThanOrEqualTo(0);
        lines[at] = changed;

        Action act = () => CourseOutput.AssertMatches("lab11_6_seq2seq", string.Join("\n", lines));

        act.Should().Throw<Xunit.Sdk.XunitException>().WithMessage($"*line {at + 1}*");
    }

    private static string[] Recorded(string program) =>
        File.ReadAllText(Path.Combine(Fixture.Directory, "course", program + ".out")).TrimEnd('\n').Split('\n');
}
