using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RnnSharp.Benchmarks;

/// <summary>Adds the median and a GFLOP/s column: the config's floating-point operations divided by the median time.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig() => AddColumn(StatisticColumn.Median, new GflopsColumn());

    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);

        public string ColumnName => "GFLOP/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Floating-point operations per second: sum over layers of D·L·N·2·H·(I_layer + H) (×3 for a training step: forward + backward; ×4 for an LSTM, ×3 for a GRU; variable-length batches: real tokens only), over the median time";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not null && benchmarkCase.Descriptor.Type == typeof(CeilingBenchmarks))
            {
                double flops = CeilingBenchmarks.FlopsOf(benchmarkCase.Descriptor.WorkloadMethod.Name);
                return (flops / (report.ResultStatistics.Median / 1e9) / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
            }

            object? config = benchmarkCase.Parameters.Items.Any(p => p.Name == "Config") ? benchmarkCase.Parameters["Config"] : null;
            if (report?.ResultStatistics is null || config is null)
            {
                return "-";
            }

            double seconds = report.ResultStatistics.Median / 1e9;

            // A training step is a forward pass and a backward pass of twice its work (input and weight gradients).
            Type type = benchmarkCase.Descriptor.Type;
            double passes = type == typeof(TrainingStepBenchmarks) || type == typeof(GatedTrainingStepBenchmarks) ? 3 : 1;

            // An LSTM's or a GRU's products are 4 or 3 times an Elman RNN's (the gate math is not counted).
            double gates = benchmarkCase.Parameters.Items.Any(p => p.Name == "Kind") ? GatedModels.Gates((string)benchmarkCase.Parameters["Kind"]) : 1;
            // A variable-length batch counts its real tokens' products only, whether it ran packed or padded.
            double share = type == typeof(PackedForwardBenchmarks) ? PackedForwardBenchmarks.TokenShare(RnnConfig.Get((string)config)) : 1;
            return (share * gates * passes * RnnConfig.Get((string)config).Flops / seconds / 1e9).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
