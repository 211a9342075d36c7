namespace RnnSharp.Tests.Infrastructure;

/// <summary>Accuracy of a float32 function against its exact value (computed in double), in units in the last place.</summary>
internal static class UlpAssert
{
    /// <summary>
    /// Asserts that every <c>actual[i]</c> is within <paramref name="maxUlp"/> of <c>exact(x[i])</c>, and the errors
    /// average under <paramref name="meanUlp"/>; an ulp is the spacing of float32 at the correctly rounded value.
    /// </summary>
    public static void Within(float[] x, float[] actual, Func<double, double> exact, string name, double maxUlp, double meanUlp)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double value = exact(x[i]);
            float rounded = (float)value;
            double ulp = Math.Abs((double)MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
            double error = Math.Abs(actual[i] - value) / ulp;
            error.Should().BeLessThanOrEqualTo(maxUlp, $"{name}({x[i]:R}) = {value:R}, got {actual[i]:R}");
            sum += error;
        }

        (sum / x.Length).Should().BeLessThan(meanUlp);
    }
}
