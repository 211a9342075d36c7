using System.Numerics.Tensors;
using NumericsTensor = System.Numerics.Tensors.Tensor;

namespace RnnSharp;

public partial class Tensor
{
    /// <summary>
    /// Returns a <see cref="TensorSpan{T}"/> over this tensor's elements (no copy), for use with
    /// <see cref="System.Numerics.Tensors"/> APIs. Writing through it changes this tensor.
    /// </summary>
    /// <returns>A dense, row-major tensor span with this tensor's shape.</returns>
    public TensorSpan<float> AsTensorSpan()
    {
        _version.Bump();
        return new(_storage, _offset, NativeLengths(), NativeStrides());
    }

    /// <summary>Returns a <see cref="ReadOnlyTensorSpan{T}"/> over this tensor's elements (no copy).</summary>
    /// <returns>A dense, row-major read-only tensor span with this tensor's shape.</returns>
    public ReadOnlyTensorSpan<float> AsReadOnlyTensorSpan() => new(_storage, _offset, NativeLengths(), NativeStrides());

    /// <summary>Copies this tensor into a new <see cref="Tensor{T}"/> of System.Numerics.Tensors.</summary>
    /// <returns>A new dense tensor with this tensor's shape and elements.</returns>
    public Tensor<float> ToNumericsTensor() => NumericsTensor.Create(ToArray(), NativeLengths());

    /// <summary>
    /// Copies a System.Numerics.Tensors tensor span (of any strides) into a new tensor, in row-major order.
    /// </summary>
    /// <param name="source">The elements to copy.</param>
    /// <returns>A new tensor with the source's shape.</returns>
    /// <exception cref="ArgumentException">A dimension of <paramref name="source"/> exceeds <see cref="int.MaxValue"/>, or it holds too many elements.</exception>
    public static Tensor FromTensorSpan(ReadOnlyTensorSpan<float> source)
    {
        int[] shape = new int[source.Rank];
        for (int d = 0; d < shape.Length; d++)
        {
            nint length = source.Lengths[d];
            if (length > int.MaxValue)
            {
                ThrowHelper.ThrowTooManyElements([int.MaxValue], nameof(source));
            }

            shape[d] = (int)length;
        }

        Tensor result = CreateOwned(shape);
        if (result.NumElements > 0)
        {
            source.FlattenTo(result.AsSpan());
        }

        return result;
    }

    /// <summary>Copies a System.Numerics.Tensors <see cref="Tensor{T}"/> into a new tensor, in row-major order.</summary>
    /// <param name="source">The tensor to copy.</param>
    /// <returns>A new tensor with the source's shape.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension of <paramref name="source"/> exceeds <see cref="int.MaxValue"/>.</exception>
    public static Tensor FromNumericsTensor(Tensor<float> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return FromTensorSpan(source.AsReadOnlyTensorSpan());
    }

    private nint[] NativeLengths()
    {
        var lengths = new nint[_shape.Length];
        for (int d = 0; d < lengths.Length; d++)
        {
            lengths[d] = _shape[d];
        }

        return lengths;
    }

    private nint[] NativeStrides()
    {
        var strides = new nint[_shape.Length];
        nint stride = 1;
        for (int d = strides.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= _shape[d];
        }

        return strides;
    }
}
