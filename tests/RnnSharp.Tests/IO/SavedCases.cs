using RnnSharp.Optim;

namespace RnnSharp.Tests.IO;

/// <summary>
/// The dicts the <c>Fixtures/saved/*.pt</c> files hold: <see cref="TorchSaveTests"/> writes each with
/// <see cref="Torch.Save(IReadOnlyDictionary{string, Tensor}, string)"/> and checks the bytes against the committed
/// file, which <c>record_torch_save.py</c> loads with real PyTorch. Every value is made here by a formula or by
/// RnnSharp's seeded initialisation, so the files are reproducible; none is an expected result.
/// </summary>
internal static class SavedCases
{
    /// <summary>The state-dict cases by file stem.</summary>
    public static readonly IReadOnlyDictionary<string, Func<IReadOnlyDictionary<string, Tensor>>> StateDicts =
        new Dictionary<string, Func<IReadOnlyDictionary<string, Tensor>>>
        {
            ["linear"] = () => new Linear(3, 2, generator: new Generator(1)).StateDict(),
            ["lstm_2layer_bi"] = () => new Lstm(4, 3, numLayers: 2, bidirectional: true, generator: new Generator(2)).StateDict(),
            ["views"] = Views,
            ["special_values"] = SpecialValues,
            ["empty"] = () => new OrderedDictionary<string, Tensor>(),
        };

    /// <summary>The optimizer cases by file stem.</summary>
    public static readonly IReadOnlyDictionary<string, Func<OptimizerStateDict>> Optimizers =
        new Dictionary<string, Func<OptimizerStateDict>>
        {
            ["adam"] = () => Stepped(p => new Adam(p, lr: 0.01, amsgrad: true), steps: 2),
            ["sgd_momentum"] = () => Stepped(p => new SGD(p, lr: 0.1, momentum: 0.9, weightDecay: 0.01), steps: 2),
            ["adamw_fresh"] = () => Stepped(p => new AdamW(p), steps: 0),
        };

    /// <summary>The parameter shapes of the model the optimizer cases step (a <c>Linear(3, 2)</c>).</summary>
    public static readonly int[][] OptimizerParamShapes = [[2, 3], [2]];

    /// <summary>The tensors of <c>views</c>, in order: a matrix, its views, the same tensor twice, int64, 0-d and empty tensors.</summary>
    private static OrderedDictionary<string, Tensor> Views()
    {
        var a = new Tensor(Enumerable.Range(0, 6).Select(i => (i * 0.5f) - 1f).ToArray(), 2, 3);
        Tensor indices = Torch.Tensor(new long[] { 3, -1, 40_000_000_000 });
        return new OrderedDictionary<string, Tensor>
        {
            ["a"] = a,
            ["row1"] = a.Select(1),
            ["flat"] = a.View(6),
            ["a_again"] = a,
            ["indices"] = indices,
            ["last_index"] = indices.Select(2),
            ["scalar"] = new Tensor([2.5f]),
            ["long_scalar"] = Torch.Tensor(new long[] { 7 }).View([]),
            ["empty"] = Tensor.Zeros(0, 3),
            ["empty_long"] = Torch.Tensor(Array.Empty<long>()),
            ["unit_dims"] = new Tensor([1f, 2f, 3f], 1, 3, 1),
        };
    }

    /// <summary>Float bits that text formats lose (signed zero, NaN, infinities, subnormals) and int64 extremes; twelve storages.</summary>
    private static OrderedDictionary<string, Tensor> SpecialValues()
    {
        var dict = new OrderedDictionary<string, Tensor>
        {
            ["floats"] = new Tensor([0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, float.MaxValue, float.MinValue, 1e-40f], 9),
            ["longs"] = Torch.Tensor(new long[] { long.MinValue, long.MaxValue, 0, -1 }),
        };
        for (int i = 0; i < 10; i++)
        {
            dict.Add($"layer{i}.weight", new Tensor(Enumerable.Range(0, i + 1).Select(j => (float)Math.Sin((i * 10) + j)).ToArray(), i + 1));
        }

        return dict;
    }

    /// <summary>A <c>Linear(3, 2)</c> stepped <paramref name="steps"/> times on a fixed batch, and its optimizer's state dict.</summary>
    private static OptimizerStateDict Stepped(Func<IEnumerable<Tensor>, Optimizer> make, int steps)
    {
        var model = new Linear(3, 2, generator: new Generator(3));
        Optimizer optimizer = make(model.Parameters());
        var x = new Tensor([0.5f, -1f, 2f, 1.5f, 0.25f, -0.75f], 2, 3);
        for (int s = 0; s < steps; s++)
        {
            optimizer.ZeroGrad();
            Tensor y = model.Forward(x);
            (y * y).Sum().Backward();
            optimizer.Step();
        }

        return optimizer.StateDict();
    }
}
