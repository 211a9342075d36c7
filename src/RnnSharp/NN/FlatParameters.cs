namespace RnnSharp;

/// <summary>
/// One contiguous buffer holding all of a module's parameters in registration order, handed out as views.
/// Because PyTorch initialises parameters one after another in registration order from the same
/// distribution, filling the whole buffer in one pass draws exactly the numbers PyTorch draws.
/// </summary>
internal sealed class FlatParameters
{
    private int _offset;

    public FlatParameters(long total, string paramName)
    {
        if (total > Array.MaxLength)
        {
            ThrowHelper.ThrowParametersTooLarge(total, paramName);
        }

        Storage = new float[total];
    }

    /// <summary>Every parameter, in registration order.</summary>
    public float[] Storage { get; }

    /// <summary>Counts writes to <see cref="Storage"/> through any parameter view.</summary>
    public StorageVersion Version { get; } = new();

    /// <summary>The next <paramref name="shape"/>-sized view of the buffer.</summary>
    public Tensor Next(int[] shape)
    {
        Tensor view = Tensor.ViewOf(Storage, _offset, shape, Version);
        _offset += view.NumElements;
        return view;
    }

    /// <summary>
    /// PyTorch's <c>reset_parameters</c> for recurrent modules: every parameter from
    /// <c>U(−1/√hidden_size, 1/√hidden_size)</c>, with the bounds computed in double and cast to float32.
    /// </summary>
    public void ResetUniform(int hiddenSize, Generator? generator)
    {
        double stdv = 1.0 / Math.Sqrt(hiddenSize);
        Init.FillUniform(Storage, -stdv, stdv, generator);
        Version.Bump();
    }
}
