using System.Text.Json;
using RnnSharp.Kernels;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>Rnn.Forward reproduces torch.nn.RNN's outputs for every configuration in rnn_forward.json.</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class RnnForwardTests
{
    // The bound is 1e-5 absolute. Outputs of saturating ReLU cases reach the thousands, where one float32
    // ulp is already above 1e-5, so the bound there is relative: |a − e| ≤ 1e-5 + 1e-5·|e|.
    private const double Atol = 1e-5;
    private const double Rtol = 1e-5;

    public static TheoryData<string> Cases() => Fixture.Names("rnn_forward.json");

    /// <summary>Cases whose output does not depend on the global generator's position (no dropout in training mode).</summary>
    public static TheoryData<string> DeterministicCases() => Fixture.Names("rnn_forward.json",
        c => !(c.GetProperty("training").GetBoolean() && Fixture.ReadFloat(c.GetProperty("config").GetProperty("dropout")) > 0));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PyTorchRecordedCase_MatchesPyTorch(string name)
    {
        JsonElement c = Fixture.Case("rnn_forward.json", name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"));
        Configs.AssertStateDictBitEqual(rnn, c.GetProperty("state_dict"), "initialisation");

        AssertForwardMatchesRecording(rnn, c);
    }

    [Theory]
    [MemberData(nameof(DeterministicCases))]
    public void Forward_WeightsLoadedFromPyTorchStateDict_MatchesPyTorch(string name)
    {
        // Dropout cases depend on the global generator's position and are covered by the test above.
        JsonElement c = Fixture.Case("rnn_forward.json", name);
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(12345));
        rnn.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));

        AssertForwardMatchesRecording(rnn, c);
    }

    public static TheoryData<string, string> CasesByKernel()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in Fixture.Names("rnn_forward.json"))
        {
            data.Add(name, nameof(RecurrentKernel.Reference));
            data.Add(name, nameof(RecurrentKernel.Packed));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CasesByKernel))]
    public void Forward_EachKernel_MatchesPyTorch(string name, string kernel)
    {
        JsonElement c = Fixture.Case("rnn_forward.json", name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"));
        rnn.Kernel = Enum.Parse<RecurrentKernel>(kernel);

        AssertForwardMatchesRecording(rnn, c);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ToString_PyTorchRecordedCase_MatchesPyTorchRepr(string name)
    {
        JsonElement c = Fixture.Case("rnn_forward.json", name);

        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator());

        rnn.ToString().Should().Be(c.GetProperty("repr").GetString());
    }

    [Theory]
    [MemberData(nameof(DeterministicCases))]
    public void Forward_ResultsAllocatedUninitialised_EveryElementIsWritten(string name)
    {
        // Forward allocates its results without zeroing them: with that storage filled with NaN instead, an element
        // the kernels forgot to write would show up as NaN against PyTorch's numbers, recording a graph or not.
        JsonElement c = Fixture.Case("rnn_forward.json", name);
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(12345));
        rnn.LoadStateDict(Fixture.ReadStateDict(c.GetProperty("state_dict")));
        Tensor.PoisonEmpty = true;
        try
        {
            AssertForwardMatchesRecording(rnn, c);
            using (Torch.NoGrad())
            {
                AssertForwardMatchesRecording(rnn, c);
            }
        }
        finally
        {
            Tensor.PoisonEmpty = false;
        }
    }

    private static void AssertForwardMatchesRecording(Rnn rnn, JsonElement c)
    {
        rnn.Train(c.GetProperty("training").GetBoolean());

        var (output, hN) = rnn.Forward(Fixture.ReadTensor(c.GetProperty("input")), Fixture.ReadOptionalTensor(c, "h0"));

        TensorAssert.AllClose(output, Fixture.ReadTensor(c.GetProperty("output")), Rtol, Atol, "output");
        TensorAssert.AllClose(hN, Fixture.ReadTensor(c.GetProperty("h_n")), Rtol, Atol, "h_n");
    }

    [Fact]
    public void Forward_SameInputTwice_GivesIdenticalResultsAndLeavesInputUnchanged()
    {
        JsonElement c = Fixture.Case("rnn_forward.json", "medium_2layer_bidir_bf");
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(1));
        Tensor input = Fixture.ReadTensor(c.GetProperty("input"));
        Tensor h0 = Fixture.ReadTensor(c.GetProperty("h0"));
        float[] inputBefore = input.ToArray();
        float[] h0Before = h0.ToArray();

        var first = rnn.Forward(input, h0);
        var second = rnn.Forward(input, h0);

        TensorAssert.BitEqual(second.Output, first.Output);
        TensorAssert.BitEqual(second.HN, first.HN);
        input.ToArray().Should().Equal(inputBefore);
        h0.ToArray().Should().Equal(h0Before);
    }

    [Fact]
    public void Forward_AfterParametersChange_UsesTheNewValues()
    {
        var rnn = new Rnn(5, 40, numLayers: 2, generator: new Generator(1)) { Kernel = RecurrentKernel.Packed };
        var other = new Rnn(5, 40, numLayers: 2, generator: new Generator(2)) { Kernel = RecurrentKernel.Packed };
        Tensor input = Torch.Rand([4, 3, 5], new Generator(3));
        _ = rnn.Forward(input); // packs the first weights

        rnn.LoadStateDict(other.StateDict());
        TensorAssert.BitEqual(rnn.Forward(input).Output, other.Forward(input).Output, "after LoadStateDict");

        rnn.StateDict()["weight_hh_l1"].AsSpan().Fill(0.01f);
        other.GetParameter("weight_hh_l1").Data.Fill(0.01f);
        TensorAssert.BitEqual(rnn.Forward(input).Output, other.Forward(input).Output, "after writing through a state dict tensor");

        rnn.ResetParameters(new Generator(7));
        other.ResetParameters(new Generator(7));
        TensorAssert.BitEqual(rnn.Forward(input).Output, other.Forward(input).Output, "after ResetParameters");

        rnn.GetParameter("bias_ih_l0").Data.View(8, 5)[1, 1] = 3f;
        var expected = new Rnn(5, 40, numLayers: 2, generator: new Generator(7)) { Kernel = RecurrentKernel.Reference };
        expected.GetParameter("bias_ih_l0").Data[6] = 3f;
        TensorAssert.AllClose(rnn.Forward(input).Output, expected.Forward(input).Output, because: "after writing through a view");
    }
}
