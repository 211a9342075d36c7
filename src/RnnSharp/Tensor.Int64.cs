using System.Numerics.Tensors;

namespace RnnSharp;

/// <summary>
/// Int64 tensors (PyTorch's <c>torch.long</c>): class-index targets, sort and argmax indices, lengths.
/// </summary>
/// <remarks>
/// Design: the dtype lives on <see cref="Tensor"/> itself, as in PyTorch, rather than in a second tensor type, so
/// that APIs that take "a tensor" (a loss target, an index, a printed value) take either kind and fail with PyTorch's
/// dtype error where PyTorch does. An int64 tensor keeps its elements in a separate <c>long[]</c>; the float32
/// paths read <c>_storage</c> exactly as before, after one null check, so integer support costs them nothing measurable.
/// </remarks>
public partial class Tensor
{
    /// <summary>The elements of an int64 tensor in row-major order, over its own storage (no copy).</summary>
    /// <returns>A span of <see cref="NumElements"/> elements; writing to it changes the tensor.</returns>
    /// <exception cref="InvalidOperationException">The tensor is float32 (PyTorch: <c>expected scalar type Long but found Float</c>).</exception>
    public Span<long> AsInt64Span()
    {
        CheckInt64();
        _version.Bump();
        return _int64.AsSpan(_offset, _numel);
    }

    /// <summary>The elements of an int64 tensor as a read-only span over its storage (no copy).</summary>
    /// <returns>A read-only span of <see cref="NumElements"/> elements.</returns>
    /// <exception cref="InvalidOperationException">The tensor is float32.</exception>
    public ReadOnlySpan<long> AsReadOnlyInt64Span()
    {
        CheckInt64();
        return new(_int64, _offset, _numel);
    }

    /// <summary>
    /// An int64 view of <paramref name="shape"/> over <paramref name="storage"/> from <paramref name="offset"/>, counting
    /// its writes in <paramref name="version"/>; the shape array is owned by the view. The caller guarantees the range fits.
    /// </summary>
    internal static Tensor Int64ViewOf(long[] storage, int offset, int[] shape, StorageVersion version)
    {
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        return new Tensor(storage, offset, shape, numel, version);
    }

    /// <summary>The int64 elements as read-only memory over the storage (no copy), for work spread over threads.</summary>
    internal ReadOnlyMemory<long> AsReadOnlyInt64Memory()
    {
        CheckInt64();
        return new(_int64, _offset, _numel);
    }

    /// <summary>Returns the value of a one-element int64 tensor. Equivalent to <c>tensor.item()</c> on a <c>torch.long</c> tensor.</summary>
    /// <returns>The single element.</returns>
    /// <exception cref="InvalidOperationException">The tensor is float32 or does not have exactly one element.</exception>
    public long Int64Item()
    {
        CheckInt64();
        if (_numel != 1)
        {
            ThrowHelper.ThrowItemNotOneElement(_numel);
        }

        return _int64![_offset];
    }

    /// <summary>
    /// Returns this tensor as int64, truncating toward zero. Equivalent to <c>tensor.long()</c>: an int64 tensor is
    /// returned as it is; a float32 one is converted into new storage, with no gradient history.
    /// </summary>
    /// <returns>An int64 tensor of the same shape.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "PyTorch's tensor.long().")]
    public Tensor Long()
    {
        if (_int64 is not null)
        {
            return this;
        }

        long[] values = new long[_numel];
        ReadOnlySpan<float> source = AsReadOnlySpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (long)source[i];
        }

        return FromInt64(values, (int[])_shape.Clone());
    }

    /// <summary>
    /// Returns this tensor as float32. Equivalent to <c>tensor.float()</c>: a float32 tensor is returned as it is; an
    /// int64 one is converted into new storage.
    /// </summary>
    /// <returns>A float32 tensor of the same shape.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "PyTorch's tensor.float().")]
    public Tensor Float()
    {
        if (_int64 is null)
        {
            return this;
        }

        Tensor result = Empty((int[])_shape.Clone());
        ReadOnlySpan<long> source = AsReadOnlyInt64Span();
        Span<float> destination = result.AsSpan();
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = source[i];
        }

        return result;
    }

    private void CheckInt64()
    {
        if (_int64 is null)
        {
            ThrowHelper.ThrowWrongDType(DType.Int64, DType.Float32);
        }
    }
}
