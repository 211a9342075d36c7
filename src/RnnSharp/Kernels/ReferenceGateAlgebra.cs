namespace RnnSharp.Kernels;

/// <summary>
/// The double-precision scalar pieces the naive gated-layer oracles (<see cref="ReferenceLstmLayer"/>,
/// <see cref="ReferenceGruLayer"/>) share: the sigmoid, the per-row products of backward, and the final store.
/// </summary>
internal static class ReferenceGateAlgebra
{
    /// <summary>σ(x) = 1 / (1 + e^(−x)) in double.</summary>
    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>Σ_k row[k] · v[k] in double.</summary>
    public static double Dot(ReadOnlySpan<float> row, ReadOnlySpan<double> v)
    {
        double sum = 0.0;
        for (int k = 0; k < row.Length; k++)
        {
            sum += row[k] * v[k];
        }

        return sum;
    }

    /// <summary>
    /// The gradient of a product W·v for one row: weightGrad <c>(G, K)</c> += d ⊗ v and biasGrad <c>(G)</c> += d
    /// (biasGrad may be empty), with d <c>(G)</c> and v <c>(K)</c>.
    /// </summary>
    public static void AccumulateOuter(ReadOnlySpan<double> d, ReadOnlySpan<float> v, Span<double> weightGrad, Span<double> biasGrad)
    {
        int cols = v.Length;
        for (int j = 0; j < d.Length; j++)
        {
            if (!biasGrad.IsEmpty)
            {
                biasGrad[j] += d[j];
            }

            for (int k = 0; k < cols; k++)
            {
                weightGrad[(j * cols) + k] += d[j] * v[k];
            }
        }
    }

    /// <summary>destination[k] = Σ_j d[j] · weight[j, k] (Wᵀ·d), with weight <c>(G, K)</c>, d <c>(G)</c>, destination <c>(K)</c>.</summary>
    public static void MultiplyTransposed(ReadOnlySpan<double> d, ReadOnlySpan<float> weight, Span<double> destination)
    {
        int cols = destination.Length;
        for (int k = 0; k < cols; k++)
        {
            double sum = 0.0;
            for (int j = 0; j < d.Length; j++)
            {
                sum += d[j] * weight[(j * cols) + k];
            }

            destination[k] = sum;
        }
    }

    /// <summary>Rounds a double buffer to float32 into destination.</summary>
    public static void Store(ReadOnlySpan<double> source, Span<float> destination)
    {
        for (int e = 0; e < source.Length; e++)
        {
            destination[e] = (float)source[e];
        }
    }
}
