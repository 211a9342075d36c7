namespace RnnSharp;

/// <summary>
/// Counts the writes made to a tensor's storage through the tensor API, shared by a tensor and every view of
/// it: PyTorch's <c>tensor._version</c>. Modules use it to know when weights they have repacked for the fast
/// kernels have changed underneath them.
/// </summary>
internal sealed class StorageVersion
{
    private int _value;

    /// <summary>The current count; it changes whenever the storage may have been written.</summary>
    public int Value => Volatile.Read(ref _value);

    /// <summary>Records that the storage may have been written.</summary>
    public void Bump() => Interlocked.Increment(ref _value);
}
