namespace RnnSharp;

/// <summary>
/// The 32-bit Mersenne Twister, as PyTorch's <c>at::mt19937</c> (and <c>std::mt19937</c>) define it: seeded
/// from the low 32 bits of the seed, tempered output, one 32-bit word per call.
/// </summary>
internal sealed class Mt19937
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _state = new uint[N];
    private int _next;

    public Mt19937(ulong seed) => Seed(seed);

    /// <summary>Re-seeds exactly as <c>at::mt19937::init_with_uint32</c> does.</summary>
    public void Seed(ulong seed)
    {
        _state[0] = (uint)(seed & 0xffffffffUL);
        for (uint j = 1; j < N; j++)
        {
            uint prev = _state[j - 1];
            _state[j] = unchecked((1812433253U * (prev ^ (prev >> 30))) + j);
        }

        _next = N;
    }

    /// <summary>The next 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (_next >= N)
        {
            Twist();
        }

        uint y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680U;
        y ^= (y << 15) & 0xefc60000U;
        y ^= y >> 18;
        return y;
    }

    private void Twist()
    {
        uint[] mt = _state;
        for (int i = 0; i < N; i++)
        {
            uint y = (mt[i] & UpperMask) | (mt[(i + 1) % N] & LowerMask);
            uint v = mt[(i + M) % N] ^ (y >> 1);
            mt[i] = (y & 1) != 0 ? v ^ MatrixA : v;
        }

        _next = 0;
    }
}
