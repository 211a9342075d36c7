namespace RnnSharp;

/// <summary>Copies .NET arrays (rectangular or nested) into new tensors, checking that nesting is rectangular.</summary>
internal static class TensorFromArray
{
    public static Tensor Create(Array data, string paramName)
    {
        ArgumentNullException.ThrowIfNull(data, paramName);
        var shape = new List<int>();
        InferShape(data, shape, paramName);
        Tensor result = Tensor.CreateOwned([.. shape]);
        int written = 0;
        Fill(data, 0, shape, result.AsSpan(), ref written, paramName);
        return result;
    }

    private static void InferShape(Array data, List<int> shape, string paramName)
    {
        Type? element = data.GetType().GetElementType();
        if (element == typeof(float))
        {
            // float[], float[,], float[,,]...: the array's own lengths are the shape.
            for (int d = 0; d < data.Rank; d++)
            {
                shape.Add(data.GetLength(d));
            }

            return;
        }

        if (data.Rank == 1 && element is { IsArray: true })
        {
            shape.Add(data.Length);
            if (data.Length > 0)
            {
                Array first = data.GetValue(0) as Array ?? throw new ArgumentNullException(paramName, "A nested array element is null.");
                InferShape(first, shape, paramName);
            }

            return;
        }

        ThrowHelper.ThrowUnsupportedArray(data.GetType(), paramName);
    }

    private static void Fill(Array data, int dim, List<int> shape, Span<float> dest, ref int written, string paramName)
    {
        if (data.GetType().GetElementType() == typeof(float))
        {
            // A rectangular block (or a vector) ends the nesting; check it matches what the first one promised.
            for (int d = 0; d < data.Rank; d++)
            {
                if (data.GetLength(d) != shape[dim + d])
                {
                    ThrowHelper.ThrowRagged(dim + d, shape[dim + d], data.GetLength(d), paramName);
                }
            }

            if (dim + data.Rank != shape.Count)
            {
                ThrowHelper.ThrowRagged(dim, shape[dim], data.Length, paramName);
            }

            foreach (float v in data)
            {
                dest[written++] = v;
            }

            return;
        }

        if (data.Length != shape[dim])
        {
            ThrowHelper.ThrowRagged(dim, shape[dim], data.Length, paramName);
        }

        foreach (object? item in data)
        {
            if (item is not Array inner)
            {
                throw new ArgumentNullException(paramName, "A nested array element is null.");
            }

            Fill(inner, dim + 1, shape, dest, ref written, paramName);
        }
    }
}
