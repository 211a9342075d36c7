namespace RnnSharp.Autograd;

/// <summary>
/// A tensor a backward function needs, with the version its storage had when it was saved: unpacking it after an
/// in-place write fails with PyTorch's message instead of computing a wrong gradient.
/// </summary>
internal readonly struct SavedTensor
{
    private readonly Tensor? _tensor;
    private readonly int _version;
    private readonly Node? _outputOf;
    private readonly int _outputIndex;

    /// <summary>
    /// Saves <paramref name="tensor"/> at its current version. Pass <paramref name="outputOf"/> when the tensor is the
    /// output of the node doing the saving (its grad_fn is not set yet); otherwise the tensor's grad_fn at this moment
    /// is what the error message names, as in PyTorch, even if an in-place operation gives it a new one later.
    /// </summary>
    public SavedTensor(Tensor tensor, Node? outputOf = null)
    {
        _tensor = tensor;
        _version = tensor.Version;
        _outputOf = outputOf ?? tensor.GradFn;
        _outputIndex = outputOf is null ? tensor.OutputIndex : 0;
    }

    /// <summary>Whether a tensor was saved.</summary>
    public bool HasValue => _tensor is not null;

    /// <summary>The saved tensor, checked against the version it was saved at.</summary>
    /// <exception cref="InvalidOperationException">The tensor was modified in place since it was saved.</exception>
    public Tensor Unpack()
    {
        Tensor t = _tensor!;
        if (t.Version != _version)
        {
            // PyTorch's words. Its version counter counts in-place operations; RnnSharp's counts every write access
            // to the storage, so the numbers can be larger than PyTorch's for the same program.
            string type = t.DType == DType.Int64 ? "torch.LongTensor" : "torch.FloatTensor";
            string origin = _outputOf is { } fn ? $", which is output {_outputIndex} of {fn.Name}," : string.Empty;
            throw new InvalidOperationException(
                "one of the variables needed for gradient computation has been modified by an inplace operation: " +
                $"[{type} {ShapeMath.Format(t.Shape)}]{origin} is at version {t.Version}; expected version {_version} instead. " +
                "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with " +
                "torch.autograd.set_detect_anomaly(True).");
        }

        return t;
    }
}
