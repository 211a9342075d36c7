using System.Globalization;
using System.Text;

namespace RnnSharp;

/// <summary>
/// PyTorch 1.13's <c>torch/_tensor_str.py</c> for dense float32 and int64 CPU tensors: <c>_str_intern</c>,
/// <c>_tensor_str</c>, <c>_Formatter</c>, <c>_vector_str</c>, <c>_tensor_str_with_formatter</c>,
/// <c>get_summarized_data</c> and <c>_add_suffixes</c>, rule for rule, with the options of <see cref="Torch.PrintOptions"/>.
/// </summary>
/// <remarks>
/// The layout (nesting, wrapping, summaries, suffixes) is shared; only <c>_Formatter</c> differs by dtype, so it is
/// a type parameter: <see cref="ElementFormatter"/> for float32, <see cref="Int64Formatter"/> for int64.
/// </remarks>
internal static class TensorFormatter
{
    private const string Prefix = "tensor(";

    /// <summary>Returns <c>str(tensor)</c>, with an optional suffix such as <c>requires_grad=True</c>.</summary>
    public static string Format(Tensor tensor, string? suffix)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.DType == DType.Int64
            ? Format(tensor.AsReadOnlyInt64Span(), tensor.Shape, suffix, Torch.PrintOptions)
            : Format(tensor.AsReadOnlySpan(), tensor.Shape, suffix, Torch.PrintOptions);
    }

    /// <summary>Returns <c>str(tensor)</c> of row-major float32 <paramref name="data"/> of <paramref name="shape"/>, printed with <paramref name="options"/>.</summary>
    internal static string Format(ReadOnlySpan<float> data, ReadOnlySpan<int> shape, string? suffix, PrintOptions options) =>
        Format<float, ElementFormatter>(data, shape, emptyDType: null, suffix, options);

    /// <summary>
    /// Returns <c>str(tensor)</c> of row-major int64 <paramref name="data"/>: no <c>dtype=</c> suffix unless the tensor is
    /// empty (int64 is the default integer type; "in an empty tensor, there are no elements to infer if the dtype should be int64").
    /// </summary>
    internal static string Format(ReadOnlySpan<long> data, ReadOnlySpan<int> shape, string? suffix, PrintOptions options) =>
        Format<long, Int64Formatter>(data, shape, emptyDType: "torch.int64", suffix, options);

    /// <summary>
    /// <c>_str_intern</c> for a dense CPU tensor; <paramref name="emptyDType"/> is the dtype an empty tensor of this
    /// type names, <see langword="null"/> for the default float dtype.
    /// </summary>
    private static string Format<T, TFormatter>(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, string? emptyDType, string? suffix, PrintOptions options)
        where TFormatter : IElementFormatter<T, TFormatter>
    {
        // _str_intern: prefix "tensor(", indent = len(prefix).
        int indent = Prefix.Length;
        var builder = new StringBuilder(Prefix);
        List<string> suffixes = [];
        if (data.IsEmpty)
        {
            // "Explicitly print the shape if it is not (0,), to match NumPy behavior".
            if (shape.Length != 1)
            {
                suffixes.Add("size=" + PyTuple(shape));
            }

            if (emptyDType is not null)
            {
                suffixes.Add("dtype=" + emptyDType);
            }

            builder.Append("[]");
        }
        else
        {
            // _tensor_str: summarize = numel > threshold; the formatter sees only the summarized data.
            bool summarize = data.Length > options.Threshold;
            TFormatter formatter = summarize
                ? TFormatter.Create(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(SummarizedData(data, shape, options.EdgeItems)), options)
                : TFormatter.Create(data, options);
            new Writer<T, TFormatter>(builder, shape.ToArray(), summarize, formatter, options).WriteTensor(data, 0, indent);
        }

        if (suffix is not null)
        {
            suffixes.Add(suffix);
        }

        return AddSuffixes(builder.ToString(), suffixes, indent, options.Linewidth);
    }

    /// <summary>
    /// <c>_add_suffixes</c> with <c>force_newline=False</c>: each suffix goes on the last line after <c>", "</c>
    /// unless that line would exceed the line width, then on a new line indented by <paramref name="indent"/>.
    /// </summary>
    private static string AddSuffixes(string tensorStr, List<string> suffixes, int indent, int linewidth)
    {
        if (suffixes.Count == 0)
        {
            return tensorStr + ")";
        }

        var builder = new StringBuilder(tensorStr);

        // Python: len(tensor_str) - tensor_str.rfind("\n") + 1, where rfind gives -1 when there is no newline.
        long lastLineLength = tensorStr.Length - tensorStr.LastIndexOf('\n') + 1;
        foreach (string suffix in suffixes)
        {
            if (lastLineLength + suffix.Length + 2 > linewidth)
            {
                builder.Append(",\n").Append(' ', indent).Append(suffix);
                lastLineLength = indent + suffix.Length;
            }
            else
            {
                builder.Append(", ").Append(suffix);
                lastLineLength += suffix.Length + 2;
            }
        }

        return builder.Append(')').ToString();
    }

    /// <summary>
    /// <c>get_summarized_data</c>, flattened: the elements a summarized tensor prints, which are the only ones its
    /// formatter looks at. Along a summarized dimension that is the first and last <paramref name="edgeItems"/>
    /// entries; for the last dimension PyTorch slices <c>self[-edgeitems:]</c>, which is the whole row when
    /// <paramref name="edgeItems"/> is 0.
    /// </summary>
    private static List<T> SummarizedData<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, int edgeItems)
    {
        var values = new List<T>();
        Collect(data, shape, edgeItems, values);
        return values;

        static void Collect(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, int edgeItems, List<T> into)
        {
            if (shape.IsEmpty)
            {
                into.Add(data[0]);
                return;
            }

            int size = shape[0];
            bool summarized = size > 2L * edgeItems;
            if (shape.Length == 1)
            {
                if (summarized)
                {
                    into.AddRange(data[..edgeItems]);
                    into.AddRange(data[(edgeItems == 0 ? 0 : size - edgeItems)..]);
                }
                else
                {
                    into.AddRange(data);
                }

                return;
            }

            int inner = data.Length / size;
            ReadOnlySpan<int> innerShape = shape[1..];
            if (summarized)
            {
                for (int i = 0; i < edgeItems; i++)
                {
                    Collect(data.Slice(i * inner, inner), innerShape, edgeItems, into);
                }

                for (int i = size - edgeItems; i < size; i++)
                {
                    Collect(data.Slice(i * inner, inner), innerShape, edgeItems, into);
                }
            }
            else
            {
                for (int i = 0; i < size; i++)
                {
                    Collect(data.Slice(i * inner, inner), innerShape, edgeItems, into);
                }
            }
        }
    }

    /// <summary>Python's <c>str(tuple(shape))</c>: <c>(2, 0)</c>, <c>(0,)</c>.</summary>
    private static string PyTuple(ReadOnlySpan<int> shape)
    {
        var builder = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append(shape.Length == 1 ? ",)" : ")").ToString();
    }

    /// <summary><c>_tensor_str_with_formatter</c> and <c>_vector_str</c>, writing into one builder.</summary>
    private sealed class Writer<T, TFormatter>(StringBuilder builder, int[] shape, bool summarize, TFormatter formatter, PrintOptions options)
        where TFormatter : IElementFormatter<T, TFormatter>
    {
        /// <summary>Writes the sub-tensor <paramref name="data"/> whose shape is <c>shape[dim..]</c>.</summary>
        public void WriteTensor(ReadOnlySpan<T> data, int dim, int indent)
        {
            int rank = shape.Length - dim;
            if (rank == 0)
            {
                formatter.Append(builder, data[0]);
                return;
            }

            if (rank == 1)
            {
                WriteVector(data, indent);
                return;
            }

            int size = shape[dim];
            int inner = data.Length / size;
            int edgeItems = options.EdgeItems;
            string separator = "," + new string('\n', rank - 1) + new string(' ', indent + 1);
            builder.Append('[');
            if (summarize && size > 2L * edgeItems)
            {
                for (int i = 0; i < edgeItems; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(separator);
                    }

                    WriteTensor(data.Slice(i * inner, inner), dim + 1, indent + 1);
                }

                if (edgeItems > 0)
                {
                    builder.Append(separator);
                }

                builder.Append("...");
                for (int i = size - edgeItems; i < size; i++)
                {
                    builder.Append(separator);
                    WriteTensor(data.Slice(i * inner, inner), dim + 1, indent + 1);
                }
            }
            else
            {
                for (int i = 0; i < size; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(separator);
                    }

                    WriteTensor(data.Slice(i * inner, inner), dim + 1, indent + 1);
                }
            }

            builder.Append(']');
        }

        /// <summary>
        /// <c>_vector_str</c>: items of width <c>formatter.width()</c> joined by <c>", "</c>, as many per line as
        /// <c>floor((linewidth - indent) / (width + 2))</c> (at least one), lines joined by <c>",\n"</c> and indentation.
        /// A summary item <c>" ..."</c> counts as one item.
        /// </summary>
        private void WriteVector(ReadOnlySpan<T> data, int indent)
        {
            int elementLength = formatter.Width + 2;
            int elementsPerLine = (int)Math.Max(1, Math.Floor((double)((long)options.Linewidth - indent) / elementLength));
            int size = data.Length;
            int edgeItems = options.EdgeItems;
            int item = 0;
            builder.Append('[');
            if (summarize && size > 2L * edgeItems)
            {
                for (int i = 0; i < edgeItems; i++)
                {
                    Separate(ref item, elementsPerLine, indent);
                    formatter.Append(builder, data[i]);
                }

                Separate(ref item, elementsPerLine, indent);
                builder.Append(" ...");

                // self[-edgeitems:] is the whole row when edgeitems is 0.
                for (int i = edgeItems == 0 ? 0 : size - edgeItems; i < size; i++)
                {
                    Separate(ref item, elementsPerLine, indent);
                    formatter.Append(builder, data[i]);
                }
            }
            else
            {
                for (int i = 0; i < size; i++)
                {
                    Separate(ref item, elementsPerLine, indent);
                    formatter.Append(builder, data[i]);
                }
            }

            builder.Append(']');
        }

        /// <summary>Writes what goes before item number <paramref name="item"/> of a vector, then counts it.</summary>
        private void Separate(ref int item, int elementsPerLine, int indent)
        {
            if (item > 0)
            {
                if (item % elementsPerLine == 0)
                {
                    builder.Append(",\n").Append(' ', indent + 1);
                }
                else
                {
                    builder.Append(", ");
                }
            }

            item++;
        }
    }

    /// <summary>
    /// <c>_Formatter</c> for a floating tensor: looks at the nonzero finite values to choose integer mode
    /// (<c>1.</c>), scientific or fixed notation, and the common width every element is right-aligned to.
    /// </summary>
    private sealed class ElementFormatter : IElementFormatter<float, ElementFormatter>
    {
        private readonly int _precision;
        private readonly bool _intMode = true;
        private readonly bool _sciMode;

        private ElementFormatter(ReadOnlySpan<float> values, PrintOptions options)
        {
            _precision = options.Precision;
            Width = 1;

            bool any = false;
            float minAbs = float.PositiveInfinity;
            float maxAbs = 0f;
            foreach (float v in values)
            {
                if (v == 0f || !float.IsFinite(v))
                {
                    continue;
                }

                any = true;
                float abs = Math.Abs(v);
                minAbs = Math.Min(minAbs, abs);
                maxAbs = Math.Max(maxAbs, abs);
                if (_intMode && v != MathF.Ceiling(v))
                {
                    _intMode = false;
                }
            }

            if (!any)
            {
                // "no valid number, do nothing": PyTorch returns before applying PRINT_OPTS.sci_mode.
                return;
            }

            // The ratio and bounds are computed in double on the float32 values.
            double max = maxAbs;
            double min = minAbs;
            _sciMode = max / min > 1000.0 || max > 1.0e8 || (!_intMode && min < 1.0e-4);

            int width = 1;
            foreach (float v in values)
            {
                if (v == 0f || !float.IsFinite(v))
                {
                    continue;
                }

                int length = _sciMode ? PyFloatFormat.Scientific(v, _precision).Length
                    : _intMode ? PyFloatFormat.Fixed(v, 0).Length + 1
                    : PyFloatFormat.Fixed(v, _precision).Length;
                width = Math.Max(width, length);
            }

            Width = width;
            if (options.SciMode is bool forced)
            {
                _sciMode = forced;
            }
        }

        /// <inheritdoc/>
        public int Width { get; }

        /// <inheritdoc/>
        public static ElementFormatter Create(ReadOnlySpan<float> values, PrintOptions options) => new(values, options);

        /// <inheritdoc/>
        public void Append(StringBuilder builder, float value)
        {
            string text;
            if (_sciMode)
            {
                text = PyFloatFormat.Scientific(value, _precision);
            }
            else if (_intMode)
            {
                text = PyFloatFormat.Fixed(value, 0);
                if (float.IsFinite(value))
                {
                    text += ".";
                }
            }
            else
            {
                text = PyFloatFormat.Fixed(value, _precision);
            }

            if (text.Length < Width)
            {
                builder.Append(' ', Width - text.Length);
            }

            builder.Append(text);
        }
    }

    /// <summary><c>_Formatter</c>: measures the elements it will print, then pads each to the common width.</summary>
    private interface IElementFormatter<T, TSelf>
        where TSelf : IElementFormatter<T, TSelf>
    {
        /// <summary><c>_Formatter.width()</c>: the width every element is padded to (on the left).</summary>
        int Width { get; }

        /// <summary><c>_Formatter.__init__</c> over the (summarized) values the tensor prints.</summary>
        static abstract TSelf Create(ReadOnlySpan<T> values, PrintOptions options);

        /// <summary><c>_Formatter.format(value)</c>, appended to <paramref name="builder"/>.</summary>
        void Append(StringBuilder builder, T value);
    }

    /// <summary>
    /// <c>_Formatter</c> for an integer tensor: every element is <c>"{}".format(value)</c> (no decimal point, no notation
    /// choice, print options other than the layout ones ignored), right-aligned to the longest.
    /// </summary>
    private sealed class Int64Formatter : IElementFormatter<long, Int64Formatter>
    {
        private Int64Formatter(int width) => Width = width;

        /// <inheritdoc/>
        public int Width { get; }

        /// <inheritdoc/>
        public static Int64Formatter Create(ReadOnlySpan<long> values, PrintOptions options)
        {
            int width = 1;
            foreach (long v in values)
            {
                width = Math.Max(width, DecimalLength(v));
            }

            return new Int64Formatter(width);
        }

        /// <inheritdoc/>
        public void Append(StringBuilder builder, long value)
        {
            int length = DecimalLength(value);
            if (length < Width)
            {
                builder.Append(' ', Width - length);
            }

            builder.Append(value.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>The length of Python's <c>str(value)</c>: the digits, and a minus sign if negative.</summary>
        private static int DecimalLength(long value)
        {
            ulong magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
            int length = value < 0 ? 2 : 1;
            while (magnitude >= 10)
            {
                magnitude /= 10;
                length++;
            }

            return length;
        }
    }
}
