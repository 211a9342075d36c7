using System.Globalization;
using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>Init against torch.nn.init (linear.json, written by Fixtures/record_training.py).</summary>
[Collection(nameof(GlobalGenerator))]
public sealed class InitTests
{
    private const string File = "linear.json";

    public static TheoryData<string> KaimingCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "kaiming");

    public static TheoryData<string> UniformCases() => Fixture.Names(File, c => c.GetProperty("kind").GetString() == "uniform");

    [Theory]
    [MemberData(nameof(KaimingCases))]
    public void KaimingUniform_AfterManualSeed_MatchesPyTorchBitForBit(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());
        Tensor t = Tensor.Zeros(c.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        FanMode mode = c.GetProperty("mode").GetString() == "fan_in" ? FanMode.FanIn : FanMode.FanOut;
        InitNonlinearity nonlinearity = Nonlinearity(c.GetProperty("nonlinearity").GetString()!);

        Tensor result = Init.KaimingUniform(t, Double(c, "a"), mode, nonlinearity);

        result.Should().BeSameAs(t);
        TensorAssert.BitEqual(t, Fixture.ReadTensor(c.GetProperty("tensor")), name);
        Init.CalculateFanInAndFanOut(t).Should().Be(new FanInAndFanOut(c.GetProperty("fan_in").GetInt64(), c.GetProperty("fan_out").GetInt64()));
    }

    [Theory]
    [MemberData(nameof(UniformCases))]
    public void Uniform_AfterManualSeed_MatchesPyTorchBitForBit(string name)
    {
        JsonElement c = Fixture.Case(File, name);
        Torch.ManualSeed(c.GetProperty("seed").GetInt64());

        Tensor t = Init.Uniform(Tensor.Zeros(4, 5), Double(c, "a"), Double(c, "b"));

        TensorAssert.BitEqual(t, Fixture.ReadTensor(c.GetProperty("tensor")), name);
    }

    [Fact]
    public void CalculateGain_MatchesPyTorch()
    {
        JsonElement gains = Fixture.Case(File, "init_gains").GetProperty("gains");
        foreach (JsonProperty g in gains.EnumerateObject())
        {
            double expected = double.Parse(g.Value.GetString()!, CultureInfo.InvariantCulture);
            double actual = g.Name == "leaky_relu_0.2"
                ? Init.CalculateGain(InitNonlinearity.LeakyRelu, 0.2)
                : Init.CalculateGain(Nonlinearity(g.Name));
            actual.Should().Be(expected, g.Name);
        }
    }

    [Fact]
    public void KaimingUniform_Vector_ThrowsPyTorchError()
    {
        string message = Fixture.Case(File, "init_error_fan_vector").GetProperty("message").GetString()!;

        Action act = () => Init.KaimingUniform(Tensor.Zeros(3));

        act.Should().Throw<ArgumentException>().WithParameterName("tensor").Which.Message.Should().StartWith(message);
    }

    [Fact]
    public void Uniform_FromAboveTo_ThrowsPyTorchError()
    {
        string message = Fixture.Case(File, "init_error_uniform_range").GetProperty("message").GetString()!;

        Action act = () => Init.Uniform(Tensor.Zeros(3), 2, 1);

        act.Should().Throw<ArgumentException>().WithParameterName("a").Which.Message.Should().StartWith(message);
    }

    [Fact]
    public void KaimingUniform_ZeroElements_DrawsNothing()
    {
        Torch.ManualSeed(3);
        Init.KaimingUniform(Tensor.Zeros(0, 4));
        float next = Torch.Rand([1]).Item();

        Torch.ManualSeed(3);
        Torch.Rand([1]).Item().Should().Be(next);
    }

    /// <summary>A Python float recorded as its repr, so that every bit of the double survives.</summary>
    private static double Double(JsonElement c, string key) => double.Parse(c.GetProperty(key).GetString()!, CultureInfo.InvariantCulture);

    private static InitNonlinearity Nonlinearity(string name) => name switch
    {
        "linear" => InitNonlinearity.Linear,
        "sigmoid" => InitNonlinearity.Sigmoid,
        "tanh" => InitNonlinearity.Tanh,
        "relu" => InitNonlinearity.Relu,
        "leaky_relu" => InitNonlinearity.LeakyRelu,
        "selu" => InitNonlinearity.Selu,
        _ => throw new FormatException(name),
    };
}
