using System.Globalization;
using System.Text;

namespace RnnSharp;

/// <summary>
/// The options that decide how <see cref="Tensor.ToString"/> prints: the counterpart of PyTorch's
/// <c>torch._tensor_str.PRINT_OPTS</c>. Read the current ones from <see cref="Torch.PrintOptions"/> and change them
/// with <see cref="Torch.SetPrintOptions(int?, double?, int?, int?, PrintProfile?, bool?)"/>; an instance is an
/// immutable snapshot.
/// </summary>
public sealed record PrintOptions
{
    /// <summary>Creates PyTorch's default options.</summary>
    internal PrintOptions()
    {
    }

    /// <summary>PyTorch's defaults: precision 4, threshold 1000, 3 edge items, line width 80, automatic scientific notation.</summary>
    public static PrintOptions Default { get; } = new();

    /// <summary>The number of digits after the decimal point (PyTorch's <c>precision</c>, default 4).</summary>
    public int Precision { get; internal init; } = 4;

    /// <summary>
    /// Tensors with more elements than this are summarised with <c>...</c> (PyTorch's <c>threshold</c>, default 1000;
    /// <see cref="double.PositiveInfinity"/> never summarises).
    /// </summary>
    public double Threshold { get; internal init; } = 1000;

    /// <summary>The number of items shown at the start and at the end of each summarised dimension (PyTorch's <c>edgeitems</c>, default 3).</summary>
    public int EdgeItems { get; internal init; } = 3;

    /// <summary>The number of characters per line before rows wrap (PyTorch's <c>linewidth</c>, default 80).</summary>
    public int Linewidth { get; internal init; } = 80;

    /// <summary>
    /// <see langword="true"/> forces scientific notation, <see langword="false"/> forbids it, and <see langword="null"/>
    /// (the default) lets the values decide, as PyTorch does (PyTorch's <c>sci_mode</c>).
    /// </summary>
    public bool? SciMode { get; internal init; }

    /// <summary>The options a profile sets, with <see cref="SciMode"/> unset.</summary>
    internal static PrintOptions ForProfile(PrintProfile profile) => profile switch
    {
        PrintProfile.Default => Default,
        PrintProfile.Short => new PrintOptions { Precision = 2, EdgeItems = 2 },
        PrintProfile.Full => new PrintOptions { Threshold = double.PositiveInfinity },
        _ => throw new ArgumentOutOfRangeException(
            nameof(profile), profile, $"Expected PrintProfile.Default, Short or Full, but got {(int)profile}."),
    };

    /// <summary>Writes the members with the invariant culture (threshold as <c>1000</c> or <c>Infinity</c>).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Precision = {Precision}, Threshold = {Threshold}, EdgeItems = {EdgeItems}, ")
            .Append(CultureInfo.InvariantCulture, $"Linewidth = {Linewidth}, SciMode = {(SciMode is { } s ? PyFormat.Repr(s) : "None")}");
        return true;
    }
}
