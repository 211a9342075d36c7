using System.Reflection;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>Runs a sample program (referenced by the test project) in this process and returns what it printed.</summary>
internal static class SampleRunner
{
    public static string Run(string assemblyName, params string[] args)
    {
        MethodInfo entryPoint = Assembly.Load(assemblyName).EntryPoint!;
        var output = new StringWriter { NewLine = "\n" };
        TextWriter original = Console.Out;
        Console.SetOut(output);
        try
        {
            entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [args]);
        }
        finally
        {
            Console.SetOut(original);
        }

        return output.ToString();
    }
}
