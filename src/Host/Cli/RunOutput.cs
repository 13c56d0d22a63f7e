using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Training;
using Spectre.Console;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>A progress bar per phase (preprocessing, each epoch) on a terminal; plain lines when output goes to a file or pipe.</summary>
internal abstract class RunOutput
{
    public abstract void Line(string text);

    /// <summary>The current phase's progress; null when no phase is measured (queued, evaluating).</summary>
    public abstract void Progress(RunProgressFigures? progress);

    public static async Task<int> ShowAsync(Func<RunOutput, Task<int>> follow)
    {
        if (Console.IsOutputRedirected)
        {
            return await follow(new PlainLines());
        }

        return await AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true) // a finished epoch's bar gives way to its line
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(context => follow(new ProgressBars(context)));
    }

    private sealed class PlainLines : RunOutput
    {
        public override void Line(string text) => Console.WriteLine(text);

        public override void Progress(RunProgressFigures? progress)
        {
        }
    }

    private sealed class ProgressBars(ProgressContext context) : RunOutput
    {
        private ProgressTask? task;
        private string? phase;

        // Spectre prints it above the live bars.
        public override void Line(string text) => AnsiConsole.WriteLine(text);

        public override void Progress(RunProgressFigures? progress)
        {
            var label = progress is null ? null : Label(progress);
            if (task is not null && label != phase)
            {
                task.Value = task.MaxValue;
                task.StopTask();
                task = null;
            }

            if (progress is null || progress.ImagesTotal == 0)
            {
                return;
            }

            phase = label;
            task ??= context.AddTask(Markup.Escape(label!));
            task.MaxValue = progress.ImagesTotal;
            task.Value = progress.ImagesDone;
        }

        // One bar per epoch: a new epoch's bar replaces the finished one.
        private static string Label(RunProgressFigures progress) =>
            progress.Phase == RunProgressBoard.Training ? $"training epoch {progress.Epoch}" : progress.Phase;
    }
}
