using System.Globalization;

namespace RnnSharp;

public static partial class Torch
{
    private static readonly Lock _printOptionsLock = new();
    private static RnnSharp.PrintOptions _printOptions = RnnSharp.PrintOptions.Default;

    /// <summary>
    /// The options <see cref="RnnSharp.Tensor.ToString"/> prints with (PyTorch's <c>torch._tensor_str.PRINT_OPTS</c>):
    /// an immutable snapshot, safe to read from any thread.
    /// </summary>
    public static RnnSharp.PrintOptions PrintOptions => Volatile.Read(ref _printOptions);

    /// <summary>
    /// Sets the options for printing tensors. Equivalent to <c>torch.set_printoptions(precision, threshold, edgeitems,
    /// linewidth, profile, sci_mode)</c>: the <paramref name="profile"/>, if any, is applied first, then every other
    /// argument that is not <see langword="null"/>; <paramref name="sciMode"/> is always set, so leaving it out
    /// restores automatic notation, as in PyTorch. <c>SetPrintOptions(profile: PrintProfile.Default)</c> restores the defaults.
    /// </summary>
    /// <param name="precision">The number of digits after the decimal point (default 4).</param>
    /// <param name="threshold">Tensors with more elements than this are summarised (default 1000); <see cref="double.PositiveInfinity"/> never summarises.</param>
    /// <param name="edgeItems">The number of items shown at each end of a summarised dimension (default 3).</param>
    /// <param name="linewidth">The number of characters per line before rows wrap (default 80).</param>
    /// <param name="profile">A preset applied before the other arguments: <see cref="PrintProfile.Default"/>, <see cref="PrintProfile.Short"/> or <see cref="PrintProfile.Full"/>.</param>
    /// <param name="sciMode"><see langword="true"/> forces scientific notation, <see langword="false"/> forbids it, <see langword="null"/> lets the values decide.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="precision"/> or <paramref name="edgeItems"/> is negative, <paramref name="linewidth"/> is not
    /// positive, <paramref name="threshold"/> is NaN, or <paramref name="profile"/> is not a defined profile.
    /// </exception>
    public static void SetPrintOptions(
        int? precision = null,
        double? threshold = null,
        int? edgeItems = null,
        int? linewidth = null,
        PrintProfile? profile = null,
        bool? sciMode = null)
    {
        if (precision < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(precision), precision, string.Create(CultureInfo.InvariantCulture, $"Expected a non-negative precision, but got {precision}."));
        }

        if (threshold is double t && double.IsNaN(t))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Expected a threshold that is a number or infinity, but got NaN.");
        }

        if (edgeItems < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(edgeItems), edgeItems, string.Create(CultureInfo.InvariantCulture, $"Expected a non-negative number of edge items, but got {edgeItems}."));
        }

        if (linewidth <= 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(linewidth), linewidth, string.Create(CultureInfo.InvariantCulture, $"Expected a positive line width, but got {linewidth}."));
        }

        RnnSharp.PrintOptions? preset = profile is { } p ? RnnSharp.PrintOptions.ForProfile(p) : null;
        lock (_printOptionsLock)
        {
            RnnSharp.PrintOptions current = preset ?? _printOptions;
            Volatile.Write(ref _printOptions, current with
            {
                Precision = precision ?? current.Precision,
                Threshold = threshold ?? current.Threshold,
                EdgeItems = edgeItems ?? current.EdgeItems,
                Linewidth = linewidth ?? current.Linewidth,
                SciMode = sciMode,
            });
        }
    }
}
