namespace RnnSharp;

/// <summary>
/// The file is not a valid weights file, or asks for something RnnSharp refuses to do (such as calling a Python
/// function a pickle names). Thrown by <see cref="SafeTensors"/> and <see cref="Torch.Load(string, long?)"/> for every
/// malformed, truncated or hostile input; <see cref="Exception.InnerException"/> carries the low-level cause when
/// there is one.
/// </summary>
public sealed class ModelFileException : Exception
{
    /// <summary>Creates the exception with a message saying what is wrong with the file.</summary>
    /// <param name="message">What is wrong, naming the entry, key or offset concerned.</param>
    public ModelFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the low-level cause.</summary>
    /// <param name="message">What is wrong, naming the entry, key or offset concerned.</param>
    /// <param name="innerException">The error that revealed it.</param>
    public ModelFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ModelFileException()
        : base("The file is not a valid weights file.")
    {
    }
}
