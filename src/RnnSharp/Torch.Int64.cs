namespace RnnSharp;

/// <summary>Int64 factories: <c>torch.tensor</c> of Python ints, <c>torch.LongTensor</c>, <c>torch.arange</c>, <c>torch.zeros(..., dtype=torch.int64)</c>.</summary>
public static partial class Torch
{
    /// <summary>Copies a vector of longs into a new 1-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(data.Length)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(long[] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a matrix of longs into a new 2-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(long[,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a 3-D array of longs into a new 3-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the array's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(long[,,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies nested rows of longs into a new 2-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows differ in length (PyTorch: <c>expected sequence of length 2 at dim 1 (got 1)</c>).</exception>
    public static Tensor Tensor(long[][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a nested array of longs into a new 3-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the nesting's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The nesting is ragged (PyTorch: <c>expected sequence of length 2 at dim 2 (got 1)</c>).</exception>
    public static Tensor Tensor(long[][][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a vector of ints into a new 1-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <remarks>
    /// As in PyTorch, integer data makes an int64 tensor: <c>Torch.Tensor([1, 0, 2])</c> (a collection of <see cref="int"/>
    /// literals binds to this overload) is <c>torch.tensor([1, 0, 2])</c>. Where a course builds float tensors from int lists
    /// (<c>torch.Tensor(x_one_hot)</c>), add <see cref="RnnSharp.Tensor.Float"/>; <c>torch.Tensor(y_data).long()</c> ports as
    /// <c>Torch.Tensor(yData).Long()</c>.
    /// </remarks>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(data.Length)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(int[] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a matrix of ints into a new 2-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(int[,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a 3-D array of ints into a new 3-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the array's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor Tensor(int[,,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies nested rows of ints into a new 2-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows differ in length (PyTorch: <c>expected sequence of length 2 at dim 1 (got 1)</c>).</exception>
    public static Tensor Tensor(int[][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a nested array of ints into a new 3-D int64 tensor. Equivalent to <c>torch.tensor(data)</c> on Python ints.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the nesting's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The nesting is ragged (PyTorch: <c>expected sequence of length 2 at dim 2 (got 1)</c>).</exception>
    public static Tensor Tensor(int[][][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a vector of longs into a new 1-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(data.Length)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(long[] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a matrix of longs into a new 2-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(long[,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a 3-D array of longs into a new 3-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the array's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(long[,,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies nested rows of longs into a new 2-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows differ in length (PyTorch: <c>expected sequence of length 2 at dim 1 (got 1)</c>).</exception>
    public static Tensor LongTensor(long[][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a nested array of longs into a new 3-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the nesting's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The nesting is ragged (PyTorch: <c>expected sequence of length 2 at dim 2 (got 1)</c>).</exception>
    public static Tensor LongTensor(long[][][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a vector of ints into a new 1-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(data.Length)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(int[] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a matrix of ints into a new 2-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(int[,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a 3-D array of ints into a new 3-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the array's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> is <see langword="null"/>.</exception>
    public static Tensor LongTensor(int[,,] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies nested rows of ints into a new 2-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(rows, columns)</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The rows differ in length (PyTorch: <c>expected sequence of length 2 at dim 1 (got 1)</c>).</exception>
    public static Tensor LongTensor(int[][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>Copies a nested array of ints into a new 3-D int64 tensor. Equivalent to <c>torch.LongTensor(data)</c>.</summary>
    /// <param name="data">The elements, every level rectangular.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of the nesting's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or one of its parts is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The nesting is ragged (PyTorch: <c>expected sequence of length 2 at dim 2 (got 1)</c>).</exception>
    public static Tensor LongTensor(int[][][] data) => TensorFromArray.CreateInt64(data, nameof(data));

    /// <summary>
    /// Returns <c>[0, 1, ..., end - 1]</c> as an int64 vector. Equivalent to <c>torch.arange(end)</c> with an integer
    /// <paramref name="end"/>.
    /// </summary>
    /// <param name="end">The exclusive upper bound; 0 gives an empty tensor.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of shape <c>(max(end, 0))</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="end"/> is negative (PyTorch: <c>upper bound and larger bound inconsistent with step sign</c>).</exception>
    public static Tensor Arange(long end) => Arange(0, end, 1);

    /// <summary>
    /// Returns <c>start, start + step, ...</c> up to (excluding) <paramref name="end"/> as an int64 vector.
    /// Equivalent to <c>torch.arange(start, end, step)</c> with integer arguments.
    /// </summary>
    /// <param name="start">The first value.</param>
    /// <param name="end">The exclusive bound.</param>
    /// <param name="step">The difference between neighbours; negative steps count down.</param>
    /// <returns>A new <see cref="DType.Int64"/> tensor of <c>ceil((end - start) / step)</c> elements.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="step"/> is 0 (<c>step must be nonzero</c>), or <paramref name="end"/> lies on the other side of
    /// <paramref name="start"/> from where <paramref name="step"/> goes (<c>upper bound and larger bound inconsistent with step sign</c>).
    /// </exception>
    public static Tensor Arange(long start, long end, long step = 1)
    {
        if (step == 0)
        {
            ThrowHelper.ThrowArangeStepZero(nameof(step));
        }

        if ((step > 0 && end < start) || (step < 0 && end > start))
        {
            ThrowHelper.ThrowArangeStepSign(nameof(end));
        }

        // ceil((end - start) / step) in 128 bits, so that no bound overflows.
        Int128 span = (Int128)end - start;
        Int128 count = (span + step + (step > 0 ? -1 : 1)) / step;
        if (count > int.MaxValue)
        {
            ThrowHelper.ThrowArangeTooLong(count, nameof(end));
        }

        long[] values = new long[(int)count];
        long value = start;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = value;
            value = unchecked(value + step);
        }

        return RnnSharp.Tensor.FromInt64(values, [values.Length]);
    }

    /// <summary>
    /// Returns a tensor of the given shape and dtype filled with zeros. Equivalent to <c>torch.zeros(*shape, dtype=dtype)</c>.
    /// </summary>
    /// <param name="shape">The length of each dimension.</param>
    /// <param name="dtype"><see cref="DType.Float32"/> or <see cref="DType.Int64"/>.</param>
    /// <returns>A new zero-filled tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is not a defined <see cref="DType"/>.</exception>
    public static Tensor Zeros(int[] shape, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return dtype switch
        {
            DType.Float32 => RnnSharp.Tensor.Zeros(shape),
            DType.Int64 => RnnSharp.Tensor.FromInt64(new long[ShapeMath.CheckedNumel(shape, nameof(shape))], (int[])shape.Clone()),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Expected DType.Float32 or DType.Int64."),
        };
    }
}
