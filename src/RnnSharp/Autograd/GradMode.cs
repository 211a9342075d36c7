namespace RnnSharp.Autograd;

/// <summary>
/// Whether operations record a graph for <see cref="Tensor.Backward"/>: on by default, off inside
/// <see cref="Torch.NoGrad"/>. Per thread, like PyTorch's grad mode, so that inference on one thread does not
/// change what training on another records.
/// </summary>
internal static class GradMode
{
    [ThreadStatic]
    private static bool t_disabled;

    /// <summary>Whether operations on this thread record a graph.</summary>
    public static bool IsEnabled => !t_disabled;

    /// <summary>Sets grad mode on this thread and returns the previous setting.</summary>
    public static bool Set(bool enabled)
    {
        bool previous = !t_disabled;
        t_disabled = !enabled;
        return previous;
    }
}

/// <summary>Restores this thread's previous grad mode when disposed: the scope <see cref="Torch.NoGrad"/> returns.</summary>
internal sealed class GradModeScope : IDisposable
{
    private readonly bool _previous;
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private bool _disposed;

    public GradModeScope(bool enabled) => _previous = GradMode.Set(enabled);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (Environment.CurrentManagedThreadId != _threadId)
        {
            throw new InvalidOperationException("A NoGrad scope must be disposed on the thread that created it.");
        }

        _disposed = true;
        GradMode.Set(_previous);
    }
}
