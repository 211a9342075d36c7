using RnnSharp.Autograd;
using RnnSharp.Kernels;

namespace RnnSharp;

/// <summary>
/// Shape operations. RnnSharp tensors are always contiguous: the ones that keep the row-major order of the
/// elements (<see cref="Flatten"/>, <see cref="Squeeze()"/>, <see cref="Unsqueeze"/>) are views sharing storage, as in
/// PyTorch; the ones that reorder them (<see cref="Transpose"/>, <see cref="Permute"/>, <see cref="T"/>) return copies.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Returns this tensor: RnnSharp tensors are always contiguous. Equivalent to <c>tensor.contiguous()</c>,
    /// which also returns the tensor itself when it is already contiguous.
    /// </summary>
    /// <returns>This tensor.</returns>
    public Tensor Contiguous() => this;

    /// <summary>
    /// Merges dimensions <paramref name="startDim"/> to <paramref name="endDim"/> into one, sharing storage.
    /// Equivalent to <c>tensor.flatten(start_dim, end_dim)</c> (<c>ReshapeAliasBackward0</c>); returns this tensor
    /// when there is nothing to merge, as PyTorch does, and a 1-element 1-D view of a 0-d tensor.
    /// </summary>
    /// <param name="startDim">The first dimension to merge.</param>
    /// <param name="endDim">The last dimension to merge (inclusive).</param>
    /// <returns>A view, or this tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="startDim"/> comes after <paramref name="endDim"/> (PyTorch: <c>flatten() has invalid args: start_dim cannot come after end_dim</c>).</exception>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        int start = ShapeMath.NormalizeDim(startDim, _shape.Length, nameof(startDim));
        int end = ShapeMath.NormalizeDim(endDim, _shape.Length, nameof(endDim));
        if (start > end)
        {
            ThrowHelper.ThrowFlattenOrder(nameof(startDim));
        }

        if (_shape.Length == 0)
        {
            return Reshape(1);
        }

        if (start == end)
        {
            return this;
        }

        int[] shape = new int[_shape.Length - (end - start)];
        int merged = 1;
        for (int d = start; d <= end; d++)
        {
            merged *= _shape[d];
        }

        _shape.AsSpan(0, start).CopyTo(shape);
        shape[start] = merged;
        _shape.AsSpan(end + 1).CopyTo(shape.AsSpan(start + 1));
        return ViewOfSelf(_offset, shape, _numel).WithViewGrad(this, "ReshapeAliasBackward0");
    }

    /// <summary>Removes every dimension of length 1, sharing storage. Equivalent to <c>tensor.squeeze()</c> (<c>SqueezeBackward0</c>).</summary>
    /// <returns>A view.</returns>
    public Tensor Squeeze()
    {
        int[] shape = _shape.Where(s => s != 1).ToArray();
        return ViewOfSelf(_offset, shape, _numel).WithViewGrad(this, "SqueezeBackward0");
    }

    /// <summary>
    /// Removes dimension <paramref name="dim"/> if its length is 1 (otherwise the view has the same shape), sharing
    /// storage. Equivalent to <c>tensor.squeeze(dim)</c> (<c>SqueezeBackward1</c>).
    /// </summary>
    /// <param name="dim">The dimension; negative values count from the end.</param>
    /// <returns>A view.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public Tensor Squeeze(int dim)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length, nameof(dim));
        int[] shape = _shape.Length > 0 && _shape[d] == 1 ? [.. _shape[..d], .. _shape[(d + 1)..]] : (int[])_shape.Clone();
        return ViewOfSelf(_offset, shape, _numel).WithViewGrad(this, "SqueezeBackward1");
    }

    /// <summary>Inserts a dimension of length 1 at <paramref name="dim"/>, sharing storage. Equivalent to <c>tensor.unsqueeze(dim)</c> (<c>UnsqueezeBackward0</c>).</summary>
    /// <param name="dim">The position of the new dimension, in <c>[-Dim - 1, Dim]</c>.</param>
    /// <returns>A view with one more dimension.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dim"/> is out of range.</exception>
    public Tensor Unsqueeze(int dim)
    {
        int d = ShapeMath.NormalizeDim(dim, _shape.Length + 1, nameof(dim));
        int[] shape = [.. _shape[..d], 1, .. _shape[d..]];
        return ViewOfSelf(_offset, shape, _numel).WithViewGrad(this, "UnsqueezeBackward0");
    }

    /// <summary>
    /// Swaps two dimensions. Equivalent to <c>tensor.transpose(dim0, dim1)</c> (<c>TransposeBackward0</c>).
    /// Unlike PyTorch, returns a copy, not a view; writes to it do not reach this tensor.
    /// </summary>
    /// <param name="dim0">The first dimension.</param>
    /// <param name="dim1">The second dimension.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ShapeMath.NormalizeDim(dim0, _shape.Length, nameof(dim0));
        int b = ShapeMath.NormalizeDim(dim1, _shape.Length, nameof(dim1));
        int[] perm = Enumerable.Range(0, _shape.Length).ToArray();
        if (perm.Length > 0)
        {
            (perm[a], perm[b]) = (perm[b], perm[a]);
        }

        return PermuteCopy(perm, "TransposeBackward0");
    }

    /// <summary>
    /// Transposes a matrix (a 0-d or 1-D tensor is returned as a view of itself). Equivalent to <c>tensor.t()</c>
    /// (<c>TBackward0</c>). Unlike PyTorch, the transpose of a matrix is a copy, not a view; writes to it do not reach this tensor.
    /// </summary>
    /// <returns>A new tensor of shape <c>(n, m)</c> for an <c>(m, n)</c> matrix.</returns>
    /// <exception cref="InvalidOperationException">The tensor has more than 2 dimensions (PyTorch: <c>t() expects a tensor with &lt;= 2 dimensions, but self is 3D</c>).</exception>
    public Tensor T()
    {
        if (_shape.Length > 2)
        {
            ThrowHelper.ThrowTransposeRank(_shape.Length);
        }

        return _shape.Length < 2
            ? ViewOfSelf(_offset, (int[])_shape.Clone(), _numel).WithViewGrad(this, "TBackward0")
            : PermuteCopy([1, 0], "TBackward0");
    }

    /// <summary>
    /// Reorders the dimensions: dimension <c>d</c> of the result is dimension <c>dims[d]</c> of this tensor.
    /// Equivalent to <c>tensor.permute(*dims)</c> (<c>PermuteBackward0</c>). Unlike PyTorch, returns a copy, not a
    /// view; writes to it do not reach this tensor.
    /// </summary>
    /// <param name="dims">A permutation of the dimensions; negative values count from the end.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dims"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="dims"/> has the wrong length or repeats a dimension.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is out of range.</exception>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != _shape.Length)
        {
            ThrowHelper.ThrowPermuteLength(_shape.Length, dims.Length, nameof(dims));
        }

        int[] perm = new int[dims.Length];
        bool[] seen = new bool[dims.Length];
        for (int d = 0; d < dims.Length; d++)
        {
            perm[d] = ShapeMath.NormalizeDim(dims[d], _shape.Length, nameof(dims));
            if (seen[perm[d]])
            {
                ThrowHelper.ThrowPermuteDuplicate(nameof(dims));
            }

            seen[perm[d]] = true;
        }

        return PermuteCopy(perm, "PermuteBackward0");
    }

    /// <summary>A permuted copy without autograd record.</summary>
    internal Tensor PermuteRaw(int[] perm)
    {
        int[] shape = new int[perm.Length];
        for (int d = 0; d < perm.Length; d++)
        {
            shape[d] = _shape[perm[d]];
        }

        Tensor result = Empty(shape);
        PermuteKernel.Copy(AsReadOnlySpan(), _shape, perm, result.Writable);
        return result;
    }

    private Tensor PermuteCopy(int[] perm, string name)
    {
        Tensor result = PermuteRaw(perm);
        return MustRecord(this) ? result.SetGradFn(new PermuteBackward(name, this, perm)) : result;
    }
}
