using System.Text.Json;

namespace RnnSharp.Tests.Infrastructure;

/// <summary>
/// Compares recorded LSTM/GRU tensors with the tolerance each case carries in "torch_error" (the recorders
/// record_lstm_gru.py and record_lstm_gru_more.py run every case again in float64 and keep, per tensor,
/// δ = max |float32 − float64| and s = max |float64|). The rule is the one ReferenceLstmGruTests states and
/// measured: atol = 2·δ + 4·ulp(s), rtol = 0. The float64 run is close to the exact result, so PyTorch's float32
/// result is within about δ of it and a float32 implementation doing the same arithmetic errs by the same kind and
/// size; the two differ by at most about δ + δ. The 4 ulps of the tensor's scale cover the final rounding on both
/// sides (and the cases where δ is 0).
/// </summary>
internal static class MeasuredTolerance
{
    /// <summary>The absolute tolerance of one "torch_error" entry.</summary>
    public static double Atol(JsonElement torchError)
    {
        double diff = Fixture.ReadFloat(torchError.GetProperty("max_abs_diff"));
        float scale = Fixture.ReadFloat(torchError.GetProperty("max_abs"));
        return (2 * diff) + (4 * (MathF.BitIncrement(scale) - scale));
    }

    /// <summary>
    /// Every tensor named in the case's "torch_error": forward results (output, h_n, c_n) against
    /// <paramref name="outputs"/> and the case's own properties, gradients (of input, h0, c0 and every parameter)
    /// against <c>leaf(name).Grad</c> and the entries of the case's "grads" list (skipped when
    /// <paramref name="leaf"/> is null).
    /// </summary>
    public static void AssertMatches(JsonElement c, IReadOnlyDictionary<string, Tensor> outputs, Func<string, Tensor>? leaf = null)
    {
        var grads = c.TryGetProperty("grads", out JsonElement g)
            ? g.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("tensor"))
            : [];
        foreach (JsonElement error in c.GetProperty("torch_error").EnumerateArray())
        {
            string name = error.GetProperty("name").GetString()!;
            if (grads.TryGetValue(name, out JsonElement expectedGrad))
            {
                if (leaf is null)
                {
                    continue;
                }

                Tensor? got = leaf(name).Grad;
                got.Should().NotBeNull($"{name} requires grad");
                TensorAssert.AllClose(got!, Fixture.ReadTensor(expectedGrad), rtol: 0, atol: Atol(error), because: $"grad of {name}");
            }
            else
            {
                outputs.Should().ContainKey(name);
                TensorAssert.AllClose(outputs[name], Fixture.ReadTensor(c.GetProperty(name)), rtol: 0, atol: Atol(error), because: name);
            }
        }
    }
}
