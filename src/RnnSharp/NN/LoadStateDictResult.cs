namespace RnnSharp;

/// <summary>
/// What <see cref="Module.LoadStateDict"/> found besides the keys it loaded: the counterpart of PyTorch's
/// <c>_IncompatibleKeys(missing_keys, unexpected_keys)</c>. Both lists are empty after a successful strict load.
/// </summary>
/// <param name="MissingKeys">The module's keys that the state dict did not have (in registration order).</param>
/// <param name="UnexpectedKeys">The state dict's keys that the module does not have (in the state dict's order).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
