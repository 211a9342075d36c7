using RnnSharp.Optim;

namespace RnnSharp;

public static partial class Torch
{
    /// <summary>
    /// Writes a state dict in the format <c>torch.save(state_dict, path)</c> writes (PyTorch 1.13's zip format), which
    /// PyTorch reads with <c>torch.load(path, weights_only=True)</c> and <see cref="Load(string, long?)"/> reads back.
    /// Equivalent to <c>torch.save(OrderedDict(state_dict), path)</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The file is byte for byte what PyTorch 1.13 writes for the same dict: the archive folder is named after the file
    /// (<c>model.pt</c> → <c>model/</c>), <c>data.pkl</c> is a protocol-2 pickle of an <c>OrderedDict</c>, each storage
    /// is <c>data/&lt;key&gt;</c> (stored, 64-byte aligned) and <c>version</c> is 3. Float32 tensors are written as
    /// <c>torch.float32</c>, int64 tensors as <c>torch.int64</c>, all with <c>requires_grad=False</c> as
    /// <c>state_dict()</c> returns them.
    /// </para>
    /// <para>
    /// Tensors that share elements (a tensor and its views, or one tensor under two names) are written once, as one
    /// storage they view at their offsets, and load in PyTorch sharing that storage. Tensors that only share an array
    /// without overlapping (a module's parameters, which RnnSharp keeps in one buffer) get a storage each, as the
    /// parameters of a PyTorch module do.
    /// </para>
    /// <para>
    /// The file is written to a temporary file in the same folder and then moved to <paramref name="path"/>: if the save
    /// fails, <paramref name="path"/> keeps what it held before and no partial file is left.
    /// </para>
    /// </remarks>
    /// <param name="stateDict">Names to tensors, e.g. <see cref="Module.StateDict"/>; written in its order.</param>
    /// <param name="path">The <c>.pt</c> / <c>.pth</c> file to write, replaced if it exists.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/>, <paramref name="path"/> or a tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A name is <see langword="null"/> or empty, or the file name has no stem to name the archive folder by (PyTorch:
    /// <c>invalid file name</c>).
    /// </exception>
    /// <exception cref="IOException">The file cannot be written (its folder does not exist, the disk is full, …).</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder may not be written.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> stateDict, string path)
    {
        List<KeyValuePair<string, Tensor>> entries = CheckStateDict(stateDict);
        string archive = ArchiveName(path);
        AtomicFile.Write(path, stream => TorchCheckpointWriter.WriteStateDict(stream, archive, entries));
    }

    /// <summary>
    /// Writes a state dict to a stream in <c>torch.save</c>'s format, with the archive folder <c>archive/</c> as
    /// <c>torch.save(state_dict, buffer)</c> names it. See <see cref="Save(IReadOnlyDictionary{string, Tensor}, string)"/>.
    /// </summary>
    /// <param name="stateDict">Names to tensors; written in its order.</param>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/>, <paramref name="stream"/> or a tensor is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A name is <see langword="null"/> or empty, or <paramref name="stream"/> cannot be written.</exception>
    public static void Save(IReadOnlyDictionary<string, Tensor> stateDict, Stream stream)
    {
        List<KeyValuePair<string, Tensor>> entries = CheckStateDict(stateDict);
        CheckWritable(stream);
        TorchCheckpointWriter.WriteStateDict(stream, "archive", entries);
    }

    /// <summary>
    /// Writes an optimizer's state dict as <c>torch.save(optimizer.state_dict(), path)</c> writes it: the dict
    /// <c>{'state': {index: {name: tensor}}, 'param_groups': [{option: value, ..., 'params': [indices]}]}</c>, which
    /// PyTorch reads with <c>torch.load(path, weights_only=True)</c> and passes to <c>optimizer.load_state_dict</c>.
    /// Read it back with <see cref="LoadOptimizerStateDict(string, long?)"/>.
    /// </summary>
    /// <remarks>
    /// Options are written as Python values: doubles as floats (the integer 0 for a zero <c>weight_decay</c>,
    /// <c>momentum</c> or <c>dampening</c>, as PyTorch's defaults are), <c>betas</c> as a tuple, <c>params</c> as a list.
    /// Written through a temporary file, as <see cref="Save(IReadOnlyDictionary{string, Tensor}, string)"/> is.
    /// </remarks>
    /// <param name="stateDict">The state dict, e.g. from <see cref="Optimizer.StateDict"/>.</param>
    /// <param name="path">The file to write, replaced if it exists.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A state or option name is <see langword="null"/> or empty, an option holds a value a <c>.pt</c> file cannot hold,
    /// or the file name has no stem.
    /// </exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The file or its folder may not be written.</exception>
    public static void Save(OptimizerStateDict stateDict, string path)
    {
        CheckOptimizerStateDict(stateDict);
        string archive = ArchiveName(path);
        AtomicFile.Write(path, stream => TorchCheckpointWriter.WriteOptimizer(stream, archive, stateDict));
    }

    /// <summary>Writes an optimizer's state dict to a stream. See <see cref="Save(OptimizerStateDict, string)"/>.</summary>
    /// <param name="stateDict">The state dict.</param>
    /// <param name="stream">Where to write, from its current position.</param>
    /// <exception cref="ArgumentNullException"><paramref name="stateDict"/> or <paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// A name is <see langword="null"/> or empty, an option holds a value a <c>.pt</c> file cannot hold, or
    /// <paramref name="stream"/> cannot be written.
    /// </exception>
    public static void Save(OptimizerStateDict stateDict, Stream stream)
    {
        CheckOptimizerStateDict(stateDict);
        CheckWritable(stream);
        TorchCheckpointWriter.WriteOptimizer(stream, "archive", stateDict);
    }

    /// <summary>
    /// Reads an optimizer's state dict that <c>torch.save(optimizer.state_dict(), path)</c> or
    /// <see cref="Save(OptimizerStateDict, string)"/> wrote, safely (nothing in the file is executed).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The most the load may allocate; see <see cref="Load(string, long?)"/>.</param>
    /// <returns>The state dict, ready for <see cref="Optimizer.LoadStateDict(OptimizerStateDict)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">The file is not a valid PyTorch checkpoint of an optimizer's state dict.</exception>
    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static OptimizerStateDict LoadOptimizerStateDict(string path, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckMaxBytes(maxBytes);
        using FileStream stream = File.OpenRead(path);
        return TorchCheckpoint.LoadOptimizer(stream, maxBytes);
    }

    /// <summary>Reads an optimizer's state dict from a stream. See <see cref="LoadOptimizerStateDict(string, long?)"/>.</summary>
    /// <param name="stream">The checkpoint; a stream that cannot seek is first copied into memory.</param>
    /// <param name="maxBytes">The most the load may allocate besides that copy.</param>
    /// <returns>The state dict.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative.</exception>
    /// <exception cref="ModelFileException">The data is not a valid PyTorch checkpoint of an optimizer's state dict.</exception>
    public static OptimizerStateDict LoadOptimizerStateDict(Stream stream, long? maxBytes = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckMaxBytes(maxBytes);
        return TorchCheckpoint.LoadOptimizer(stream, maxBytes);
    }

    /// <summary>
    /// The archive folder PyTorch's <c>PyTorchStreamWriter</c> names after the path: its last component up to the last
    /// dot (<c>runs/model.pt</c> → <c>model</c>, <c>ckpt</c> → <c>ckpt</c>).
    /// </summary>
    internal static string ArchiveName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int start = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1;
        int end = path.Length;
        for (int i = path.Length; i > start; i--)
        {
            if (path[i - 1] == '.')
            {
                end = i - 1;
                break;
            }
        }

        if (end <= start)
        {
            ThrowHelper.ThrowInvalidSaveFileName(path, nameof(path));
        }

        return path[start..end];
    }

    private static List<KeyValuePair<string, Tensor>> CheckStateDict(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = stateDict.ToList();
        foreach (KeyValuePair<string, Tensor> entry in entries)
        {
            ThrowHelper.ThrowIfEmptySaveName(entry.Key, nameof(stateDict));
            if (entry.Value is null)
            {
                ThrowHelper.ThrowNullSavedTensor(entry.Key, nameof(stateDict));
            }
        }

        return entries;
    }

    private static void CheckOptimizerStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        foreach (IReadOnlyDictionary<string, Tensor?> state in stateDict.State.Values)
        {
            foreach (string name in state.Keys)
            {
                ThrowHelper.ThrowIfEmptySaveName(name, nameof(stateDict));
            }
        }

        foreach (IReadOnlyDictionary<string, object?> group in stateDict.ParamGroups)
        {
            foreach (string name in group.Keys)
            {
                ThrowHelper.ThrowIfEmptySaveName(name, nameof(stateDict));
            }
        }
    }

    private static void CheckWritable(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            ThrowHelper.ThrowStreamNotWritable(nameof(stream));
        }
    }
}
