namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// Sorts <paramref name="input"/> along <paramref name="dim"/>. Equivalent to
    /// <c>torch.sort(input, dim, descending, stable)</c>; see <see cref="RnnSharp.Tensor.Sort"/>.
    /// </summary>
    /// <param name="input">A float32 or int64 tensor.</param>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <param name="descending">Largest first.</param>
    /// <param name="stable"><see langword="true"/> keeps equal values in their original order; <see langword="null"/> is PyTorch's <c>stable</c> not passed.</param>
    /// <returns>The sorted values and their int64 indices.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public static SortResult Sort(Tensor input, int dim = -1, bool descending = false, bool? stable = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Sort(dim, descending, stable);
    }
}
