namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// Reads a state dict that PyTorch saved with <c>torch.save(model.state_dict(), path)</c>. Equivalent to
    /// <c>torch.load(path, weights_only=True)</c>, but safe by construction: the file's pickle is read by a
    /// restricted reader that knows only tensors, storages and <c>OrderedDict</c>, and refuses any other Python
    /// global or opcode (such as <c>os.system</c>) without ever executing anything.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Reads the zip format <c>torch.save</c> writes since PyTorch 1.6. Float32 tensors load as they are; float64,
    /// float16 and bfloat16 are converted to float32; views (storage offsets, strides) are copied out, except that a
    /// view met twice (several names for one tensor) gives tensors sharing one array, as they share storage in
    /// PyTorch. Int64 tensors load as int64 (<see cref="DType.Int64"/>). TorchScript archives and other integer tensors are refused, and so is every archive PyTorch's own reader
    /// refuses (entries outside the record folder, encrypted entries, compression methods other than stored and
    /// deflate, no <c>version</c> record).
    /// </para>
    /// <para>
    /// Also reads the legacy format (PyTorch before 1.6, or <c>torch.save(sd, f, _use_new_zipfile_serialization=False)</c>)
    /// through the same restricted reader: float32 and int64 tensors load as they are (float64, float16 and bfloat16 are
    /// converted to float32), contiguous tensors as views sharing their storage, as in PyTorch. A legacy file whose key
    /// list leaves out or repeats a storage is refused (PyTorch would load it with uninitialised or overwritten data),
    /// and so is the tar layout of PyTorch before 0.4.
    /// </para>
    /// <para>
    /// Everything the load allocates — inflated entries, storages, copied-out views — is charged to a budget before
    /// it is allocated (see <see cref="LoadBudget"/>): by default 4 × the file's size + 16 MiB, so that a small file
    /// cannot make the process allocate gigabytes.
    /// </para>
    /// </remarks>
    /// <param name="path">The <c>.pt</c> / <c>.pth</c> file.</param>
    /// <param name="maxBytes">
    /// The most the load may allocate, in bytes; <see langword="null"/> (the default) for
    /// <see cref="LoadBudget.Default"/> of the file's size.
    /// </param>
    /// <returns>The state dict's tensors, in the file's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">
    /// The file is not a valid or allowed PyTorch state dict, or loading it would exceed the budget. Every problem
    /// with the file's contents, whatever the bytes are, ends in this exception.
    /// </exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static TensorDictionary Load(string path, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckMaxBytes(maxBytes);
        using FileStream stream = File.OpenRead(path);
        return LoadCheckpoint(stream, maxBytes);
    }

    /// <summary>Reads a state dict saved by <c>torch.save</c> from a stream. See <see cref="Load(string, long?)"/>.</summary>
    /// <param name="stream">The checkpoint; a stream that cannot seek is first copied into memory.</param>
    /// <param name="maxBytes">
    /// The most the load may allocate besides that copy, in bytes; <see langword="null"/> (the default) for
    /// <see cref="LoadBudget.Default"/> of the data's size.
    /// </param>
    /// <returns>The state dict's tensors, in the file's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">
    /// The data is not a valid or allowed PyTorch state dict, or loading it would exceed the budget.
    /// </exception>
    public static TensorDictionary Load(Stream stream, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckMaxBytes(maxBytes);
        return LoadCheckpoint(stream, maxBytes);
    }

    /// <summary>Reads a zip checkpoint, or a legacy one (which starts with a pickle, not with a zip header).</summary>
    private static TensorDictionary LoadCheckpoint(Stream stream, long? maxBytes)
    {
        Stream seekable = Seekable.From(stream);
        return LegacyCheckpoint.Recognizes(seekable) ? LegacyCheckpoint.Load(seekable, maxBytes) : TorchCheckpoint.Load(seekable, maxBytes);
    }

    internal static void CheckMaxBytes(long? maxBytes)
    {
        if (maxBytes is long value)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(maxBytes));
        }
    }
}
