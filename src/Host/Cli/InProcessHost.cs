using FluentValidation;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// The whole host (API, job server, store) started inside a CLI verb, on a loopback port of its own, so a verb drives the same
/// use cases and Hangfire jobs as the API. Stopping it stops the job server, which halts a training job at a batch boundary.
/// </summary>
internal static class InProcessHost
{
    /// <param name="work">Runs with a mediator once the host has started; its result is the exit code.</param>
    /// <param name="stopped">Runs after the host stopped because the token was cancelled (Ctrl-C, SIGTERM).</param>
    public static async Task<int> RunAsync(
        string[] configuration, Func<IServiceProvider, IMediator, Task<int>> work, Action? stopped, CancellationToken cancellationToken)
    {
        // Port 0: the in-process API must not collide with a server already running on the default port.
        var app = ExperimentsHost.Create(
            ["--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Hangfire=Error", .. configuration, "--urls=http://127.0.0.1:0"]);
        try
        {
            await app.StartAsync(cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            return await work(app.Services, scope.ServiceProvider.GetRequiredService<IMediator>());
        }
        catch (ValidationException e)
        {
            await Console.Error.WriteLineAsync(string.Join(" ", e.Errors.Select(f => $"{f.PropertyName}: {f.ErrorMessage}")));
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 1; // the caller turns a signal into its own exit code
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            if (cancellationToken.IsCancellationRequested)
            {
                stopped?.Invoke();
            }
        }
    }
}
