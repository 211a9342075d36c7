using BenchmarkDotNet.Running;
using RnnSharp.Benchmarks;

// Without a filter, run every benchmark (BenchmarkSwitcher would otherwise ask which ones, which fails without a console).
TorchSharpNative.EnsureLoadable();
bool selects = args.Any(a => a is "--filter" or "-f" or "--list" or "--help" or "-h" or "--info");
string[] arguments = selects ? args : [.. args, "--filter", "*"];
BenchmarkSwitcher.FromAssembly(typeof(RnnForwardBenchmarks).Assembly).Run(arguments);
