using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace AlexNet.Experiments.Infrastructure.Torch.Threading;

/// <summary>
/// Dedicated background threads, one per core, on which libtorch computes single-threaded. Not the .NET thread pool: when
/// its workers are busy (a test runner, ASP.NET, Hangfire) they arrive late; nor a thread per call, whose start is a
/// visible share of work that takes milliseconds.
/// </summary>
internal static class TorchWorkers
{
    private static readonly BlockingCollection<Action> Queue = [];
    private static readonly Lock Gate = new();
    private static int started;

    [ThreadStatic]
    private static bool singleThreaded;

    /// <summary>One per core: the most threads any call computes on, the caller's included.</summary>
    public static int MaxThreads => Environment.ProcessorCount;

    /// <summary>Runs <paramref name="work"/> on the calling thread and on up to <paramref name="threads"/> - 1 workers, and returns when all are done.</summary>
    /// <remarks><paramref name="work"/> must share its items out itself and return at once when none are left: a worker may start after the rest is done.</remarks>
    public static void RunAlongside(Action work, int threads)
    {
        int helpers = Math.Min(threads, MaxThreads) - 1;
        if (helpers <= 0)
        {
            work();
            return;
        }

        using var done = Post(helpers, work, out var failure);
        try
        {
            work();
        }
        finally
        {
            // Workers may hold pointers into the caller's tensors: never return before they have finished.
            done.Wait();
        }

        failure.Value?.Throw();
    }

    /// <summary>
    /// Runs <paramref name="body"/>(0) .. (<paramref name="count"/> - 1), each on a worker, never on the caller, whose
    /// libtorch may use several threads; at most one per core at once. Returns when all are done.
    /// </summary>
    public static void RunEachOnWorker(int count, Action<int> body)
    {
        if (singleThreaded)
        {
            // Already on a worker: waiting for the others could deadlock, and this thread computes alone anyway.
            for (int item = 0; item < count; item++)
            {
                body(item);
            }

            return;
        }

        int next = -1;
        void Work()
        {
            for (int item = Interlocked.Increment(ref next); item < count; item = Interlocked.Increment(ref next))
            {
                body(item);
            }
        }

        using var done = Post(Math.Min(count, MaxThreads), Work, out var failure);
        done.Wait();
        failure.Value?.Throw();
    }

    private static CountdownEvent Post(int jobs, Action work, out StrongBox<ExceptionDispatchInfo?> failure)
    {
        EnsureStarted(jobs);
        var done = new CountdownEvent(jobs);
        var firstFailure = new StrongBox<ExceptionDispatchInfo?>();
        for (int i = 0; i < jobs; i++)
        {
            Queue.Add(() =>
            {
                try
                {
                    if (!singleThreaded)
                    {
                        IntraOpThreads.UseOnlyTheCallingThread();
                        singleThreaded = true;
                    }

                    work();
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref firstFailure.Value, ExceptionDispatchInfo.Capture(e), null);
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        failure = firstFailure;
        return done;
    }

    private static void EnsureStarted(int threads)
    {
        if (Volatile.Read(ref started) >= threads)
        {
            return;
        }

        IntraOpThreads.EnsureAvailable();
        lock (Gate)
        {
            for (; started < threads; started++)
            {
                new Thread(() =>
                {
                    foreach (var job in Queue.GetConsumingEnumerable())
                    {
                        job();
                    }
                })
                {
                    IsBackground = true,
                    Name = $"Torch worker {started + 1}",
                }.Start();
            }
        }
    }
}
