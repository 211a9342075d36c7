using System.Numerics.Tensors;
using RnnSharp.Autograd;

namespace RnnSharp;

/// <summary>
/// Autograd state of a tensor, kept apart so that a tensor with no gradient history pays one null reference:
/// whether a leaf requires grad, its accumulated gradient, and the node (and output slot) that produced a non-leaf.
/// </summary>
public partial class Tensor
{
    private AutogradMeta? _autograd;

    /// <summary>
    /// Whether gradients are computed for this tensor. Equivalent to <c>tensor.requires_grad</c>: settable on leaves;
    /// always <see langword="true"/> for a tensor computed from one that requires grad while grad mode is on.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Set on a non-leaf (PyTorch: <c>you can only change requires_grad flags of leaf variables.</c>), or set to
    /// <see langword="true"/> on an int64 tensor (<c>only Tensors of floating point and complex dtype can require gradients</c>).
    /// </exception>
    public bool RequiresGrad
    {
        get => _autograd is { } a && (a.RequiresGrad || a.GradFn is not null);
        set
        {
            // PyTorch's property setter and requires_grad_() word the dtype error differently.
            if (value && IsLeaf && _int64 is not null)
            {
                throw new InvalidOperationException("only Tensors of floating point and complex dtype can require gradients");
            }

            RequiresGrad_(value);
        }
    }

    /// <summary>The gradient accumulated by <see cref="Backward"/> into this leaf, or <see langword="null"/>. Equivalent to <c>tensor.grad</c>.</summary>
    /// <remarks>Gradients add up across backward passes until cleared, as in PyTorch (see <see cref="Module.ZeroGrad"/>).</remarks>
    /// <exception cref="ArgumentException">Set to a tensor of another shape.</exception>
    public Tensor? Grad
    {
        get => _autograd?.Grad;
        set
        {
            if (value is not null && !value.ShapeEquals(_shape))
            {
                throw new ArgumentException(
                    $"assigned grad has data of a different size: {value.Size()} for a tensor of {Size()}", nameof(value));
            }

            if (value is null && _autograd is null)
            {
                return;
            }

            Meta.Grad = value;
        }
    }

    /// <summary>The backward function of the operation that produced this tensor; <see langword="null"/> for a leaf. Equivalent to <c>tensor.grad_fn</c>.</summary>
    public Node? GradFn => _autograd?.GradFn;

    /// <summary>Whether this tensor is a leaf of the graph (not computed by a recorded operation). Equivalent to <c>tensor.is_leaf</c>.</summary>
    public bool IsLeaf => _autograd?.GradFn is null;

    /// <summary>
    /// A tensor sharing this one's storage, without gradient history. Equivalent to <c>tensor.data</c>; writes through it
    /// change this tensor (and bypass the checks on in-place writes to leaves that require grad).
    /// </summary>
    public Tensor Data => ViewOfSelf(_offset, (int[])_shape.Clone(), _numel);

    /// <summary>Which output of <see cref="GradFn"/> this tensor is.</summary>
    internal int OutputIndex => _autograd?.OutputIndex ?? 0;

    /// <summary>The storage's write counter, which saved tensors compare against.</summary>
    internal int Version => _version.Value;

    private AutogradMeta Meta => _autograd ??= new AutogradMeta();

    /// <summary>Sets <see cref="RequiresGrad"/> in place and returns this tensor. Equivalent to <c>tensor.requires_grad_(requires_grad)</c>.</summary>
    /// <param name="requiresGrad">Whether to compute gradients for this leaf.</param>
    /// <returns>This tensor.</returns>
    /// <exception cref="InvalidOperationException">
    /// See <see cref="RequiresGrad"/>; for an int64 tensor PyTorch's words here are <c>only Tensors of floating point dtype can require gradients</c>.
    /// </exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "PyTorch's trailing underscore marks an in-place method; RequiresGrad is the property.")]
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        if (!IsLeaf)
        {
            if (requiresGrad)
            {
                return this;
            }

            throw new InvalidOperationException(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph " +
                "that doesn't require differentiation use var_no_grad = var.detach().");
        }

        if (requiresGrad && _int64 is not null)
        {
            throw new InvalidOperationException("only Tensors of floating point dtype can require gradients");
        }

        if (requiresGrad || _autograd is not null)
        {
            Meta.RequiresGrad = requiresGrad;
        }

        return this;
    }

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires grad and adds it to their
    /// <see cref="Grad"/>. Equivalent to <c>tensor.backward(gradient, retain_graph)</c>.
    /// </summary>
    /// <param name="gradient">The gradient of some scalar with respect to this tensor; may be omitted for a one-element tensor (it is then 1).</param>
    /// <param name="retainGraph">Keep the saved tensors so that the graph can be differentiated again.</param>
    /// <exception cref="InvalidOperationException">
    /// The tensor does not require grad; <paramref name="gradient"/> is omitted for a tensor of more than one element
    /// (<c>grad can be implicitly created only for scalar outputs</c>); the graph was already freed by an earlier
    /// backward (<c>Trying to backward through the graph a second time ...</c>); or a tensor the graph saved was
    /// modified in place since.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="gradient"/> does not have this tensor's shape.</exception>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        Engine.Run([this], [gradient], retainGraph, inputs: null);

    /// <summary>Returns a tensor sharing this one's storage, cut from the graph. Equivalent to <c>tensor.detach()</c>.</summary>
    /// <returns>A leaf view of the same elements that does not require grad.</returns>
    public Tensor Detach() => ViewOfSelf(_offset, (int[])_shape.Clone(), _numel);

    /// <summary>Makes this tensor the <paramref name="outputIndex"/>-th output of <paramref name="node"/>.</summary>
    internal Tensor SetGradFn(Node node, int outputIndex = 0)
    {
        AutogradMeta meta = Meta;
        meta.GradFn = node;
        meta.OutputIndex = outputIndex;
        OnnxTrace.Current?.RecordOutput(node, outputIndex, this);
        return this;
    }

    /// <summary>Whether an operation on these inputs must be recorded: grad mode is on and one of them requires grad.</summary>
    internal static bool MustRecord(Tensor? a, Tensor? b = null, Tensor? c = null) =>
        GradMode.IsEnabled && ((a?.RequiresGrad ?? false) || (b?.RequiresGrad ?? false) || (c?.RequiresGrad ?? false));

    /// <summary>
    /// Adds <paramref name="gradient"/> into <see cref="Grad"/>: the first time a copy of it, or the tensor itself when
    /// <paramref name="owned"/> (nothing else holds it); in place after.
    /// </summary>
    internal void AccumulateGrad(Tensor gradient, bool owned = false)
    {
        AutogradMeta meta = Meta;
        if (meta.Grad is null)
        {
            meta.Grad = owned ? gradient : gradient.Clone();
        }
        else
        {
            TensorPrimitives.Add(meta.Grad.AsReadOnlySpan(), gradient.AsReadOnlySpan(), meta.Grad.AsSpan());
        }
    }

    /// <summary>PyTorch's check before an in-place write: a leaf that requires grad may only be modified under <see cref="Torch.NoGrad"/>.</summary>
    internal void CheckInPlaceAllowed()
    {
        if (GradMode.IsEnabled && IsLeaf && RequiresGrad)
        {
            throw new InvalidOperationException("a leaf Variable that requires grad is being used in an in-place operation.");
        }
    }

    private void CheckFloat32()
    {
        if (_int64 is not null)
        {
            ThrowHelper.ThrowWrongDType(DType.Float32, DType.Int64);
        }
    }

    private Tensor WithViewGrad(Tensor source, string name) =>
        MustRecord(source) ? SetGradFn(new ViewBackward(name, source)) : this;

    private Tensor WithSelectGrad(Tensor source, int dim, int index) =>
        MustRecord(source) ? SetGradFn(new SelectBackward(source, dim, index)) : this;

    private Tensor WithCloneGrad(Tensor source) =>
        MustRecord(source) ? SetGradFn(new CloneBackward(source)) : this;

    private sealed class AutogradMeta
    {
        public bool RequiresGrad { get; set; }

        public Tensor? Grad { get; set; }

        public Node? GradFn { get; set; }

        public int OutputIndex { get; set; }
    }
}
