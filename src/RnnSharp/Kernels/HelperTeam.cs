namespace RnnSharp.Kernels;

/// <summary>Work split into numbered chunks that may run on any thread, in any order.</summary>
internal interface IChunkedWork
{
    /// <summary>Runs chunk <paramref name="chunk"/>; chunks of one round never write the same memory.</summary>
    void Run(int chunk);
}

/// <summary>
/// Dedicated helper threads that join the calling thread for the rounds of one forward pass: each round's chunks
/// are claimed one at a time from a shared counter, by the caller and by whichever helpers are there, and the
/// round ends when all are done.
/// </summary>
/// <remarks>
/// <para>
/// The caller always takes part, so a round finishes even if no helper ever shows up: a busy machine or many
/// concurrent forward passes degrade to single-threaded runs instead of waiting. Helpers are plain background
/// threads (never thread-pool threads, which a service may have saturated), created on first use up to
/// <c>min(Torch.GetNumThreads(), ProcessorCount) − 1</c>, and shared: a call takes those that are idle.
/// </para>
/// <para>
/// Between rounds of one call the helpers spin, because rounds (one per time step) are microseconds apart;
/// between calls they block. Which thread runs a chunk never changes the arithmetic, so results are identical
/// for every thread count.
/// </para>
/// </remarks>
internal sealed class HelperTeam
{
    /// <summary>
    /// The least work worth a chunk of its own, about 10 µs of one core: a time step cut finer costs more in kernel
    /// calls and hand-offs than it gains in balance (the small configs' forward at two threads, in two chunks per
    /// step instead of four: LSTM +4.8%, GRU +7.9%, RNN +5.4%, measured).
    /// </summary>
    private const double MinChunkFlops = 1e6;

    private static readonly Lock PoolLock = new();
    private static readonly Stack<Helper> Idle = new();
    private static int s_created;

    [ThreadStatic]
    private static HelperTeam? t_team;

    // Sized for every helper up front: a team that first gets its helpers on a later call (they were busy with another
    // thread's work until then) must not allocate then, or Forward into caller tensors would not be allocation-free.
    private readonly List<Helper> _members = new(Math.Max(1, Environment.ProcessorCount - 1));
    private IChunkedWork? _work;
    private int _count;
    private int _next;
    private int _done;
    private int _generation;
    private int _released;
    private int _present;

    /// <summary>The number of helpers in this call's team.</summary>
    public int Helpers => _members.Count;

    /// <summary>
    /// How many chunks to cut a round of <paramref name="flops"/> into over <paramref name="threads"/> threads: at least
    /// one per thread, at most four per thread (for balance), and otherwise none under <see cref="MinChunkFlops"/>.
    /// </summary>
    public static int ChunksFor(double flops, int threads) => (int)Math.Clamp(flops / MinChunkFlops, threads, 4 * threads);

    /// <summary>
    /// A team of up to <paramref name="wanted"/> idle helpers for the calling thread, or <see langword="null"/> when
    /// none is wanted or free. Dispose it (<see cref="Release"/>) when the call ends.
    /// </summary>
    public static HelperTeam? TryAcquire(int wanted)
    {
        wanted = Math.Min(wanted, Environment.ProcessorCount - 1);
        if (wanted <= 0)
        {
            return null;
        }

        HelperTeam team = t_team ??= new HelperTeam();
        lock (PoolLock)
        {
            while (team._members.Count < wanted)
            {
                if (Idle.Count > 0)
                {
                    team._members.Add(Idle.Pop());
                }
                else if (s_created < Environment.ProcessorCount - 1)
                {
                    s_created++;
                    team._members.Add(new Helper());
                }
                else
                {
                    break;
                }
            }
        }

        if (team._members.Count == 0)
        {
            return null;
        }

        Volatile.Write(ref team._released, 0);
        Volatile.Write(ref team._present, team._members.Count);
        foreach (Helper helper in team._members)
        {
            helper.Join(team);
        }

        return team;
    }

    /// <summary>Runs chunks <c>[0, count)</c> of <paramref name="work"/> on this thread and the helpers; returns when all are done.</summary>
    public void Run(IChunkedWork work, int count)
    {
        _work = work;
        Volatile.Write(ref _count, count);
        Volatile.Write(ref _done, 0);
        Interlocked.Exchange(ref _next, 0);
        Interlocked.Increment(ref _generation);
        Drain();
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _done) < count)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Runs every chunk on the calling thread: the same chunks, the same results, no team.</summary>
    public static void RunInline(IChunkedWork work, int count)
    {
        for (int chunk = 0; chunk < count; chunk++)
        {
            work.Run(chunk);
        }
    }

    /// <summary>Ends the call: waits until every helper has left, then returns them to the idle pool.</summary>
    public void Release()
    {
        Volatile.Write(ref _released, 1);
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _present) > 0)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        _work = null;
        lock (PoolLock)
        {
            foreach (Helper helper in _members)
            {
                Idle.Push(helper);
            }
        }

        _members.Clear();
    }

    /// <summary>Claims and runs chunks of the current round until none is left.</summary>
    private void Drain()
    {
        while (true)
        {
            int chunk = Interlocked.Increment(ref _next) - 1;
            if (chunk >= Volatile.Read(ref _count))
            {
                return;
            }

            _work!.Run(chunk);
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>A helper's part of one call: join every round until the caller releases the team.</summary>
    private void Serve()
    {
        int seen = Volatile.Read(ref _generation) - 1;
        var spinner = default(SpinWait);
        while (Volatile.Read(ref _released) == 0)
        {
            int generation = Volatile.Read(ref _generation);
            if (generation != seen)
            {
                seen = generation;
                Drain();
                spinner = default;
            }
            else
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        Interlocked.Decrement(ref _present);
    }

    /// <summary>One helper thread: blocks until a team takes it, serves that call, and waits again.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Design", "CA1001", Justification = "Helpers live as long as the process; their semaphore is never released early.")]
    private sealed class Helper
    {
        private readonly SemaphoreSlim _wake = new(0);
        private HelperTeam? _team;

        public Helper()
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = "RnnSharp helper" };
            thread.Start();
        }

        public void Join(HelperTeam team)
        {
            Volatile.Write(ref _team, team);
            _wake.Release();
        }

        private void Loop()
        {
            while (true)
            {
                _wake.Wait();
                HelperTeam team = Volatile.Read(ref _team)!;
                team.Serve();
            }
        }
    }
}
