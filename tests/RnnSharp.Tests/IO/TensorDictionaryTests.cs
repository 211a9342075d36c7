namespace RnnSharp.Tests.IO;

/// <summary>TensorDictionary: an ordered map of names to tensors, as a state dict is.</summary>
public sealed class TensorDictionaryTests
{
    [Fact]
    public void Constructor_DuplicateName_ThrowsArgumentExceptionNamingEntries()
    {
        var t = new Tensor([1f], 1);

        var act = () => new TensorDictionary([new("w", t), new("w", t)]);

        act.Should().Throw<ArgumentException>().WithMessage("tensor 'w' already exists*").Which.ParamName.Should().Be("entries");
    }
}
