using System.ComponentModel;
using AlexNet.Experiments.Application.Runs.Steps;
using AlexNet.Experiments.Domain.Jobs;
using Mediator;

namespace AlexNet.Experiments.Host.Jobs;

/// <summary>The Hangfire entry point for one run step; Hangfire supplies the cancellation token at execution time.</summary>
public sealed class RunStepJob(IMediator mediator)
{
    [DisplayName("{0}")]
    public async Task ExecuteAsync(RunStep step, CancellationToken cancellationToken) =>
        await mediator.Send(new ExecuteRunStepCommand(step), cancellationToken);
}
