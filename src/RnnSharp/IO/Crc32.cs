namespace RnnSharp;

/// <summary>The zip format's CRC-32 (polynomial 0xEDB88320), table-driven, eight bytes per step (slicing-by-8).</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t = Table;
        uint c = ~crc;
        while (data.Length >= 8)
        {
            uint one = c ^ (uint)(data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24));
            uint two = (uint)(data[4] | (data[5] << 8) | (data[6] << 16) | (data[7] << 24));
            c = t[(7 * 256) + (one & 0xff)] ^ t[(6 * 256) + ((one >> 8) & 0xff)] ^ t[(5 * 256) + ((one >> 16) & 0xff)] ^ t[(4 * 256) + (one >> 24)]
                ^ t[(3 * 256) + (two & 0xff)] ^ t[(2 * 256) + ((two >> 8) & 0xff)] ^ t[256 + ((two >> 16) & 0xff)] ^ t[two >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            c = t[(c ^ b) & 0xff] ^ (c >> 8);
        }

        return ~c;
    }

    /// <summary>The bit-at-a-time definition, the oracle the table-driven <see cref="Append"/> is tested against.</summary>
    internal static uint Naive(ReadOnlySpan<byte> data)
    {
        uint c = uint.MaxValue;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
        }

        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        for (int slice = 1; slice < 8; slice++)
        {
            for (int n = 0; n < 256; n++)
            {
                uint previous = table[((slice - 1) * 256) + n];
                table[(slice * 256) + n] = (previous >> 8) ^ table[previous & 0xff];
            }
        }

        return table;
    }
}
