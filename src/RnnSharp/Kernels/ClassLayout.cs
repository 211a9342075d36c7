namespace RnnSharp.Kernels;

/// <summary>
/// The layout of a classification loss's input: <c>(N, C, d1, d2, …)</c> viewed as <c>(batch, classes, inner)</c>
/// with <c>inner = d1·d2·…</c> (1 for an <c>(N, C)</c> input), row-major. Targets of class indices are
/// <c>(batch, inner)</c>, one per <see cref="Count"/>.
/// </summary>
/// <param name="Batch">N.</param>
/// <param name="Classes">C, the size of dimension 1.</param>
/// <param name="Inner">The product of the dimensions after the class dimension.</param>
internal readonly record struct ClassLayout(int Batch, int Classes, int Inner)
{
    /// <summary>How many targets (and unreduced losses) there are: <c>batch · inner</c>.</summary>
    public int Count => Batch * Inner;

    /// <summary>The flat index of target <paramref name="position"/>'s class <paramref name="c"/> in the input.</summary>
    public int Offset(int position, int c)
    {
        int n = Math.DivRem(position, Inner, out int k);
        return (((n * Classes) + c) * Inner) + k;
    }
}
