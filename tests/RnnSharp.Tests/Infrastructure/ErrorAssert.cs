using System.Text.Json;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>Checks an error case recorded from torch: its message, the .NET exception type it maps to, and the parameter name.</summary>
internal static class ErrorAssert
{
    /// <summary>
    /// torch's IndexError (a dimension out of range) maps to <see cref="ArgumentOutOfRangeException"/>, ValueError and
    /// RuntimeError to <see cref="ArgumentException"/> (the out-of-range ones among them may be the derived type).
    /// </summary>
    public static void Matches(Action act, JsonElement c, string param)
    {
        string message = c.GetProperty("message").GetString()!;
        ArgumentException e = c.GetProperty("type").GetString() == "IndexError"
            ? act.Should().Throw<ArgumentOutOfRangeException>().Which
            : act.Should().Throw<ArgumentException>().Which;
        e.Message.Should().StartWith(message);
        e.ParamName.Should().Be(param);
    }
}
