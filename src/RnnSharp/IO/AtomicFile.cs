using System.Globalization;

namespace RnnSharp;

/// <summary>Writes a file so that the path holds either its old contents or the whole new file, never a part.</summary>
internal static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a temporary file in the same folder as <paramref name="path"/>, then moves it over
    /// <paramref name="path"/>; if anything fails the temporary file is deleted and <paramref name="path"/> is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string temporary = string.Create(CultureInfo.InvariantCulture, $"{path}.tmp-{Environment.ProcessId}-{Path.GetRandomFileName()}");
        try
        {
            using (FileStream stream = File.Create(temporary))
            {
                write(stream);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
