using System.Text;
using RnnSharp;

namespace RnnSharp.Samples;

/// <summary>
/// The few NumPy and Python behaviours the course's programs print through, for the samples only: how NumPy prints
/// an integer array (<c>[[1 3 2 3 3 4]]</c>), <c>np.squeeze</c>, <c>np.eye(n)[indices]</c>, <c>np.loadtxt</c> of a
/// CSV file, and how Python prints a list of lists (<c>[[1, 0, 2, 3, 3, 4]]</c>) or of strings
/// (<c>['i feel hungry.', '나는 배가 고프다.']</c>). The library itself prints tensors as PyTorch does.
/// </summary>
internal static class Numpy
{
    /// <summary>What <c>print(array)</c> shows for an int64 array, e.g. <c>[[1 3 2 3 3 4]]</c> (elements right-aligned to the widest, no line wrapping).</summary>
    public static string Str(Tensor array)
    {
        long[] values = array.AsReadOnlyInt64Span().ToArray();
        int width = values.Length == 0 ? 0 : values.Max(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var text = new StringBuilder();
        int at = 0;
        Append(text, array.Shape.ToArray(), 0, values, ref at, width);
        return text.ToString();
    }

    /// <summary><c>np.squeeze(array)</c> of an int64 array, as its elements in order (squeezing does not reorder them).</summary>
    public static long[] Squeeze(Tensor array) => array.AsReadOnlyInt64Span().ToArray();

    /// <summary><c>np.eye(size)[indices]</c>: one row of the identity per index.</summary>
    public static float[][] Eye(int size, IEnumerable<int> indices) =>
        indices.Select(i => Enumerable.Range(0, size).Select(j => j == i ? 1f : 0f).ToArray()).ToArray();

    /// <summary>What Python prints for a list of lists of ints: <c>[[1, 0, 2]]</c>.</summary>
    public static string PyList(IEnumerable<IEnumerable<int>> rows) =>
        "[" + string.Join(", ", rows.Select(r => "[" + string.Join(", ", r) + "]")) + "]";

    /// <summary>What Python prints for a list of strings without quotes or backslashes in them: <c>['a b', 'c']</c>.</summary>
    public static string PyList(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(s => "'" + s + "'")) + "]";

    /// <summary>
    /// <c>np.loadtxt(path, delimiter=delimiter)</c> of a file of numbers: everything from a <c>#</c> to the end of a
    /// line is a comment, lines left blank are skipped, and each value is read as the nearest double (as NumPy's
    /// parser and .NET's both do). One row per data line.
    /// </summary>
    public static double[][] LoadTxt(string path, char delimiter)
    {
        var rows = new List<double[]>();
        foreach (string line in File.ReadLines(path))
        {
            int comment = line.IndexOf('#', StringComparison.Ordinal);
            string data = (comment < 0 ? line : line[..comment]).Trim();
            if (data.Length == 0)
            {
                continue;
            }

            rows.Add([.. data.Split(delimiter).Select(v => double.Parse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture))]);
            if (rows[^1].Length != rows[0].Length)
            {
                throw new FormatException($"{path}: row {rows.Count} has {rows[^1].Length} columns, the first row {rows[0].Length}.");
            }
        }

        return [.. rows];
    }

    /// <summary><c>torch.FloatTensor(array)</c>'s conversion of a float64 array: each value rounded to the nearest float32.</summary>
    public static float[][] AsFloat32(double[][] array) => [.. array.Select(row => row.Select(v => (float)v).ToArray())];

    /// <summary><c>torch.FloatTensor(array)</c>'s conversion of a float64 array: each value rounded to the nearest float32.</summary>
    public static float[][][] AsFloat32(double[][][] array) => [.. array.Select(AsFloat32)];

    private static void Append(StringBuilder text, int[] shape, int dim, long[] values, ref int at, int width)
    {
        if (dim == shape.Length)
        {
            text.Append(values[at++].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width));
            return;
        }

        text.Append('[');
        for (int i = 0; i < shape[dim]; i++)
        {
            if (i > 0)
            {
                // NumPy separates the innermost elements with a space and sub-arrays with newlines (and a blank line per extra level).
                text.Append(dim == shape.Length - 1 ? " " : new string('\n', shape.Length - dim - 1) + new string(' ', dim + 1));
            }

            Append(text, shape, dim + 1, values, ref at, width);
        }

        text.Append(']');
    }
}
