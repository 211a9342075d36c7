using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>
/// A preset of print options, the <c>profile</c> argument of <c>torch.set_printoptions</c>; see
/// <see cref="Torch.SetPrintOptions(int?, double?, int?, int?, PrintProfile?, bool?)"/>.
/// </summary>
public enum PrintProfile
{
    /// <summary>PyTorch's defaults: precision 4, threshold 1000, 3 edge items, line width 80.</summary>
    Default,

    /// <summary>Precision 2, threshold 1000, 2 edge items, line width 80.</summary>
    [SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "PyTorch's profile is named 'short'.")]
    Short,

    /// <summary>Precision 4, no summarisation (threshold infinity), 3 edge items, line width 80.</summary>
    Full,
}
