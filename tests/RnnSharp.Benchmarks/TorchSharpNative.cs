using System.Buffers.Binary;
using System.Text;

namespace RnnSharp.Benchmarks;

/// <summary>
/// Makes TorchSharp-cpu 0.107.0's glue library load on Debian 12.
/// </summary>
/// <remarks>
/// libLibTorchSharp.so requires the symbol version GLIBCXX_3.4.32 (GCC 13's libstdc++), which Debian 12's
/// libstdc++ (GCC 12) lacks, so dlopen fails. Its only symbol under that version is
/// <c>std::ios_base_library_init()</c>, which it never calls. Marking that one version requirement weak
/// (<c>VER_FLG_WEAK</c> in its <c>.gnu.version_r</c> entry) lets the loader accept the library. This patches the
/// copy in the benchmark's own build output, in place and idempotently, before TorchSharp is first used; the
/// NuGet cache and RnnSharp itself are never touched.
/// </remarks>
internal static class TorchSharpNative
{
    private const string Library = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    private static readonly Lock Gate = new();
    private static bool s_done;

    /// <summary>Patches every copy of the glue library under the application's directory, once per process.</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (s_done || !OperatingSystem.IsLinux())
            {
                return;
            }

            foreach (string path in Directory.EnumerateFiles(AppContext.BaseDirectory, Library, SearchOption.AllDirectories))
            {
                MarkVersionWeak(path, MissingVersion);
            }

            s_done = true;
        }
    }

    /// <summary>Sets VER_FLG_WEAK on the version requirement named <paramref name="version"/>; returns whether the file changed.</summary>
    public static bool MarkVersionWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");
        }

        ulong sectionHeaders = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> header = elf.AsSpan(checked((int)sectionHeaders + (i * entrySize)), entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
            {
                continue;
            }

            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[24..]));
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
            ReadOnlySpan<byte> linked = elf.AsSpan(checked((int)sectionHeaders + (link * entrySize)), entrySize);
            int strings = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(linked[24..]));

            // Elf64_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 }
            // Elf64_Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }
            for (int need = offset; ;)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(need + 2));
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    int name = strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 8));
                    int end = Array.IndexOf(elf, (byte)0, name);
                    if (Encoding.ASCII.GetString(elf, name, end - name) == version)
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
                        if ((flags & VerFlgWeak) != 0)
                        {
                            return false;
                        }

                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | VerFlgWeak));
                        File.WriteAllBytes(path, elf);
                        return true;
                    }

                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 12));
                }

                uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 12));
                if (next == 0)
                {
                    break;
                }

                need += (int)next;
            }
        }

        return false;
    }
}
