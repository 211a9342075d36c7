using RnnSharp.Autograd;

namespace RnnSharp;

/// <summary>
/// A dense, row-major (contiguous) CPU tensor of float32 values — or of int64 values for class indices — that can
/// take part in automatic differentiation: the counterpart of <c>torch.Tensor</c> with dtype <c>torch.float32</c>
/// or <c>torch.int64</c>.
/// </summary>
/// <remarks>
/// <para>
/// The elements live in a flat array in row-major order; <see cref="Shape"/> gives the length of each dimension
/// and <see cref="DType"/> the element type. A tensor built with <see cref="Tensor(float[], int[])"/> uses the
/// caller's array as its storage without copying (like <c>torch.from_numpy</c>), and views made by
/// <see cref="View(int[])"/> share storage with their source, as in PyTorch.
/// </para>
/// <para>
/// Operations on tensors that require grad record a graph while grad mode is on (see <see cref="RequiresGrad"/>,
/// <see cref="Backward"/> and <see cref="Torch.NoGrad"/>); <see cref="GradFn"/> names each step as PyTorch does.
/// </para>
/// <para><see cref="ToString"/> prints exactly what PyTorch's <c>str(tensor)</c> prints.</para>
/// </remarks>
public partial class Tensor
{
    [ThreadStatic]
    private static bool t_poisonEmpty;

    private readonly float[] _storage;
    private readonly long[]? _int64;
    private readonly int _offset;
    private readonly int[] _shape;
    private readonly int _numel;
    private readonly StorageVersion _version;

    /// <summary>
    /// Creates a tensor of the given shape over <paramref name="data"/>, which becomes the tensor's storage
    /// (no copy is made: writes through either are seen by both, like <c>torch.from_numpy</c>).
    /// </summary>
    /// <param name="data">The elements in row-major order. Its length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The length of each dimension; none may be negative. No lengths makes a 0-d (scalar) tensor of one element.</param>
    /// <exception cref="ArgumentNullException"><paramref name="data"/> or <paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A dimension is negative, or <paramref name="data"/> does not hold exactly as many elements as the shape
    /// describes (PyTorch: <c>shape '[2, 3]' is invalid for input of size 5</c>).
    /// </exception>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        if (numel != data.Length)
        {
            ThrowHelper.ThrowShapeInvalidForSize(shape, data.Length, nameof(data));
        }

        _storage = data;
        _offset = 0;
        _shape = (int[])shape.Clone();
        _numel = numel;
        _version = new StorageVersion();
    }

    /// <summary>Wraps a validated storage range; the caller guarantees that the shape's product fits in it.</summary>
    private protected Tensor(float[] storage, int offset, int[] shape, int numel, StorageVersion version)
    {
        _storage = storage;
        _offset = offset;
        _shape = shape;
        _numel = numel;
        _version = version;
    }

    /// <summary>A tensor over the same storage, offset, shape and version counter as <paramref name="source"/>, without its autograd state.</summary>
    private protected Tensor(Tensor source)
    {
        _storage = source._storage;
        _int64 = source._int64;
        _offset = source._offset;
        _shape = (int[])source._shape.Clone();
        _numel = source._numel;
        _version = source._version;
    }

    /// <summary>Wraps a validated range of int64 storage; the caller guarantees that the shape's product fits in it.</summary>
    private Tensor(long[] storage, int offset, int[] shape, int numel, StorageVersion version)
    {
        _storage = [];
        _int64 = storage;
        _offset = offset;
        _shape = shape;
        _numel = numel;
        _version = version;
    }

    /// <summary>A view of this tensor's storage (either dtype) with another offset and shape; no autograd record.</summary>
    private Tensor ViewOfSelf(int offset, int[] shape, int numel) =>
        _int64 is null ? new Tensor(_storage, offset, shape, numel, _version) : new Tensor(_int64, offset, shape, numel, _version);

    /// <summary>Makes a tensor over fresh, uninitialised storage (for results that are then overwritten completely). The shape array is owned by the new tensor.</summary>
    internal static Tensor Empty(int[] shape)
    {
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        float[] storage = GC.AllocateUninitializedArray<float>(numel);
        if (t_poisonEmpty)
        {
            storage.AsSpan().Fill(float.NaN);
        }

        return new Tensor(storage, 0, shape, numel, new StorageVersion());
    }

    /// <summary>
    /// Tests set this (on their own thread) to fill <see cref="Empty"/>'s storage with NaN, which shows any element a
    /// caller forgets to write.
    /// </summary>
    internal static bool PoisonEmpty
    {
        get => t_poisonEmpty;
        set => t_poisonEmpty = value;
    }

    /// <summary>Makes an int64 tensor over <paramref name="data"/> (no copy). The shape array is owned by the new tensor.</summary>
    internal static Tensor FromInt64(long[] data, int[] shape)
    {
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        if (numel != data.Length)
        {
            ThrowHelper.ThrowShapeInvalidForSize(shape, data.Length, nameof(data));
        }

        return new Tensor(data, 0, shape, numel, new StorageVersion());
    }

    /// <summary>Makes a tensor over fresh, zero-filled storage. The shape array is owned by the new tensor.</summary>
    internal static Tensor CreateOwned(int[] shape)
    {
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        return new Tensor(new float[numel], 0, shape, numel, new StorageVersion());
    }

    /// <summary>
    /// A view of <paramref name="shape"/> over <paramref name="storage"/> from <paramref name="offset"/>, counting
    /// its writes in <paramref name="version"/>; the shape array is owned by the view.
    /// </summary>
    internal static Tensor ViewOf(float[] storage, int offset, int[] shape, StorageVersion version)
    {
        int numel = ShapeMath.CheckedNumel(shape, nameof(shape));
        return new Tensor(storage, offset, shape, numel, version);
    }

    /// <summary>Returns a tensor of the given shape filled with zeros. Equivalent to <c>torch.zeros(*shape)</c>.</summary>
    /// <param name="shape">The length of each dimension; none may be negative.</param>
    /// <returns>A new zero-filled tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, or the element count exceeds <see cref="int.MaxValue"/>.</exception>
    public static Tensor Zeros(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return CreateOwned((int[])shape.Clone());
    }

    /// <summary>Returns a tensor of the given shape filled with ones. Equivalent to <c>torch.ones(*shape)</c>.</summary>
    /// <param name="shape">The length of each dimension; none may be negative.</param>
    /// <returns>A new tensor whose every element is 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, or the element count exceeds <see cref="int.MaxValue"/>.</exception>
    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    /// <summary>Returns a tensor of the given shape filled with <paramref name="fillValue"/>. Equivalent to <c>torch.full(size, fill_value)</c>.</summary>
    /// <param name="shape">The length of each dimension; none may be negative.</param>
    /// <param name="fillValue">The value of every element.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A dimension is negative, or the element count exceeds <see cref="int.MaxValue"/>.</exception>
    public static Tensor Full(int[] shape, float fillValue)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Tensor t = CreateOwned((int[])shape.Clone());
        t.AsSpan().Fill(fillValue);
        return t;
    }

    /// <summary>The length of each dimension (PyTorch's <c>tensor.shape</c>). Use <c>Shape.ToArray()</c> for a copy.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The element type: <see cref="RnnSharp.DType.Float32"/>, or <see cref="RnnSharp.DType.Int64"/> for integer tensors. Equivalent to <c>tensor.dtype</c>.</summary>
    public DType DType => _int64 is null ? DType.Float32 : DType.Int64;

    /// <summary>The number of dimensions (PyTorch's <c>tensor.dim()</c>); 0 for a scalar tensor.</summary>
    public int Dim => _shape.Length;

    /// <summary>The number of elements (PyTorch's <c>tensor.numel()</c>): the product of <see cref="Shape"/>.</summary>
    public int NumElements => _numel;

    /// <summary>Returns the shape as a <see cref="RnnSharp.Size"/>, which prints like PyTorch's <c>torch.Size([3, 5, 2])</c>. Equivalent to <c>tensor.size()</c>.</summary>
    /// <returns>The tensor's shape.</returns>
    public Size Size() => new(_shape);

    /// <summary>Returns the length of one dimension. Equivalent to <c>tensor.size(dim)</c>; negative values count from the end.</summary>
    /// <param name="dim">The dimension, in <c>[-Dim, Dim - 1]</c>.</param>
    /// <returns>The length of dimension <paramref name="dim"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is outside <c>[-Dim, Dim - 1]</c>, or the tensor is 0-d.</exception>
    public int Size(int dim)
    {
        if (_shape.Length == 0)
        {
            ThrowHelper.ThrowNoDimensions(dim, nameof(dim));
        }

        return _shape[ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim))];
    }

    /// <summary>
    /// The elements in row-major order, as a span over the tensor's own storage (no copy): writing to it changes the tensor.
    /// </summary>
    /// <remarks>
    /// Modules keep repacked copies of their weights for speed and refresh them when a parameter's storage is
    /// handed out for writing. Write to a parameter through a span you have just obtained, not through one kept
    /// from before the module last ran.
    /// </remarks>
    /// <returns>A span of <see cref="NumElements"/> elements.</returns>
    public Span<float> AsSpan()
    {
        CheckFloat32();
        _version.Bump();
        return _storage.AsSpan(_offset, _numel);
    }

    /// <summary>The elements in row-major order as a read-only span over the tensor's storage (no copy).</summary>
    /// <returns>A read-only span of <see cref="NumElements"/> elements.</returns>
    public ReadOnlySpan<float> AsReadOnlySpan()
    {
        CheckFloat32();
        return new(_storage, _offset, _numel);
    }

    /// <summary>The elements as memory over the tensor's storage (no copy), for APIs that cannot take a span.</summary>
    /// <returns>Memory of <see cref="NumElements"/> elements.</returns>
    public Memory<float> AsMemory()
    {
        CheckFloat32();
        _version.Bump();
        return new(_storage, _offset, _numel);
    }

    /// <summary>The elements as read-only memory over the tensor's storage (no copy).</summary>
    internal ReadOnlyMemory<float> AsReadOnlyMemory() => new(_storage, _offset, _numel);

    /// <summary>Copies the elements, in row-major order, into a new array. Equivalent to <c>tensor.flatten().tolist()</c>.</summary>
    /// <returns>A new array of <see cref="NumElements"/> elements.</returns>
    public float[] ToArray() => AsReadOnlySpan().ToArray();

    /// <summary>Gets or sets one element. Give one index per dimension; negative indices count from the end, as in PyTorch.</summary>
    /// <param name="indices">One index per dimension (none for a 0-d tensor).</param>
    /// <returns>The element at <paramref name="indices"/>.</returns>
    /// <exception cref="ArgumentException">The number of indices differs from <see cref="Dim"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of bounds (PyTorch: <c>index 5 is out of bounds for dimension 0 with size 3</c>).</exception>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params ReadOnlySpan<int> indices]
    {
        get
        {
            int at = _offset + FlatIndex(indices);
            return _int64 is null ? _storage[at] : _int64[at];
        }

        set
        {
            int at = _offset + FlatIndex(indices);
            CheckInPlaceAllowed();
            if (_int64 is null)
            {
                _storage[at] = value;
            }
            else
            {
                _int64[at] = (long)value;
            }

            _version.Bump();
        }
    }

    /// <summary>Returns the value of a tensor with exactly one element. Equivalent to <c>tensor.item()</c>.</summary>
    /// <returns>The single element.</returns>
    /// <exception cref="InvalidOperationException">The tensor does not have exactly one element.</exception>
    public float Item()
    {
        if (_numel != 1)
        {
            ThrowHelper.ThrowItemNotOneElement(_numel);
        }

        return _int64 is null ? _storage[_offset] : _int64[_offset];
    }

    /// <summary>
    /// Returns a tensor with the same elements and a new shape, sharing this tensor's storage. Equivalent to
    /// <c>tensor.view(*shape)</c> (<c>ViewBackward0</c>). One
    /// dimension may be -1: it is inferred from the others.
    /// </summary>
    /// <param name="shape">The new shape; its product must equal <see cref="NumElements"/>.</param>
    /// <returns>A view of this tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape does not fit the element count, or has more than one -1.</exception>
    public Tensor View(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] resolved = ShapeMath.InferView(shape, _numel, nameof(shape));
        return ViewOfSelf(_offset, resolved, _numel).WithViewGrad(this, "ViewBackward0");
    }

    /// <summary>
    /// Returns a view with a new shape, sharing storage. Equivalent to <c>tensor.reshape(*shape)</c>: RnnSharp tensors are
    /// always contiguous, so it always returns a view and records <c>ReshapeAliasBackward0</c>, what PyTorch 1.13 records
    /// for a contiguous input (PyTorch copies a non-contiguous one and records <c>UnsafeViewBackward0</c>).
    /// </summary>
    /// <param name="shape">The new shape; its product must equal <see cref="NumElements"/>. One dimension may be -1.</param>
    /// <returns>A view of this tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shape"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shape does not fit the element count, or has more than one -1.</exception>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int[] resolved = ShapeMath.InferView(shape, _numel, nameof(shape));
        return ViewOfSelf(_offset, resolved, _numel).WithViewGrad(this, "ReshapeAliasBackward0");
    }

    /// <summary>
    /// Returns the sub-tensor at <paramref name="index"/> along the first dimension, sharing storage. Equivalent
    /// to <c>tensor[index]</c> (<c>tensor.select(0, index)</c>).
    /// </summary>
    /// <param name="index">The index along dimension 0; negative values count from the end.</param>
    /// <returns>A view with one dimension fewer.</returns>
    /// <exception cref="InvalidOperationException">The tensor is 0-d.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is out of bounds.</exception>
    public Tensor Select(int index)
    {
        if (_shape.Length == 0)
        {
            ThrowHelper.ThrowSelectOnScalar();
        }

        int size = _shape[0];
        int i = index < 0 ? index + size : index;
        if ((uint)i >= (uint)size)
        {
            ThrowHelper.ThrowIndexOutOfBounds(index, 0, size, nameof(index));
        }

        int[] shape = _shape[1..];
        int inner = size == 0 ? 0 : _numel / size;
        Tensor result = ViewOfSelf(_offset + (i * inner), shape, inner).WithSelectGrad(this, 0, i);
        if (index < 0 && result.GradFn is SelectBackward select)
        {
            select.FromEnd = true;
        }

        return result;
    }

    /// <summary>Returns a copy with its own storage. Equivalent to <c>tensor.clone()</c>.</summary>
    /// <returns>A new tensor with the same shape and elements.</returns>
    public Tensor Clone() => (_int64 is null
        ? new Tensor(ToArray(), 0, (int[])_shape.Clone(), _numel, new StorageVersion())
        : new Tensor(AsReadOnlyInt64Span().ToArray(), 0, (int[])_shape.Clone(), _numel, new StorageVersion())).WithCloneGrad(this);

    /// <summary>
    /// Copies the elements of <paramref name="source"/> into this tensor, in place. Equivalent to <c>tensor.copy_(source)</c>
    /// for tensors of the same shape.
    /// </summary>
    /// <param name="source">A tensor of the same shape.</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!ShapeEquals(source.Shape))
        {
            ThrowHelper.ThrowShapeMismatch(nameof(source), _shape, source._shape);
        }

        CheckInPlaceAllowed();
        source.AsReadOnlySpan().CopyTo(AsSpan());
    }

    /// <summary>Sets every element to <paramref name="value"/>, in place. Equivalent to <c>tensor.fill_(value)</c>.</summary>
    /// <param name="value">The new value of every element.</param>
    public void Fill(float value)
    {
        CheckInPlaceAllowed();
        AsSpan().Fill(value);
    }

    /// <summary>Whether this tensor and <paramref name="other"/> share any element of storage.</summary>
    internal bool Overlaps(Tensor other) =>
        ReferenceEquals(_storage, other._storage) && ReferenceEquals(_int64, other._int64) && _numel > 0 && other._numel > 0
        && _offset < other._offset + other._numel && other._offset < _offset + _numel;

    /// <summary>Whether this tensor's shape equals <paramref name="shape"/>.</summary>
    internal bool ShapeEquals(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);

    private int FlatIndex(ReadOnlySpan<int> indices)
    {
        if (indices.Length != _shape.Length)
        {
            ThrowHelper.ThrowWrongIndexCount(indices.Length, _shape.Length, nameof(indices));
        }

        int flat = 0;
        for (int d = 0; d < indices.Length; d++)
        {
            int size = _shape[d];
            int i = indices[d] < 0 ? indices[d] + size : indices[d];
            if ((uint)i >= (uint)size)
            {
                ThrowHelper.ThrowIndexOutOfBounds(indices[d], d, size, nameof(indices));
            }

            flat = (flat * size) + i;
        }

        return flat;
    }
}
