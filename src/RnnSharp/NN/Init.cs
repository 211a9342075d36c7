namespace RnnSharp;

/// <summary>
/// PyTorch's parameter initialisers (<c>torch.nn.init</c>), drawing exactly the numbers PyTorch draws: after the
/// same <see cref="Torch.ManualSeed(int)"/>, every initialiser fills a float32 tensor with PyTorch's bits.
/// </summary>
/// <remarks>
/// Each initialiser computes its bounds in double, as PyTorch's Python does, then draws from
/// <c>U[from, to)</c> as ATen's <c>uniform_</c> does: the bounds rounded once to float32, one 32-bit output of the
/// generator per element in row-major order (see <see cref="Generator"/>). Like PyTorch's, the initialisers write
/// in place without recording a graph (PyTorch wraps them in <c>torch.no_grad()</c>) and return the tensor.
/// </remarks>
public static class Init
{
    /// <summary>
    /// Fills <paramref name="tensor"/> with draws from <c>U[a, b)</c>. Equivalent to <c>torch.nn.init.uniform_(tensor, a, b)</c>.
    /// </summary>
    /// <param name="tensor">A float32 tensor, overwritten in place.</param>
    /// <param name="a">The lower bound.</param>
    /// <param name="b">The upper bound.</param>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="a"/> is greater than <paramref name="b"/> (PyTorch: <c>uniform_ expects to return a [from, to) range, but found from=2 &gt; to=1</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="tensor"/> is an int64 tensor.</exception>
    public static Tensor Uniform(Tensor tensor, double a = 0, double b = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(a <= b))
        {
            ThrowHelper.ThrowUniformRange(a, b, nameof(a));
        }

        FillUniform(tensor.AsSpan(), a, b, generator);
        return tensor;
    }

    /// <summary>
    /// Fills <paramref name="tensor"/> with draws from <c>N(mean, std²)</c>. Equivalent to
    /// <c>torch.nn.init.normal_(tensor, mean, std)</c>: the same values as PyTorch after the same seed (how exactly:
    /// see <see cref="Torch.Randn"/>), consuming the generator exactly as PyTorch does.
    /// </summary>
    /// <param name="tensor">A float32 tensor, overwritten in place.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation; not negative.</param>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="std"/> is negative (PyTorch: <c>normal expects std &gt;= 0.0, but found std -1</c>).
    /// </exception>
    /// <exception cref="InvalidOperationException"><paramref name="tensor"/> is an int64 tensor.</exception>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(std >= 0))
        {
            ThrowHelper.ThrowNormalStd(std, nameof(std));
        }

        (generator ?? Torch.DefaultGenerator).FillNormal(tensor.AsSpan(), mean, std);
        return tensor;
    }

    /// <summary>
    /// Fills <paramref name="tensor"/> with draws from <c>U(−bound, bound)</c>, <c>bound = gain · √(3 / fan)</c>: He et
    /// al.'s initialisation. Equivalent to <c>torch.nn.init.kaiming_uniform_(tensor, a, mode, nonlinearity)</c>, with
    /// PyTorch's defaults. A tensor with no elements is left alone and draws nothing, as in PyTorch.
    /// </summary>
    /// <param name="tensor">A float32 tensor of at least 2 dimensions, overwritten in place.</param>
    /// <param name="a">The negative slope of the rectifier that follows (used only with <see cref="InitNonlinearity.LeakyRelu"/>).</param>
    /// <param name="mode">Whether <c>fan</c> is the fan in (the default) or the fan out.</param>
    /// <param name="nonlinearity">The nonlinearity that follows, for <see cref="CalculateGain"/>.</param>
    /// <param name="generator">The generator to draw from; <see cref="Torch.DefaultGenerator"/> when <see langword="null"/>.</param>
    /// <returns><paramref name="tensor"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The tensor has fewer than 2 dimensions.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="tensor"/> is an int64 tensor.</exception>
    public static Tensor KaimingUniform(
        Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, InitNonlinearity nonlinearity = InitNonlinearity.LeakyRelu,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.NumElements == 0)
        {
            return tensor; // PyTorch warns "Initializing zero-element tensors is a no-op" and returns.
        }

        FanInAndFanOut fans = CalculateFanInAndFanOut(tensor);
        double fan = mode == FanMode.FanIn ? fans.FanIn : fans.FanOut;
        double gain = CalculateGain(nonlinearity, a);
        double std = gain / Math.Sqrt(fan);
        double bound = Math.Sqrt(3.0) * std;
        FillUniform(tensor.AsSpan(), -bound, bound, generator);
        return tensor;
    }

    /// <summary>
    /// The fan in and fan out of a weight of shape <c>(out, in, k1, k2, …)</c>. Equivalent to
    /// <c>torch.nn.init._calculate_fan_in_and_fan_out(tensor)</c>.
    /// </summary>
    /// <param name="tensor">A tensor of at least 2 dimensions.</param>
    /// <returns><c>in·k1·k2·…</c> and <c>out·k1·k2·…</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="tensor"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The tensor has fewer than 2 dimensions (PyTorch: <c>Fan in and fan out can not be computed for tensor with fewer than 2 dimensions</c>).
    /// </exception>
    public static FanInAndFanOut CalculateFanInAndFanOut(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ReadOnlySpan<int> shape = tensor.Shape;
        if (shape.Length < 2)
        {
            ThrowHelper.ThrowFanOfVector(nameof(tensor));
        }

        long receptiveField = 1;
        foreach (int k in shape[2..])
        {
            receptiveField *= k;
        }

        return new FanInAndFanOut(shape[1] * receptiveField, shape[0] * receptiveField);
    }

    /// <summary>
    /// The gain PyTorch recommends for a nonlinearity. Equivalent to <c>torch.nn.init.calculate_gain(nonlinearity, param)</c>.
    /// </summary>
    /// <param name="nonlinearity">The nonlinearity.</param>
    /// <param name="param">The negative slope for <see cref="InitNonlinearity.LeakyRelu"/>; PyTorch's 0.01 when <see langword="null"/>.</param>
    /// <returns>1 (linear, sigmoid), 5/3 (tanh), √2 (relu), √(2 / (1 + param²)) (leaky relu) or 3/4 (selu).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nonlinearity"/> is not a defined value.</exception>
    public static double CalculateGain(InitNonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        InitNonlinearity.Linear or InitNonlinearity.Sigmoid => 1,
        InitNonlinearity.Tanh => 5.0 / 3,
        InitNonlinearity.Relu => Math.Sqrt(2.0),
        InitNonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + ((param ?? 0.01) * (param ?? 0.01)))),
        InitNonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Unsupported nonlinearity"),
    };

    /// <summary>ATen's <c>uniform_(from, to)</c> on contiguous float32 elements: both bounds rounded to float32, then one draw each.</summary>
    internal static void FillUniform(Span<float> destination, double from, double to, Generator? generator) =>
        (generator ?? Torch.DefaultGenerator).FillUniform(destination, (float)from, (float)to);
}
