namespace RnnSharp;

/// <summary>
/// A weight's fans, as <c>torch.nn.init._calculate_fan_in_and_fan_out</c> computes them: for a weight of shape
/// <c>(out, in, k1, k2, …)</c>, <c>FanIn = in·k1·k2·…</c> and <c>FanOut = out·k1·k2·…</c>.
/// </summary>
/// <param name="FanIn">The number of inputs each output sees.</param>
/// <param name="FanOut">The number of outputs each input feeds.</param>
public readonly record struct FanInAndFanOut(long FanIn, long FanOut);
