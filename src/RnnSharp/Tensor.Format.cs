namespace RnnSharp;

public sealed partial class Tensor
{
    /// <summary>
    /// Returns exactly what PyTorch's <c>str(tensor)</c> prints for a float32 tensor without gradient history:
    /// four decimals, fixed or scientific notation chosen as PyTorch
    /// chooses, aligned columns, lines wrapped at 80 characters and summaries with <c>...</c> above 1000 elements.
    /// </summary>
    /// <returns>The text PyTorch prints for this tensor.</returns>
    public override string ToString() => TensorFormatter.Format(this, suffix: null);
}
