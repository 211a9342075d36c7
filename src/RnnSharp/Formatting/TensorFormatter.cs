using System.Globalization;
using System.Text;

namespace RnnSharp;

/// <summary>
/// PyTorch 1.13's <c>torch/_tensor_str.py</c> for dense float32 CPU tensors: <c>_str_intern</c>, <c>_tensor_str</c>,
/// <c>_Formatter</c>, <c>_vector_str</c>, <c>_tensor_str_with_formatter</c>, <c>get_summarized_data</c> and
/// <c>_add_suffixes</c>, rule for rule, with the options of <see cref="Torch.PrintOptions"/>.
/// </summary>
internal static class TensorFormatter
{
    private const string Prefix = "tensor(";

    /// <summary>Returns <c>str(tensor)</c>, with an optional suffix such as <c>requires_grad=True</c>.</summary>
    public static string Format(Tensor tensor, string? suffix)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Format(tensor.AsReadOnlySpan(), tensor.Shape, suffix, Torch.PrintOptions);
    }

    /// <summary>Returns <c>str(tensor)</c> of row-major <paramref name="data"/> of <paramref name="shape"/>, printed with <paramref name="options"/>.</summary>
    internal static string Format(ReadOnlySpan<float> data, ReadOnlySpan<int> shape, string? suffix, PrintOptions options)
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

            builder.Append("[]");
        }
        else
        {
            // _tensor_str: summarize = numel > threshold; the formatter sees only the summarized data.
            bool summarize = data.Length > options.Threshold;
            ElementFormatter formatter = summarize
                ? new ElementFormatter(SummarizedData(data, shape, options.EdgeItems), options)
                : new ElementFormatter(data, options);
            new Writer(builder, shape.ToArray(), summarize, formatter, options).WriteTensor(data, 0, indent);
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
    private static List<float> SummarizedData(ReadOnlySpan<float> data, ReadOnlySpan<int> shape, int edgeItems)
    {
        var values = new List<float>();
        Collect(data, shape, edgeItems, values);
        return values;

        static void Collect(ReadOnlySpan<float> data, ReadOnlySpan<int> shape, int edgeItems, List<float> into)
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
    private sealed class Writer(StringBuilder builder, int[] shape, bool summarize, ElementFormatter formatter, PrintOptions options)
    {
        /// <summary>Writes the sub-tensor <paramref name="data"/> whose shape is <c>shape[dim..]</c>.</summary>
        public void WriteTensor(ReadOnlySpan<float> data, int dim, int indent)
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
        private void WriteVector(ReadOnlySpan<float> data, int indent)
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
    private sealed class ElementFormatter
    {
        private readonly int _precision;
        private readonly bool _intMode = true;
        private readonly bool _sciMode;

        public ElementFormatter(List<float> values, PrintOptions options)
            : this(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), options)
        {
        }

        public ElementFormatter(ReadOnlySpan<float> values, PrintOptions options)
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

        /// <summary><c>_Formatter.width()</c>: the width every element is padded to (on the left).</summary>
        public int Width { get; }

        /// <summary><c>_Formatter.format(value)</c>, appended to <paramref name="builder"/>.</summary>
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
}
