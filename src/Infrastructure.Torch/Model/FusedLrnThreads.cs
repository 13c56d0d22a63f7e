using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace AlexNet.Experiments.Infrastructure.Torch.Model;

/// <summary>
/// A few dedicated background threads for the fused LRN kernels. Not the .NET thread pool: when its workers are busy
/// (a test runner, ASP.NET, Hangfire) they arrive late and the kernel runs serially; nor a thread per call, whose start
/// is a visible share of a pass that takes milliseconds.
/// </summary>
internal static class FusedLrnThreads
{
    private static readonly BlockingCollection<Action> Queue = [];
    private static readonly Lock Gate = new();
    private static int started;

    /// <summary>Runs <paramref name="work"/> on the calling thread and on up to <paramref name="threads"/> - 1 helpers, and returns when all are done.</summary>
    /// <remarks><paramref name="work"/> must share its items out itself and return at once when none are left: a helper may start after the rest is done.</remarks>
    public static void Run(Action work, int threads)
    {
        int helpers = threads - 1;
        if (helpers <= 0)
        {
            work();
            return;
        }

        EnsureStarted(helpers);
        using var done = new CountdownEvent(helpers);
        ExceptionDispatchInfo? failure = null;
        for (int i = 0; i < helpers; i++)
        {
            Queue.Add(() =>
            {
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                }
                finally
                {
                    done.Signal();
                }
            });
        }

        try
        {
            work();
        }
        finally
        {
            // Helpers hold pointers into the caller's tensors: never return before they have finished.
            done.Wait();
        }

        failure?.Throw();
    }

    private static void EnsureStarted(int helpers)
    {
        if (Volatile.Read(ref started) >= helpers)
        {
            return;
        }

        lock (Gate)
        {
            for (; started < helpers; started++)
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
                    Name = $"FusedLrn {started + 1}",
                }.Start();
            }
        }
    }
}
