using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>
/// Reads the PyTorch-recorded fixtures in <c>Fixtures/</c> (written by <c>Fixtures/record_fixtures.py</c>).
/// Every float is read as a float32 directly from its shortest round-trip text, so values are exact.
/// </summary>
internal static class Fixture
{
    public const int SupportedFormatVersion = 1;

    private static readonly ConcurrentDictionary<string, JsonDocument> Documents = new();

    /// <summary>The directory holding the fixture files next to the test assembly.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    /// <summary>The parsed fixture file, checked for the format version this reader understands.</summary>
    public static JsonElement Root(string file)
    {
        JsonDocument doc = Documents.GetOrAdd(file, f =>
        {
            string path = Path.Combine(Directory, f);
            var parsed = JsonDocument.Parse(File.ReadAllBytes(path));
            int version = parsed.RootElement.GetProperty("header").GetProperty("format_version").GetInt32();
            if (version != SupportedFormatVersion)
            {
                throw new InvalidOperationException($"{f}: format_version {version}, this reader understands {SupportedFormatVersion}.");
            }

            return parsed;
        });
        return doc.RootElement;
    }

    /// <summary>All cases of a fixture file.</summary>
    public static IEnumerable<JsonElement> Cases(string file) => Root(file).GetProperty("cases").EnumerateArray();

    /// <summary>The case whose "name" is <paramref name="name"/>.</summary>
    public static JsonElement Case(string file, string name) =>
        Cases(file).Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>The case names of a file, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Names(string file, Func<JsonElement, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Cases(file))
        {
            if (where is null || where(c))
            {
                data.Add(c.GetProperty("name").GetString()!);
            }
        }

        return data;
    }

    /// <summary>A float32 written as a JSON number, or as "nan", "inf", "-inf".</summary>
    public static float ReadFloat(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => float.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.String => e.GetString() switch
        {
            "nan" => float.NaN,
            "inf" => float.PositiveInfinity,
            "-inf" => float.NegativeInfinity,
            var s => throw new FormatException($"Not a float: {s}"),
        },
        _ => throw new FormatException($"Not a float: {e}"),
    };

    /// <summary>A tensor written as {"shape": [...], "data": [...]}.</summary>
    public static Tensor ReadTensor(JsonElement e)
    {
        int[] shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        float[] data = e.GetProperty("data").EnumerateArray().Select(ReadFloat).ToArray();
        return new Tensor(data, shape);
    }

    /// <summary>A tensor property that may be null.</summary>
    public static Tensor? ReadOptionalTensor(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out JsonElement e) && e.ValueKind != JsonValueKind.Null ? ReadTensor(e) : null;

    /// <summary>A state dict written as a list of {"name", "tensor"} in registration order.</summary>
    public static List<KeyValuePair<string, Tensor>> ReadStateDictEntries(JsonElement e) =>
        e.EnumerateArray()
            .Select(p => new KeyValuePair<string, Tensor>(p.GetProperty("name").GetString()!, ReadTensor(p.GetProperty("tensor"))))
            .ToList();

    /// <summary>A state dict as an ordered dictionary.</summary>
    public static IReadOnlyDictionary<string, Tensor> ReadStateDict(JsonElement e)
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (KeyValuePair<string, Tensor> p in ReadStateDictEntries(e))
        {
            dict.Add(p.Key, p.Value);
        }

        return dict;
    }
}
