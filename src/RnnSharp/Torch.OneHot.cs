namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// One-hot encodes class indices: <c>result[..., c] = 1</c> where <c>c = indices[...]</c>, 0 elsewhere. Equivalent
    /// to <c>torch.nn.functional.one_hot(indices, num_classes)</c>: int64 in, int64 of shape <c>(*, num_classes)</c>
    /// out (use <see cref="RnnSharp.Tensor.Float"/> for an RNN's input, as PyTorch's <c>.float()</c>).
    /// </summary>
    /// <param name="indices">An int64 tensor of class values in <c>[0, numClasses)</c>, any shape.</param>
    /// <param name="numClasses">The number of classes; -1 infers it as the largest value plus one.</param>
    /// <returns>A new int64 tensor with one more dimension, of length <paramref name="numClasses"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="indices"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="indices"/> is not int64 (PyTorch: <c>one_hot is only applicable to index tensor.</c>), holds a
    /// negative value (<c>Class values must be non-negative.</c>) or one not below <paramref name="numClasses"/>
    /// (<c>Class values must be smaller than num_classes.</c>), or is empty with <paramref name="numClasses"/> not positive
    /// (<c>Can not infer total number of classes from empty tensor.</c>).
    /// </exception>
    public static Tensor OneHot(Tensor indices, int numClasses = -1)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.DType != DType.Int64)
        {
            ThrowHelper.ThrowOneHotDType(nameof(indices));
        }

        ReadOnlySpan<long> values = indices.AsReadOnlyInt64Span();
        if (values.IsEmpty && numClasses <= 0)
        {
            ThrowHelper.ThrowOneHotInferEmpty(nameof(numClasses));
        }

        long min = long.MaxValue;
        long max = long.MinValue;
        foreach (long v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        // ATen's order: negative values first, then the class count (inferred, or checked against the values).
        if (!values.IsEmpty && min < 0)
        {
            ThrowHelper.ThrowOneHotNegative(nameof(indices));
        }

        long classes = numClasses == -1 ? max + 1 : numClasses;
        if (!values.IsEmpty && classes <= max)
        {
            ThrowHelper.ThrowOneHotTooLarge(nameof(numClasses));
        }

        int n = checked((int)classes);
        int[] shape = [.. indices.Shape, n];
        long[] result = new long[ShapeMath.CheckedNumel(shape, nameof(numClasses))];
        for (int i = 0; i < values.Length; i++)
        {
            result[(i * n) + (int)values[i]] = 1;
        }

        return RnnSharp.Tensor.FromInt64(result, shape);
    }
}
