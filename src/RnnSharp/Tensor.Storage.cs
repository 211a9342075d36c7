namespace RnnSharp;

public partial class Tensor
{
    /// <summary>The array this tensor's elements live in (<c>float[]</c> or <c>long[]</c>), shared by its views.</summary>
    internal Array StorageArray => _int64 is null ? _storage : _int64;

    /// <summary>Where this tensor's first element sits in <see cref="StorageArray"/>.</summary>
    internal int StorageOffset => _offset;
}
