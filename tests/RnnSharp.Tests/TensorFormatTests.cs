using System.Diagnostics;
using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>
/// Tests that change the global print options. They run in this collection, which runs alone, so that no other
/// test prints while the options are not the defaults.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalPrintOptions
{
    /// <summary>The collection's name.</summary>
    public const string Name = "PrintOptions";
}

/// <summary>Tensor.ToString and Parameter.ToString print what PyTorch prints (tensor_str.json), under every recorded print option.</summary>
[Collection(GlobalPrintOptions.Name)]
public sealed class TensorFormatTests
{
    private const string File = "tensor_str.json";

    public static TheoryData<string> DefaultOptionCases() => Fixture.Names(File, c => !IsParameter(c) && !HasPrintOptions(c));

    public static TheoryData<string> PrintOptionCases() => Fixture.Names(File, c => !IsParameter(c) && HasPrintOptions(c));

    public static TheoryData<string> ParameterCases() => Fixture.Names(File, IsParameter);

    [Theory]
    [MemberData(nameof(DefaultOptionCases))]
    public void ToString_PyTorchRecordedCase_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor tensor = Fixture.ReadTensor(c.GetProperty("tensor"));

        string text = tensor.ToString();

        text.Should().Be(c.GetProperty("str").GetString(), $"case {name}, shape {tensor.Size()}");
    }

    [Theory]
    [MemberData(nameof(PrintOptionCases))]
    public void ToString_WithRecordedPrintOptions_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Tensor tensor = Fixture.ReadTensor(c.GetProperty("tensor"));

        string text = WithRecordedOptions(c, tensor.ToString);

        text.Should().Be(c.GetProperty("str").GetString(), $"case {name}, options {c.GetProperty("print_options")}");
        Torch.PrintOptions.Should().Be(PrintOptions.Default, "the options are restored after each case");
    }

    [Theory]
    [MemberData(nameof(ParameterCases))]
    public void ParameterToString_PyTorchRecordedCase_MatchesPyTorchRepr(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        var parameter = new Parameter(Fixture.ReadTensor(c.GetProperty("tensor")));

        string text = WithRecordedOptions(c, parameter.ToString);

        text.Should().Be(c.GetProperty("str").GetString(), $"case {name}");
    }

    [Fact]
    public void ParameterToString_NotRequiringGrad_PrintsLikeTheTensor()
    {
        var tensor = new Tensor([0.5f, -1.25f], 2);
        var parameter = new Parameter(tensor, requiresGrad: false);

        parameter.ToString().Should().Be("Parameter containing:\n" + tensor);
    }

    [Fact]
    public void ToString_OneMillionElements_PrintsAndMeasuresOnlyTheSummarisedCorners()
    {
        float[] data = new float[1_000_000];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = i * 0.25f;
        }

        var big = new Tensor(data, 1000, 1000);

        // A 7x7 tensor whose corners are the big tensor's printed corners and whose middle row and column
        // (never printed, never measured) hold values that would change the notation if they were looked at.
        int[] rows = [0, 1, 2, -1, 997, 998, 999];
        float[] corners = new float[49];
        for (int r = 0; r < 7; r++)
        {
            for (int k = 0; k < 7; k++)
            {
                corners[(r * 7) + k] = rows[r] < 0 || rows[k] < 0 ? 1e-30f : data[(rows[r] * 1000) + rows[k]];
            }
        }

        var stopwatch = Stopwatch.StartNew();
        string text = big.ToString();
        stopwatch.Stop();

        string cornerText = WithOptions(() => new Tensor(corners, 7, 7).ToString(), threshold: 48);
        text.Should().Be(cornerText);
        text.Should().Contain("...");
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "only the 36 printed elements are formatted");
    }

    [Fact]
    public void SetPrintOptions_Profile_SetsThePresetThenTheOverrides()
    {
        try
        {
            Torch.SetPrintOptions(profile: PrintProfile.Short, precision: 3, sciMode: true);

            Torch.PrintOptions.Should().Be(PrintOptions.Default with { Precision = 3, EdgeItems = 2, SciMode = true });

            Torch.SetPrintOptions(profile: PrintProfile.Full);

            Torch.PrintOptions.Should().Be(PrintOptions.Default with { Threshold = double.PositiveInfinity });
        }
        finally
        {
            Torch.SetPrintOptions(profile: PrintProfile.Default);
        }

        Torch.PrintOptions.Should().Be(PrintOptions.Default);
    }

    [Fact]
    public void SetPrintOptions_WithoutProfile_KeepsOtherOptionsButAlwaysSetsSciMode()
    {
        try
        {
            Torch.SetPrintOptions(precision: 6, linewidth: 120, sciMode: false);
            Torch.SetPrintOptions(edgeItems: 5);

            Torch.PrintOptions.Should().Be(PrintOptions.Default with { Precision = 6, Linewidth = 120, EdgeItems = 5, SciMode = null });
        }
        finally
        {
            Torch.SetPrintOptions(profile: PrintProfile.Default);
        }
    }

    [Theory]
    [InlineData("precision", -1)]
    [InlineData("edgeItems", -2)]
    [InlineData("linewidth", 0)]
    [InlineData("linewidth", -80)]
    public void SetPrintOptions_OutOfRangeArgument_ThrowsNamingExpectedAndGot(string parameter, int value)
    {
        Action set = parameter switch
        {
            "precision" => () => Torch.SetPrintOptions(precision: value),
            "edgeItems" => () => Torch.SetPrintOptions(edgeItems: value),
            _ => () => Torch.SetPrintOptions(linewidth: value),
        };

        set.Should().Throw<ArgumentOutOfRangeException>()
            .Where(e => e.ParamName == parameter && e.Message.Contains("Expected", StringComparison.Ordinal)
                && e.Message.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Torch.PrintOptions.Should().Be(PrintOptions.Default, "a rejected call changes nothing");
    }

    [Fact]
    public void SetPrintOptions_NaNThreshold_Throws()
    {
        Action set = () => Torch.SetPrintOptions(threshold: double.NaN);

        set.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "threshold" && e.Message.Contains("NaN", StringComparison.Ordinal));
        Torch.PrintOptions.Should().Be(PrintOptions.Default);
    }

    [Fact]
    public void SetPrintOptions_UndefinedProfile_Throws()
    {
        Action set = () => Torch.SetPrintOptions(profile: (PrintProfile)7);

        set.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "profile");
        Torch.PrintOptions.Should().Be(PrintOptions.Default);
    }

    private static bool IsParameter(JsonElement c) => c.TryGetProperty("parameter", out JsonElement p) && p.GetBoolean();

    private static bool HasPrintOptions(JsonElement c) => c.TryGetProperty("print_options", out _);

    /// <summary>Calls <paramref name="print"/> under the case's print_options (torch.set_printoptions kwargs), then restores the defaults.</summary>
    internal static string WithRecordedOptions(JsonElement c, Func<string> print)
    {
        if (!c.TryGetProperty("print_options", out JsonElement options))
        {
            return print();
        }

        int? precision = null, edgeItems = null, linewidth = null;
        double? threshold = null;
        PrintProfile? profile = null;
        bool? sciMode = null;
        foreach (JsonProperty option in options.EnumerateObject())
        {
            JsonElement v = option.Value;
            switch (option.Name)
            {
                case "precision": precision = v.GetInt32(); break;
                case "edgeitems": edgeItems = v.GetInt32(); break;
                case "linewidth": linewidth = v.GetInt32(); break;
                case "threshold": threshold = v.ValueKind == JsonValueKind.Number ? v.GetDouble() : Fixture.ReadFloat(v); break;
                case "sci_mode": sciMode = v.ValueKind == JsonValueKind.Null ? null : v.GetBoolean(); break;
                case "profile":
                    profile = v.GetString() switch
                    {
                        "default" => PrintProfile.Default,
                        "short" => PrintProfile.Short,
                        "full" => PrintProfile.Full,
                        var s => throw new FormatException($"Unknown profile {s}"),
                    };
                    break;
                default: throw new FormatException($"Unknown print option {option.Name}");
            }
        }

        return WithOptions(print, precision, threshold, edgeItems, linewidth, profile, sciMode);
    }

    private static string WithOptions(
        Func<string> print,
        int? precision = null,
        double? threshold = null,
        int? edgeItems = null,
        int? linewidth = null,
        PrintProfile? profile = null,
        bool? sciMode = null)
    {
        Torch.SetPrintOptions(precision, threshold, edgeItems, linewidth, profile, sciMode);
        try
        {
            return print();
        }
        finally
        {
            Torch.SetPrintOptions(profile: PrintProfile.Default);
        }
    }
}
