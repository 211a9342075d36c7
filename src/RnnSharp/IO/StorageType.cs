using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RnnSharp;

/// <summary>The element types RnnSharp reads from weights files; floating types become float32 on load, int64 stays int64.</summary>
internal enum StorageType
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int64,
}

/// <summary>Sizes and little-endian conversions of <see cref="StorageType"/> elements.</summary>
internal static class StorageTypes
{
    public static int ElementSize(StorageType type) => type switch
    {
        StorageType.Float32 => 4,
        StorageType.Float64 or StorageType.Int64 => 8,
        _ => 2,
    };

    /// <summary>Converts little-endian elements of <paramref name="type"/> in <paramref name="source"/> to float32.</summary>
    public static void ToFloat32(ReadOnlySpan<byte> source, StorageType type, Span<float> destination)
    {
        switch (type)
        {
            case StorageType.Float32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(source)[..destination.Length].CopyTo(destination);
                break;
            case StorageType.Float32:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                }

                break;
            case StorageType.Float64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source[(8 * i)..]);
                }

                break;
            case StorageType.Float16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                }

                break;
            case StorageType.BFloat16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                }

                break;
        }
    }
}
