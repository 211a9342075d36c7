using System.Diagnostics.CodeAnalysis;

namespace RnnSharp;

/// <summary>Errors of the differentiable recurrent layers.</summary>
internal static partial class ThrowHelper
{
    /// <summary>PyTorch's refusal of <c>out=</c> when the call would have to record a graph.</summary>
    [DoesNotReturn]
    public static void ThrowOutArgumentsRequireGrad(string op) =>
        throw new InvalidOperationException(
            $"{op}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.");
}
