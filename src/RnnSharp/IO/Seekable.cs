namespace RnnSharp;

/// <summary>Readers check lengths against what the data really holds, which needs a stream that can seek.</summary>
internal static class Seekable
{
    /// <summary>
    /// <paramref name="stream"/> itself if it can seek; otherwise a copy of the rest of it in memory, which grows
    /// only with the bytes the stream really delivers (never with sizes the data claims).
    /// </summary>
    public static Stream From(Stream stream)
    {
        if (stream.CanSeek)
        {
            return stream;
        }

        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}
