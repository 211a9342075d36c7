using RnnSharp.Kernels;

namespace RnnSharp.Tests.Kernels;

/// <summary>One cell forward's destinations (and its copy of the gates, which the cell may overwrite).</summary>
internal sealed class CellForwardBuffers
{
    private readonly int _batch;
    private readonly int _hidden;
    private readonly int _hStride;

    public CellForwardBuffers(float[] gates, int batch, int hidden, int hStride, bool record)
    {
        (_batch, _hidden, _hStride) = (batch, hidden, hStride);
        Gates = (float[])gates.Clone();
        C = new float[batch * hidden];
        H = new float[batch * hStride];
        Saved = record ? new float[batch * 4 * hidden] : [];
    }

    public float[] Gates { get; }

    public float[] C { get; }

    public float[] H { get; }

    public float[] Saved { get; }

    public CellForward Lstm(float[] cPrevious) => new()
    {
        Gates = Gates,
        CPrevious = cPrevious,
        C = C,
        H = H,
        HStride = _hStride,
        Saved = Saved,
        Batch = _batch,
        Hidden = _hidden,
    };

    public CellForward Gru(float[] inputGates, float[] hPrevious, int hPreviousStride) => new()
    {
        Gates = Gates,
        InputGates = inputGates,
        HPrevious = hPrevious,
        HPreviousStride = hPreviousStride,
        H = H,
        HStride = _hStride,
        Saved = Saved,
        Batch = _batch,
        Hidden = _hidden,
    };
}
