namespace RnnSharp;

/// <summary>The argument checks the recurrent modules share (<see cref="Rnn"/>, <see cref="RnnCell"/>, <see cref="RnnBase"/>, <see cref="RnnCellBase"/>).</summary>
internal static class RecurrentArguments
{
    /// <summary>Positive sizes and a defined nonlinearity, with the parameter names of the public constructors.</summary>
    public static void Check(int inputSize, int hiddenSize, Nonlinearity nonlinearity)
    {
        CheckSizes(inputSize, hiddenSize);
        if (!Enum.IsDefined(nonlinearity))
        {
            ThrowHelper.ThrowUnknownNonlinearity(nonlinearity, nameof(nonlinearity));
        }
    }

    /// <summary><c>input_size</c> and <c>hidden_size</c> must be positive.</summary>
    public static void CheckSizes(int inputSize, int hiddenSize)
    {
        if (inputSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("input_size", inputSize, nameof(inputSize));
        }

        if (hiddenSize <= 0)
        {
            ThrowHelper.ThrowMustBePositive("hidden_size", hiddenSize, nameof(hiddenSize));
        }
    }

    /// <summary>
    /// The dtype check PyTorch's first matrix product makes (<c>mat1 and mat2 must have the same dtype</c>): the input
    /// and the states must be float32. PyTorch checks shapes first, so this runs after the shape checks.
    /// </summary>
    public static void CheckFloat32(Tensor input, Tensor? h, Tensor? c, string hName, string cName)
    {
        if (input.DType != DType.Float32)
        {
            ThrowHelper.ThrowMatMulDType(nameof(input));
        }

        if (h is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(hName);
        }

        if (c is { DType: not DType.Float32 })
        {
            ThrowHelper.ThrowMatMulDType(cName);
        }
    }
}
