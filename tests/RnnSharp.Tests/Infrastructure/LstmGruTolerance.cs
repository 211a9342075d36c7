using System.Text.Json;
using Xunit.Abstractions;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>The measured tolerance rule of the LSTM/GRU fixtures (lstm_gru.json), shared by the oracle and module tests.</summary>
internal static class LstmGruTolerance
{
    /// <summary>
    /// A recorded layer case's backward: checks the results' grad_fn names, back-propagates the case's upstream
    /// gradients (<c>grad_output</c>, <c>grad_h_n</c>, <c>grad_c_n</c>) and returns every result and gradient by the
    /// recorder's names — output, h_n (c_n), then each leaf's gradient and every parameter's — for <see cref="AssertMatches"/>.
    /// </summary>
    public static Dictionary<string, float[]> BackwardAndCollect(
        JsonElement c, Module module, Tensor output, Tensor hN, Tensor? cN, params (string Name, Tensor? Leaf)[] leaves)
    {
        var results = new List<(string Name, Tensor Value)> { ("output", output), ("h_n", hN) };
        if (cN is not null)
        {
            results.Add(("c_n", cN));
        }

        var actual = new Dictionary<string, float[]>();
        foreach ((string name, Tensor value) in results)
        {
            value.GradFn!.Name.Should().Be(c.GetProperty(name + "_grad_fn").GetString(), name);
            actual[name] = value.ToArray();
        }

        Torch.Autograd.Backward([.. results.Select(r => r.Value)], [.. results.Select(r => Fixture.ReadTensor(c.GetProperty("grad_" + r.Name)))]);
        foreach ((string name, Tensor? leaf) in leaves)
        {
            if (leaf is not null)
            {
                actual[name] = leaf.Grad!.ToArray();
            }
        }

        foreach ((string name, Parameter p) in module.NamedParameters())
        {
            actual[name] = p.Grad!.ToArray();
        }

        return actual;
    }

    /// <summary>
    /// Every recorded tensor against ours. Tolerance per tensor: atol = 2·δ + 4·ulp(s), rtol = 0, where δ is
    /// max |float32 − float64| of PyTorch on this case and s its max |value|. Why: the float64 run is close to the
    /// exact result, so PyTorch's float32 result is within about δ of it; ours (the float32 kernels, or the oracle, which does each step's arithmetic
    /// in double but carries the state between steps in float32 as PyTorch does) errs in the same way and by as much; the two differ by at most about δ + δ. The 4 ulps of the tensor's scale cover the final
    /// rounding to float32 on both sides (and the cases where δ is 0).
    /// </summary>
    public static void AssertMatches(JsonElement c, Dictionary<string, float[]> actual, ITestOutputHelper output)
    {
        var errors = c.GetProperty("torch_error").EnumerateArray().ToDictionary(
            e => e.GetProperty("name").GetString()!,
            e => (Diff: (double)Fixture.ReadFloat(e.GetProperty("max_abs_diff")), Scale: Fixture.ReadFloat(e.GetProperty("max_abs"))));
        var expected = new Dictionary<string, JsonElement>();
        foreach (string key in errors.Keys)
        {
            expected[key] = c.TryGetProperty(key, out JsonElement direct) && key is not ("input" or "data" or "h0" or "c0" or "hx" or "cx")
                ? direct
                : c.GetProperty("grads").EnumerateArray().Single(g => g.GetProperty("name").GetString() == key).GetProperty("tensor");
        }

        actual.Keys.Should().BeEquivalentTo(errors.Keys);
        double worst = 0, worstShare = 0;
        string worstName = string.Empty;
        foreach ((string key, (double diff, float scale)) in errors)
        {
            Tensor want = Fixture.ReadTensor(expected[key]);
            float[] got = actual[key];
            double atol = (2 * diff) + (4 * (MathF.BitIncrement(scale) - scale));
            TensorAssert.AllClose(new Tensor(got, want.Shape.ToArray()), want, rtol: 0, atol: atol, because: key);
            ReadOnlySpan<float> w = want.AsReadOnlySpan();
            double max = 0;
            for (int i = 0; i < w.Length; i++)
            {
                max = Math.Max(max, Math.Abs((double)got[i] - w[i]));
            }

            worstShare = Math.Max(worstShare, max / atol);
            if (max > worst)
            {
                worst = max;
                worstName = $"{key} (torch δ {diff:G3}, scale {scale:G3})";
            }
        }

        output.WriteLine($"max |ours − torch| = {worst:G3} at {worstName}; largest share of a tolerance used {worstShare:P0}");
    }
}
