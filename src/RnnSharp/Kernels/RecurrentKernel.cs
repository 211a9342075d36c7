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

/// <summary>How <see cref="RecurrentKernel"/> resolves for a given layer size.</summary>
internal static class RecurrentKernels
{
    /// <summary>Below this hidden size the packed kernels' 32-wide panels are mostly padding.</summary>
    private const int PackedMinHiddenSize = 8;

    /// <summary>Whether <paramref name="kernel"/> means the packed kernels for a layer of <paramref name="hiddenSize"/>.</summary>
    public static bool UsesPacked(this RecurrentKernel kernel, int hiddenSize) => kernel switch
    {
        RecurrentKernel.Reference => false,
        RecurrentKernel.Packed => true,
        _ => hiddenSize >= PackedMinHiddenSize,
    };
}
