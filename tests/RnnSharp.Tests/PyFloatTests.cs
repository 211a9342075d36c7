using System.Globalization;
using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// PyFloat.Repr gives Python's <c>repr(float)</c> exactly, for the doubles in float_repr.json (each group: IEEE-754
/// bits and the string CPython printed); PyFloat.Fixed gives Python's <c>"{:.Nf}"</c> exactly, for the doubles in
/// py_fixed.json (ties, float32 losses, rounding boundaries, specials).
/// </summary>
public sealed class PyFloatTests
{
    private const string File = "float_repr.json";
    private const string FixedFile = "py_fixed.json";

    public static TheoryData<string> Groups() => Fixture.Names(File);

    public static TheoryData<string> FixedGroups() => Fixture.Names(FixedFile);

    [Theory]
    [MemberData(nameof(FixedGroups))]
    public void Fixed_RecordedDoubles_MatchPython(string name)
    {
        JsonElement c = Fixture.Case(FixedFile, name);
        string[] bits = c.GetProperty("bits").EnumerateArray().Select(b => b.GetString()!).ToArray();

        var mismatches = new List<string>();
        int checkedCount = 0;
        foreach (JsonProperty precision in c.GetProperty("fixed").EnumerateObject())
        {
            int p = int.Parse(precision.Name, CultureInfo.InvariantCulture);
            string[] expected = precision.Value.EnumerateArray().Select(r => r.GetString()!).ToArray();
            for (int i = 0; i < bits.Length; i++)
            {
                double value = BitConverter.Int64BitsToDouble(long.Parse(bits[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                string actual = PyFloat.Fixed(value, p);
                checkedCount++;
                if (actual != expected[i])
                {
                    mismatches.Add($"{bits[i]} at precision {p}: expected {expected[i]}, got {actual}");
                }
            }
        }

        mismatches.Should().BeEmpty($"{checkedCount} values in group {name}; first mismatches: {string.Join("; ", mismatches.Take(5))}");
        checkedCount.Should().BePositive();
    }

    [Fact]
    public void Fixed_NegativePrecision_Throws()
    {
        Action act = () => PyFloat.Fixed(1.0, -1);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("precision");
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Repr_RecordedDoubles_MatchPython(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        string[] bits = c.GetProperty("bits").EnumerateArray().Select(b => b.GetString()!).ToArray();
        string[] expected = c.GetProperty("repr").EnumerateArray().Select(r => r.GetString()!).ToArray();

        var mismatches = new List<string>();
        for (int i = 0; i < bits.Length; i++)
        {
            double value = BitConverter.Int64BitsToDouble(long.Parse(bits[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            string actual = PyFloat.Repr(value);
            if (actual != expected[i])
            {
                mismatches.Add($"{bits[i]}: expected {expected[i]}, got {actual}");
            }
        }

        mismatches.Should().BeEmpty($"{bits.Length} values in group {name}; first mismatches: {string.Join("; ", mismatches.Take(5))}");
        bits.Length.Should().BePositive();
    }

    [Fact]
    public void Repr_Float32Argument_WidensLikePythonsItem()
    {
        // The first value of float32_loss_like.
        float loss = BitConverter.Int32BitsToSingle(0x3FCD6906);
        string python = Fixture.Cases(File)
            .SelectMany(c => c.GetProperty("bits").EnumerateArray().Zip(c.GetProperty("repr").EnumerateArray()))
            .First(p => p.First.GetString() == BitConverter.DoubleToInt64Bits(loss).ToString("x16", CultureInfo.InvariantCulture))
            .Second.GetString()!;

        PyFloat.Repr(loss).Should().Be(python).And.NotBe(PyFormat.Repr(loss), "a float argument is widened, not printed as a float literal");
    }
}
