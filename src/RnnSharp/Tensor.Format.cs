namespace RnnSharp;

public partial class Tensor
{
    /// <summary>
    /// Returns exactly what PyTorch's <c>str(tensor)</c> prints, with <c>grad_fn=&lt;...&gt;</c> or <c>requires_grad=True</c> after the last bracket as PyTorch adds them:
    /// by default four decimals, fixed or scientific notation chosen as PyTorch chooses, whole numbers as <c>1.</c>,
    /// aligned columns, lines wrapped at 80 characters and summaries with <c>...</c> above 1000 elements. The
    /// options are those of <see cref="Torch.PrintOptions"/>, set with
    /// <see cref="Torch.SetPrintOptions(int?, double?, int?, int?, PrintProfile?, bool?)"/>.
    /// </summary>
    /// <returns>The text PyTorch prints for this tensor.</returns>
    public override string ToString() => TensorFormatter.Format(
        this, suffix: GradFn is { } fn ? $"grad_fn=<{fn.Name}>" : RequiresGrad ? "requires_grad=True" : null);
}
