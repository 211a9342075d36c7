namespace RnnSharp;

/// <summary>The constructor checks <see cref="Rnn"/> and <see cref="RnnCell"/> share.</summary>
internal static class RecurrentArguments
{
    /// <summary>Positive sizes and a defined nonlinearity, with the parameter names of the public constructors.</summary>
    public static void Check(int inputSize, int hiddenSize, Nonlinearity nonlinearity)
    {
        if (inputSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("input_size", inputSize, nameof(inputSize));
        }

        if (hiddenSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("hidden_size", hiddenSize, nameof(hiddenSize));
        }

        if (!Enum.IsDefined(nonlinearity))
        {
            ThrowHelper.ThrowUnknownNonlinearity(nonlinearity, nameof(nonlinearity));
        }
    }
}
