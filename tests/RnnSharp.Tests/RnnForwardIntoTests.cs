using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests;

/// <summary>The allocation-free Forward overload that writes into caller-owned tensors.</summary>
public sealed class RnnForwardIntoTests
{
    public static TheoryData<string> Cases() => Fixture.Names(
        "rnn_forward.json", c => !(c.GetProperty("training").GetBoolean() && Fixture.ReadFloat(c.GetProperty("config").GetProperty("dropout")) > 0));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_IntoCallerTensors_MatchesAllocatingForwardBitForBit(string name)
    {
        JsonElement c = Fixture.Case("rnn_forward.json", name);
        Rnn rnn = Configs.CreateRnn(c.GetProperty("config"), new Generator(5));
        rnn.Train(c.GetProperty("training").GetBoolean());
        Tensor input = Fixture.ReadTensor(c.GetProperty("input"));
        Tensor? h0 = Fixture.ReadOptionalTensor(c, "h0");
        var expected = rnn.Forward(input, h0);
        var output = Tensor.Full(expected.Output.Shape.ToArray(), float.NaN);
        var hN = Tensor.Full(expected.HN.Shape.ToArray(), float.NaN);

        using (Torch.NoGrad())
        {
            rnn.Forward(input, h0, output, hN);
        }

        TensorAssert.BitEqual(output, expected.Output);
        TensorAssert.BitEqual(hN, expected.HN);
    }

    [Theory]
    [InlineData(4, 2, 1, false, false)]   // the lab's tiny RNN: reference kernels
    [InlineData(16, 40, 2, true, true)]   // packed kernels, transposes, bidirectional
    [InlineData(64, 256, 1, false, false)] // large enough to take helper threads
    public void Forward_IntoCallerTensorsOnceWarm_AllocatesNothing(int inputSize, int hiddenSize, int layers, bool batchFirst, bool bidirectional)
    {
        // Counts bytes, not time: deterministic. BenchmarkDotNet's Allocated column measures the same for the benchmarks.
        var rnn = new Rnn(inputSize, hiddenSize, layers, batchFirst: batchFirst, bidirectional: bidirectional, generator: new Generator(1));
        rnn.Eval();
        Tensor input = Torch.Rand([8, 40, inputSize], new Generator(2));
        var shapes = rnn.Forward(input);
        var output = Tensor.Zeros(shapes.Output.Shape.ToArray());
        var hN = Tensor.Zeros(shapes.HN.Shape.ToArray());
        using IDisposable noGrad = Torch.NoGrad(); // inference: the parameters require grad, so outside NoGrad it would refuse
        for (int i = 0; i < 5; i++)
        {
            rnn.Forward(input, null, output, hN);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            rnn.Forward(input, null, output, hN);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Theory]
    [InlineData(4, 2, 1, false)]
    [InlineData(16, 40, 2, true)]
    public void Forward_NoGradOnceWarm_RecordsNothingAndAllocatesOnlyTheResults(int inputSize, int hiddenSize, int layers, bool bidirectional)
    {
        var rnn = new Rnn(inputSize, hiddenSize, layers, bidirectional: bidirectional, generator: new Generator(1));
        Tensor input = Torch.Rand([8, 40, inputSize], new Generator(2));
        using IDisposable noGrad = Torch.NoGrad();
        var (output, hN) = rnn.Forward(input);
        long warm = MeasureAllocations(() => rnn.Forward(input));

        long again = MeasureAllocations(() => rnn.Forward(input));

        output.GradFn.Should().BeNull();
        hN.GradFn.Should().BeNull();
        output.RequiresGrad.Should().BeFalse();
        again.Should().Be(warm, "a forward under NoGrad allocates its two result tensors and nothing for a graph");
        again.Should().BeLessThan(2 * (output.NumElements + hN.NumElements) * sizeof(float) + 2048);
    }

    [Fact]
    public void Forward_IntoCallerTensorsWhenParametersRequireGrad_ThrowsWithPyTorchsOutMessage()
    {
        var rnn = new Rnn(4, 3, nonlinearity: Nonlinearity.Relu);

        var act = () => rnn.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3));

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("rnn_relu(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.");
    }

    [Fact]
    public void Forward_IntoCallerTensorsWhenOnlyInputRequiresGrad_Throws()
    {
        var rnn = new Rnn(4, 3);
        foreach (Parameter p in rnn.Parameters())
        {
            p.RequiresGrad = false;
        }

        using (Torch.NoGrad())
        {
            rnn.Forward(Tensor.Zeros(5, 4).RequiresGrad_(), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3)); // NoGrad: fine
        }

        rnn.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3)); // nothing requires grad: fine
        var act = () => rnn.Forward(Tensor.Zeros(5, 4).RequiresGrad_(), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3));

        act.Should().Throw<InvalidOperationException>().WithMessage("rnn_tanh(): functions with out=*");
    }

    private static long MeasureAllocations(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Forward_OutputOfWrongShape_ThrowsNamingOutput()
    {
        var rnn = new Rnn(4, 3, batchFirst: true);

        var act = () => rnn.Forward(Tensor.Zeros(2, 5, 4), null, Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 3));

        act.Should().Throw<ArgumentException>()
            .WithMessage("Expected a tensor of shape [2, 5, 3], got [5, 2, 3]*")
            .Which.ParamName.Should().Be("output");
    }

    [Fact]
    public void Forward_HNOfWrongShape_ThrowsNamingHN()
    {
        var rnn = new Rnn(4, 3, numLayers: 2);

        var act = () => rnn.Forward(Tensor.Zeros(5, 4), null, Tensor.Zeros(5, 3), Tensor.Zeros(1, 3));

        act.Should().Throw<ArgumentException>()
            .WithMessage("Expected a tensor of shape [2, 3], got [1, 3]*")
            .Which.ParamName.Should().Be("hN");
    }

    [Fact]
    public void Forward_OutputSharingMemoryWithInput_ThrowsWithPyTorchMessage()
    {
        var rnn = new Rnn(3, 3);
        var buffer = Tensor.Zeros(5, 3);

        var act = () => rnn.Forward(buffer, null, buffer.View(5, 3), Tensor.Zeros(1, 3));
        var ok = () =>
        {
            using (Torch.NoGrad())
            {
                rnn.Forward(buffer.Clone(), null, buffer.View(5, 3), Tensor.Zeros(1, 3));
            }
        };

        act.Should().Throw<ArgumentException>()
            .WithMessage("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location*")
            .Which.ParamName.Should().Be("output");
        ok.Should().NotThrow();
    }

    [Fact]
    public void Forward_HNSharingMemoryWithH0_Throws()
    {
        var rnn = new Rnn(3, 3);
        var state = Tensor.Zeros(1, 2, 3);

        var act = () => rnn.Forward(Tensor.Zeros(4, 2, 3), state, Tensor.Zeros(4, 2, 3), state);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("hN");
    }
}
