using BenchmarkDotNet.Running;
using RnnSharp.Benchmarks;

// Without arguments, run every benchmark (BenchmarkSwitcher would otherwise ask which to run).
TorchSharpNative.EnsureLoadable();
string[] arguments = args.Length == 0 ? ["--filter", "*"] : args;
BenchmarkSwitcher.FromAssembly(typeof(RnnForwardBenchmarks).Assembly).Run(arguments);
