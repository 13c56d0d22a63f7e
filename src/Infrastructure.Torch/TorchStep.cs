using System.Collections.Concurrent;

namespace AlexNet.Experiments.Infrastructure.Torch;

/// <summary>
/// The libtorch work of one run step (a training epoch or part of one, an evaluation, a feature extraction), on a thread
/// kept for steps. glibc serves a thread from one heap (arena) for the thread's life, out of up to 8 per core, and each
/// heap keeps what was freed in it (<see cref="NativeHeap"/>). On the thread pool, a run's steps computed on whichever thread
/// was free, so in time every arena held a step's freed memory and a serving process grew run after run; on the thread the
/// last step left, a step reuses what that step freed. When a step ends, the free pages go back to the kernel too.
/// </summary>
internal static class TorchStep
{
    // Most recently used on top: its heap is the one the last step grew.
    private static readonly ConcurrentStack<StepThread> Idle = new();

    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = Idle.TryPop(out var idle) ? idle : new StepThread();
        thread.Run(() =>
        {
            (T Value, Exception? Failure) outcome;
            try
            {
                outcome = (work(), null);
            }
            catch (Exception e)
            {
                outcome = (default!, e);
            }

            // Before the caller resumes: what it measures or runs next finds the memory given back and this thread idle.
            NativeHeap.GiveBackFreedMemory();
            Idle.Push(thread);
            if (outcome.Failure is { } failure)
            {
                result.SetException(failure);
            }
            else
            {
                result.SetResult(outcome.Value);
            }
        });
        return result.Task;
    }

    /// <summary>A thread that runs the steps given to it, one at a time, for the life of the process.</summary>
    private sealed class StepThread
    {
        private readonly BlockingCollection<Action> steps = new(boundedCapacity: 1);

        public StepThread()
        {
            new Thread(() =>
            {
                foreach (var step in steps.GetConsumingEnumerable())
                {
                    step();
                }
            })
            {
                IsBackground = true,
                Name = "Torch step",
            }.Start();
        }

        public void Run(Action step) => steps.Add(step);
    }
}
