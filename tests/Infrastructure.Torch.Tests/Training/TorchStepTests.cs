namespace AlexNet.Experiments.Infrastructure.Torch.Tests.Training;

/// <summary>
/// Steps compute on threads kept for them, so a step grows the glibc heap the last one grew and freed rather than one of its
/// own (<see cref="TorchStep"/>). In the training collection, which runs alone: no other test's step takes the thread meanwhile.
/// </summary>
[Collection(TorchTrainingCollection.Name)]
public sealed class TorchStepTests
{
    [Fact]
    public async Task Steps_one_after_another_compute_on_one_thread_and_steps_at_once_on_one_each()
    {
        int first = await TorchStep.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None);
        (await TorchStep.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None)).ShouldBe(first);

        using var bothRunning = new Barrier(2);
        int Together() => bothRunning.SignalAndWait(TimeSpan.FromSeconds(10)) ? Environment.CurrentManagedThreadId : -1;
        var together = await Task.WhenAll(TorchStep.RunAsync(Together, CancellationToken.None), TorchStep.RunAsync(Together, CancellationToken.None));

        together.ShouldNotContain(-1, "two steps at once must not wait for each other");
        together.Distinct().Count().ShouldBe(2);
        together.ShouldContain(first);
    }

    [Fact]
    public async Task A_failing_step_fails_its_task_and_its_thread_takes_the_next_step()
    {
        int failedOn = 0;
        var failure = await Should.ThrowAsync<InvalidOperationException>(TorchStep.RunAsync<int>(
            () =>
            {
                failedOn = Environment.CurrentManagedThreadId;
                throw new InvalidOperationException("no such checkpoint");
            },
            CancellationToken.None));

        failure.Message.ShouldBe("no such checkpoint");
        (await TorchStep.RunAsync(() => Environment.CurrentManagedThreadId, CancellationToken.None)).ShouldBe(failedOn);
    }
}
