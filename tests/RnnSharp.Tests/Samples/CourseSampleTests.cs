using System.Reflection;

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
        string printed = Run(sample);

        CourseOutput.AssertMatches(program, printed);
    }

    /// <summary>Runs a sample's entry point in this process and returns what it printed.</summary>
    internal static string Run(string assemblyName)
    {
        MethodInfo entryPoint = Assembly.Load(assemblyName).EntryPoint!;
        var output = new StringWriter { NewLine = "\n" };
        TextWriter original = Console.Out;
        Console.SetOut(output);
        try
        {
            entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(original);
        }

        return output.ToString();
    }
}
