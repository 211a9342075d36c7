namespace RnnSharp.Kernels;

/// <summary>Which implementation runs the recurrent layers.</summary>
internal enum RecurrentKernel
{
    /// <summary>The packed kernels where they pay off, the reference otherwise.</summary>
    Auto,

    /// <summary>Row-by-row dot products: the oracle the fast kernels are tested against.</summary>
    Reference,

    /// <summary><see cref="PackedGemm"/>-based kernels.</summary>
    Packed,
}
