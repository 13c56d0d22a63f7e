namespace AlexNet.Experiments.Domain.Jobs;

public enum RunStepKind { Preprocess, TrainEpoch, Evaluate }

/// <summary>One bounded unit of a run's work. Training is one step per epoch, so no job outlives the job store's timeouts.</summary>
public sealed record RunStep(Guid RunId, RunStepKind Kind, int Epoch = 0)
{
    public override string ToString() => Kind == RunStepKind.TrainEpoch ? $"{Kind} {Epoch} of run {RunId}" : $"{Kind} of run {RunId}";
}

public interface IJobScheduler
{
    /// <summary>Queues the step and returns the scheduler's job id.</summary>
    string Enqueue(RunStep step);

    /// <summary>
    /// True while the job is queued, scheduled, or running on a server that is still alive. A job left "processing" by a process
    /// that died is not alive, whatever its recorded state says.
    /// </summary>
    bool IsAlive(string jobId);

    /// <summary>Makes sure a job that is not alive never runs later (e.g. re-fetched after a job-store timeout); it is replaced.</summary>
    void Abandon(string jobId);
}
