using System.Globalization;

namespace RnnSharp;

/// <summary>
/// Where a pickled tensor (<c>_rebuild_tensor_v2(storage, offset, size, stride, ...)</c>) lies in its storage, checked
/// once for the zip and the legacy checkpoint readers: non-negative sizes, strides and offset, at most 64
/// dimensions, an element count an array can hold, and (unless the tensor is empty, which PyTorch accepts at any
/// offset) every element inside the storage.
/// </summary>
/// <param name="Offset">The storage offset of the first element.</param>
/// <param name="Shape">The size of each dimension.</param>
/// <param name="Stride">The stride of each dimension, in elements.</param>
/// <param name="Numel">The number of elements.</param>
internal sealed record TensorGeometry(long Offset, int[] Shape, long[] Stride, long Numel)
{
    /// <summary>Whether the elements are consecutive in the storage, in row-major order.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Stride[d] != expected)
                {
                    return false;
                }

                expected *= Shape[d];
            }

            return true;
        }
    }

    /// <summary>A key naming this view of a storage (offset, shape and strides), for sharing what was made for it.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Offset}|{string.Join(",", Shape)}|{string.Join(",", Stride)}");

    /// <summary>The view's description for budget errors.</summary>
    public string Describe(string storageKey, long storageNumel) => string.Create(CultureInfo.InvariantCulture,
        $"a copy of the tensor of shape {ShapeMath.Format(Shape)} (strides [{string.Join(", ", Stride)}], offset {Offset}) viewing storage '{storageKey}' of {storageNumel} elements");

    /// <summary>Checks the offset, size and stride arguments of a tensor over a storage of <paramref name="storageNumel"/> elements.</summary>
    /// <exception cref="ModelFileException">They are not integers of the right kinds, or reach past the storage.</exception>
    public static TensorGeometry Parse(object? offsetArg, object? sizeArg, object? strideArg, long storageNumel)
    {
        if (offsetArg is not long offset || sizeArg is not object?[] sizes || strideArg is not object?[] strides || sizes.Length != strides.Length)
        {
            throw Invalid("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        }

        if (sizes.Length > 64)
        {
            throw Invalid($"a tensor has {sizes.Length} dimensions");
        }

        int[] shape = new int[sizes.Length];
        long[] stride = new long[sizes.Length];
        long numel = 1;
        long lastIndex = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            if (sizes[d] is not long size || size < 0 || size > int.MaxValue || strides[d] is not long step || step < 0)
            {
                throw Invalid("a tensor's size and stride must be non-negative integers");
            }

            shape[d] = (int)size;
            stride[d] = step;
            numel = size == 0 || numel == 0 ? 0 : checked(numel * size);
            if (numel > Array.MaxLength)
            {
                throw Invalid($"a tensor of shape {ShapeMath.Format(shape.AsSpan(0, d + 1))}... holds too many elements");
            }

            if (size > 0)
            {
                lastIndex = checked(lastIndex + ((size - 1) * step));
            }
        }

        if (offset < 0)
        {
            throw Invalid($"a tensor has the negative storage offset {offset}");
        }

        // An empty tensor touches no element, so PyTorch accepts any offset for it; so does RnnSharp.
        if (numel > 0 && lastIndex >= storageNumel)
        {
            throw Invalid($"a tensor of shape {ShapeMath.Format(shape)} at offset {offset} with strides [{string.Join(", ", stride)}] reaches past its storage of {storageNumel} elements");
        }

        return new TensorGeometry(offset, shape, stride, numel);
    }

    /// <summary>
    /// The view of <paramref name="source"/> (a storage, or a storage view starting at <paramref name="baseOffset"/>)
    /// as a dense array in row-major order.
    /// </summary>
    public T[] Gather<T>(T[] source, long baseOffset = 0)
    {
        var destination = new T[Numel];
        int[] index = new int[Shape.Length];
        for (int i = 0; i < destination.Length; i++)
        {
            long at = baseOffset + Offset;
            for (int d = 0; d < Shape.Length; d++)
            {
                at += index[d] * Stride[d];
            }

            destination[i] = source[at];
            Advance(index, Shape);
        }

        return destination;
    }

    /// <summary>Steps a row-major multi-index to the next element.</summary>
    public static void Advance(int[] index, int[] shape)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d])
            {
                return;
            }

            index[d] = 0;
        }
    }

    private static ModelFileException Invalid(string detail) => new($"Not a valid PyTorch checkpoint: {detail}.");
}
