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
    /// Reads the zip format <c>torch.save</c> writes since PyTorch 1.6. Float32 tensors load as they are; float64,
    /// float16 and bfloat16 are converted to float32; views (storage offsets, strides) are copied out. The legacy
    /// pre-1.6 format, TorchScript archives and integer tensors are refused.
    /// </remarks>
    /// <param name="path">The <c>.pt</c> / <c>.pth</c> file.</param>
    /// <returns>The state dict's tensors, in the file's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelFileException">The file is not a valid or allowed PyTorch state dict.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorDictionary Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return Load(stream);
    }

    /// <summary>Reads a state dict saved by <c>torch.save</c> from a stream. See <see cref="Load(string)"/>.</summary>
    /// <param name="stream">The checkpoint; a stream that cannot seek is first copied into memory.</param>
    /// <returns>The state dict's tensors, in the file's order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ModelFileException">The data is not a valid or allowed PyTorch state dict.</exception>
    public static TensorDictionary Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return TorchCheckpoint.Load(stream);
    }
}
