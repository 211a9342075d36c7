using System.Text.Json;
using RnnSharp.Tests.Infrastructure;

namespace RnnSharp.Tests.NN;

/// <summary>
/// The loss modules through autograd: forward and input (and target) gradients against losses.json under its measured
/// tolerances, grad_fn names, reprs and errors against loss_modules.json (written by Fixtures/record_training.py).
/// </summary>
public sealed class LossModuleTests
{
    private const string Modules = "loss_modules.json";

    public static TheoryData<string> RecordedCases() =>
        Fixture.Names(LossFixture.File, c => c.GetProperty("kind").GetString() is "log_softmax" or "nll_loss" or "cross_entropy" or "cross_entropy_probs" or "mse_loss");

    public static TheoryData<string> GradFnCases() => Fixture.Names(Modules, c => c.GetProperty("kind").GetString() == "grad_fn");

    public static TheoryData<string> ErrorCases() => Fixture.Names(Modules, c => c.GetProperty("kind").GetString() == "error");

    [Theory]
    [MemberData(nameof(RecordedCases))]
    public void Forward_ThenBackward_MatchesPyTorch(string name)
    {
        JsonElement c = LossFixture.Case(name);
        string kind = c.GetProperty("kind").GetString()!;
        Tensor input = Fixture.ReadTensor(c.GetProperty("input")).RequiresGrad_();
        Tensor? target = kind switch
        {
            "log_softmax" => null,
            "nll_loss" or "cross_entropy" => Tensor.FromInt64(LossFixture.Longs(c, "target"), c.GetProperty("target_shape").EnumerateArray().Select(d => d.GetInt32()).ToArray()),
            _ => Fixture.ReadTensor(c.GetProperty("target")),
        };
        if (kind == "mse_loss")
        {
            target!.RequiresGrad_();
        }

        Tensor output = Run(c, kind, input, target);
        output.Backward(Fixture.ReadTensor(c.GetProperty("grad_output")));

        output.Shape.ToArray().Should().Equal(LossFixture.Shape(c, "output"));
        LossFixture.AssertMatchesTorch(output.AsReadOnlySpan(), c, "output");
        LossFixture.AssertMatchesTorch(input.Grad!.AsReadOnlySpan(), c, "grad_input");
        if (kind == "mse_loss")
        {
            LossFixture.AssertMatchesTorch(target!.Grad!.AsReadOnlySpan(), c, "grad_target");
        }
    }

    [Theory]
    [MemberData(nameof(GradFnCases))]
    public void Forward_RequiresGrad_HasPyTorchsGradFnAndShape(string name)
    {
        JsonElement c = Fixture.Case(Modules, name);
        int[] shape = Ints(c, "input_shape");
        Tensor x = Tensor.Zeros(shape).RequiresGrad_();
        int classes = shape.Length > 1 ? shape[1] : shape[0];
        int[] targetShape = shape.Length > 1 ? [shape[0], .. shape[2..]] : [];
        Tensor indices = Tensor.FromInt64(new long[targetShape.Aggregate(1, (a, b) => a * b)], targetShape);
        Reduction reduction = c.TryGetProperty("reduction", out JsonElement r) ? LossFixture.Reduction(c) : Reduction.Mean;

        Tensor y = c.GetProperty("loss").GetString() switch
        {
            "cross_entropy" => new CrossEntropyLoss(reduction: reduction).Forward(x, indices),
            "cross_entropy_weight" => new CrossEntropyLoss(Tensor.Ones(classes), reduction: reduction).Forward(x, indices),
            "cross_entropy_smoothing" => new CrossEntropyLoss(reduction: reduction, labelSmoothing: 0.1).Forward(x, indices),
            "cross_entropy_probs" => new CrossEntropyLoss(reduction: reduction).Forward(x, Tensor.Ones(shape)),
            "cross_entropy_probs_smoothing" => new CrossEntropyLoss(reduction: reduction, labelSmoothing: 0.1).Forward(x, Tensor.Ones(shape)),
            "nll" => new NLLLoss(reduction: reduction).Forward(x, indices),
            "mse" => new MSELoss(reduction).Forward(x, Tensor.Zeros(shape)),
            "log_softmax" => new LogSoftmax(c.GetProperty("dim").GetInt32()).Forward(x),
            var other => throw new InvalidOperationException(other),
        };

        y.GradFn!.Name.Should().Be(c.GetProperty("grad_fn").GetString());
        y.Shape.ToArray().Should().Equal(Ints(c, "output_shape"));
    }

    [Fact]
    public void ToString_MatchesPyTorchRepr()
    {
        string Repr(string key) => Fixture.Case(Modules, "repr_" + key).GetProperty("repr").GetString()!;

        new CrossEntropyLoss().ToString().Should().Be(Repr("CrossEntropyLoss()"));
        new CrossEntropyLoss(Tensor.Ones(3), ignoreIndex: 2, reduction: Reduction.Sum, labelSmoothing: 0.1).ToString().Should().Be(Repr("CrossEntropyLoss(all options)"));
        new NLLLoss().ToString().Should().Be(Repr("NLLLoss()"));
        new MSELoss().ToString().Should().Be(Repr("MSELoss()"));
        new MSELoss(Reduction.Sum).ToString().Should().Be(Repr("MSELoss(reduction=sum)"));
        new LogSoftmax(1).ToString().Should().Be(Repr("LogSoftmax(dim=1)"));
        new LogSoftmax(-1).ToString().Should().Be(Repr("LogSoftmax(dim=-1)"));
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Forward_InvalidArguments_ThrowPyTorchError(string name)
    {
        JsonElement c = Fixture.Case(Modules, name);
        JsonElement options = c.GetProperty("options");
        Tensor input = Tensor.Zeros(Ints(c, "input_shape"));
        Tensor? weight = options.TryGetProperty("weight", out JsonElement w) ? Tensor.Ones(w.GetInt32()) : null;
        double smoothing = options.TryGetProperty("label_smoothing", out JsonElement ls) ? Fixture.ReadFloat(ls) : 0;
        Tensor? target = c.GetProperty("target_dtype").GetString() switch
        {
            "oob" => Tensor.FromInt64([0, 7, 1], [3]),
            "long" => Tensor.FromInt64(new long[Ints(c, "target_shape").Aggregate(1, (a, b) => a * b)], Ints(c, "target_shape")),
            "float" => Tensor.Zeros(Ints(c, "target_shape")),
            _ => null,
        };

        Action act = c.GetProperty("loss").GetString() switch
        {
            "ce" => () => new CrossEntropyLoss(weight, labelSmoothing: smoothing).Forward(input, target!),
            "nll" => () => new NLLLoss(weight).Forward(input, target!),
            "mse" => () => new MSELoss().Forward(input, target!),
            _ => () => new LogSoftmax(options.GetProperty("dim").GetInt32()).Forward(input),
        };

        // PyTorch's IndexError (targets and dims out of range) is an ArgumentOutOfRangeException, its other errors ArgumentException.
        act.Should().Throw<ArgumentException>().Which.Message.Should().StartWith(c.GetProperty("message").GetString());
        if (c.GetProperty("error_type").GetString() == "IndexError")
        {
            act.Should().Throw<ArgumentOutOfRangeException>();
        }
    }

    private static Tensor Run(JsonElement c, string kind, Tensor input, Tensor? target)
    {
        Reduction reduction = kind == "log_softmax" ? Reduction.Mean : LossFixture.Reduction(c);
        Tensor? weight = kind is "nll_loss" or "cross_entropy" or "cross_entropy_probs" ? Fixture.ReadOptionalTensor(c, "weight") : null;
        double smoothing = c.TryGetProperty("label_smoothing", out JsonElement ls) ? Fixture.ReadFloat(ls) : 0;
        long ignore = c.TryGetProperty("ignore_index", out JsonElement ii) ? ii.GetInt64() : -100;
        return kind switch
        {
            "log_softmax" => new LogSoftmax(c.GetProperty("dim").GetInt32()).Forward(input),
            "nll_loss" => new NLLLoss(weight, ignore, reduction).Forward(input, target!),
            "mse_loss" => new MSELoss(reduction).Forward(input, target!),
            _ => new CrossEntropyLoss(weight, ignore, reduction, smoothing).Forward(input, target!),
        };
    }

    private static int[] Ints(JsonElement c, string key) => c.GetProperty(key).EnumerateArray().Select(d => d.GetInt32()).ToArray();
}
