using System.Globalization;

namespace RnnSharp;

/// <summary>The running total of one load's allocations, checked against its <see cref="LoadBudget"/>.</summary>
internal sealed class AllocationBudget
{
    private readonly long _limit;
    private readonly long _fileLength;
    private readonly bool _isDefault;
    private readonly string _method;
    private long _used;

    /// <summary>A budget of <paramref name="maxBytes"/>, or the default for <paramref name="fileLength"/> bytes.</summary>
    /// <param name="maxBytes">The caller's limit, or <see langword="null"/> for <see cref="LoadBudget.Default"/>.</param>
    /// <param name="fileLength">The file's size.</param>
    /// <param name="method">The loading method to name in the error (e.g. <c>Torch.Load</c>).</param>
    public AllocationBudget(long? maxBytes, long fileLength, string method)
    {
        _limit = maxBytes ?? LoadBudget.Default(fileLength);
        _isDefault = maxBytes is null;
        _fileLength = fileLength;
        _method = method;
    }

    /// <summary>Bytes charged so far.</summary>
    public long Used => _used;

    /// <summary>Records an allocation of <paramref name="bytes"/> about to be made, or throws if it would exceed the budget.</summary>
    /// <param name="bytes">The size of the allocation.</param>
    /// <param name="what">What is being allocated, for the error message.</param>
    /// <exception cref="ModelFileException">The allocation would take the total past the budget.</exception>
    public void Charge(long bytes, string what)
    {
        if (bytes < 0 || bytes > _limit - _used)
        {
            string budget = _isDefault
                ? string.Create(CultureInfo.InvariantCulture, $"the default budget of {_limit:N0} bytes ({LoadBudget.DefaultSizeMultiple} × the file's {_fileLength:N0} bytes + 16 MiB)")
                : string.Create(CultureInfo.InvariantCulture, $"the budget of {_limit:N0} bytes passed as maxBytes");
            throw new ModelFileException(string.Create(CultureInfo.InvariantCulture,
                $"Loading this file would allocate more than {budget}: {what} needs {bytes:N0} bytes after {_used:N0} already allocated. " +
                $"A file that describes much more data than it holds is refused before anything is allocated; if you trust it, " +
                $"pass a larger maxBytes to {_method}."));
        }

        _used += bytes;
    }
}
