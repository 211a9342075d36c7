using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.Ops;

/// <summary>
/// Every operation in <c>ops.json</c>: forward values, <c>grad_fn</c> name, int64 results, and the gradient of the
/// recorded upstream gradient with respect to each input, against PyTorch 1.13.
/// </summary>
public sealed class OpsTests
{
    // Tolerance: each case records torch's own error on it, max |float32 result − float64 result| ("err"). RnnSharp's
    // float32 result may be off by as much in the other direction, so it must lie within 2·err of torch's float32
    // result, plus one float32 rounding (rtol 2⁻²³ ≈ 1.2e-7) for elements smaller than the largest, where err, a
    // maximum over the tensor, says little. Operations that only move values ("exact") must match bit for bit.
    private const double OneRounding = 1.2e-7;

    public static TheoryData<string> OpCases => OpsFixture.OpCases();

    public static TheoryData<string> ErrorCases => OpsFixture.ErrorCases();

    [Theory]
    [MemberData(nameof(OpCases))]
    public void Op_RecordedCase_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case(OpsFixture.File, name);
        bool[] requiresGrad = c.GetProperty("requires_grad").EnumerateArray().Select(e => e.GetBoolean()).ToArray();
        Tensor[] inputs = c.GetProperty("inputs").EnumerateArray().Select(Fixture.ReadTensor).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i].RequiresGrad_(requiresGrad[i]);
        }

        bool exact = c.GetProperty("exact").GetBoolean();
        (Tensor? output, Tensor? indices) = OpsFixture.Run(c.GetProperty("op").GetString()!, inputs, c.GetProperty("args"));

        if (c.TryGetProperty("indices", out JsonElement expectedIndices))
        {
            indices.Should().NotBeNull();
            indices!.DType.Should().Be(DType.Int64);
            indices.Shape.ToArray().Should().Equal(OpsFixture.ReadInt64(expectedIndices).Shape.ToArray());
            indices.AsReadOnlyInt64Span().ToArray().Should().Equal(OpsFixture.ReadInt64(expectedIndices).AsReadOnlyInt64Span().ToArray());
        }

        if (c.GetProperty("grad_fn").ValueKind == JsonValueKind.Null)
        {
            (output?.GradFn).Should().BeNull();
            return;
        }

        output!.GradFn!.Name.Should().Be(c.GetProperty("grad_fn").GetString());
        Compare(output, Fixture.ReadTensor(c.GetProperty("output")), exact, Fixture.ReadFloat(c.GetProperty("err_output")), "output");

        Tensor[] wanted = inputs.Where((_, i) => requiresGrad[i]).ToArray();
        Tensor?[] grads = Torch.Autograd.Grad([output], wanted, [Fixture.ReadTensor(c.GetProperty("upstream"))]);
        JsonElement[] expectedGrads = c.GetProperty("grads").EnumerateArray().ToArray();
        JsonElement[] errors = c.GetProperty("err_grads").EnumerateArray().ToArray();
        for (int i = 0, w = 0; i < inputs.Length; i++)
        {
            if (!requiresGrad[i])
            {
                continue;
            }

            Tensor? grad = grads[w++];
            grad.Should().NotBeNull($"input {i} requires grad");
            Compare(grad!, Fixture.ReadTensor(expectedGrads[i]), exact, Fixture.ReadFloat(errors[i]), $"gradient of input {i}");
        }
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Op_ShapesPyTorchRefuses_ThrowsPyTorchsMessage(string name)
    {
        JsonElement c = Fixture.Case(OpsFixture.File, name);
        Tensor[] inputs = c.GetProperty("shapes").EnumerateArray()
            .Select(s => Tensor.Zeros(s.EnumerateArray().Select(d => d.GetInt32()).ToArray()))
            .ToArray();
        Action act = () => OpsFixture.Run(c.GetProperty("op").GetString()!, inputs, c.GetProperty("args"));
        Exception thrown = act.Should().Throw<Exception>().Which;
        thrown.Should().Match(e => e is ArgumentException || e is InvalidOperationException);
        if (thrown is ArgumentException argument)
        {
            argument.ParamName.Should().NotBeNullOrEmpty();
            argument.Message.Should().StartWith(c.GetProperty("message").GetString());
        }
        else
        {
            thrown.Message.Should().Be(c.GetProperty("message").GetString());
        }
    }

    private static void Compare(Tensor actual, Tensor expected, bool exact, float err, string what)
    {
        if (exact)
        {
            TensorAssert.BitEqual(actual, expected, what);
        }
        else
        {
            TensorAssert.AllClose(actual, expected, rtol: OneRounding, atol: 2.0 * err, because: what);
        }
    }
}
