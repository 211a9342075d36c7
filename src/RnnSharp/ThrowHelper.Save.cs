using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>The errors of <see cref="Torch.Save(IReadOnlyDictionary{string, Tensor}, string)"/> and its overloads.</summary>
internal static partial class ThrowHelper
{
    /// <summary>A state dict's name is null or empty: no PyTorch module makes such a key, and nothing could load it by name.</summary>
    public static void ThrowIfEmptySaveName(string? name, string paramName)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException(
                $"A name in the state dict is {(name is null ? "null" : "empty")}; every tensor needs a name to be saved and loaded by.", paramName);
        }
    }

    /// <summary>A state dict maps a name to null.</summary>
    [DoesNotReturn]
    public static void ThrowNullSavedTensor(string name, string paramName) =>
        throw new ArgumentNullException(paramName, $"The state dict maps '{name}' to null; torch.save needs a tensor.");

    /// <summary>PyTorchStreamWriter's error for a path whose last component gives no archive name (".pt", "dir/").</summary>
    [DoesNotReturn]
    public static void ThrowInvalidSaveFileName(string path, string paramName) =>
        throw new ArgumentException(
            $"invalid file name: {path} (torch.save names the archive folder after the file name without its extension, which is empty here)", paramName);

    /// <summary>The destination stream cannot be written.</summary>
    [DoesNotReturn]
    public static void ThrowStreamNotWritable(string paramName) =>
        throw new ArgumentException("The stream cannot be written (CanWrite is false).", paramName);

    /// <summary>A tensor of a dtype RnnSharp cannot write (every dtype RnnSharp has today can be written).</summary>
    [DoesNotReturn]
    public static T ThrowUnsupportedSaveDType<T>(DType dtype, string paramName) =>
        throw new ArgumentException($"torch.save of a {dtype} tensor is not supported: RnnSharp writes float32 and int64 tensors.", paramName);

    /// <summary>An optimizer option whose value has no Python counterpart RnnSharp writes.</summary>
    [DoesNotReturn]
    public static T ThrowUnsupportedOptimizerOption<T>(string key, object value, string paramName) =>
        throw new ArgumentException(
            $"The optimizer option '{key}' holds a {value.GetType().Name}; a .pt file written by RnnSharp holds numbers, booleans, None, a pair of numbers (betas) and the params list.",
            paramName);
}
