using System.Globalization;

namespace RnnSharp;

/// <summary>
/// How much memory loading a weights file may allocate. A checkpoint can describe far more data than it holds —
/// a one-element storage viewed with stride 0 as a <c>[46340, 46340]</c> tensor, a thousand views of one storage,
/// a compressed entry that inflates a thousandfold — and RnnSharp materialises every tensor as dense float32, so
/// <see cref="Torch.Load(string, long?)"/> and <see cref="SafeTensors.LoadFile(string, long?)"/> add up every
/// storage they inflate and every tensor they build, and refuse the file with a <see cref="ModelFileException"/>
/// <em>before</em> allocating past the budget.
/// </summary>
/// <remarks>
/// The default budget is <see cref="DefaultSizeMultiple"/> times the file's size plus
/// <see cref="DefaultAllowanceBytes"/>: enough for every legitimate state dict (float16 and bfloat16 storages
/// double in size as float32, views of a larger tensor and several names for one tensor are copied out once each),
/// and too little for a small file to cost gigabytes. Pass <c>maxBytes</c> to raise or lower it. The reader's own
/// bookkeeping (the zip directory, the pickle's small objects) is not charged: it grows with the file's size, not
/// with the sizes the file claims.
/// </remarks>
public static class LoadBudget
{
    /// <summary>The default budget's multiple of the file size: 4.</summary>
    public const int DefaultSizeMultiple = 4;

    /// <summary>The default budget's fixed allowance on top of the multiple: 16 MiB.</summary>
    public const long DefaultAllowanceBytes = 16L << 20;

    /// <summary>The default budget for a file of <paramref name="fileLength"/> bytes: <c>4 · fileLength + 16 MiB</c>.</summary>
    /// <param name="fileLength">The size of the file (or of the stream's remaining data) in bytes.</param>
    /// <returns>The number of bytes a load of that file may allocate.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fileLength"/> is negative.</exception>
    public static long Default(long fileLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileLength);
        return fileLength > (long.MaxValue - DefaultAllowanceBytes) / DefaultSizeMultiple
            ? long.MaxValue
            : (DefaultSizeMultiple * fileLength) + DefaultAllowanceBytes;
    }
}
