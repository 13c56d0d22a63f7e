using System.CommandLine;
using Microsoft.AspNetCore.Connections;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>The web API, the Hangfire dashboard and the job server, until Ctrl-C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            HelpName = "urls",
            Description = $"Where the API listens, ';'-separated [default: {ExperimentsHost.DefaultUrl}]",
        };
        var dataDirectory = ConfigurationArguments.DataDirectory();
        var workers = new Option<int>("--AlexNet:Workers")
        {
            HelpName = "n",
            Description = "Hangfire workers; a training step uses every core, so more only compete [default: 1]",
        }.AtLeast(1);
        var stepMinutes = new Option<double>("--AlexNet:TrainingStepMinutes")
        {
            HelpName = "minutes",
            Description = "Training time per job; a longer epoch continues in the next job [default: 20]",
        }.Must(minutes => minutes is >= 0 and < AlexNetSettings.TrainingStepMinutesLimit
            ? null
            : $"must be from 0 to below {AlexNetSettings.TrainingStepMinutesLimit} (Hangfire hands a job out again after {AlexNetSettings.TrainingStepMinutesLimit} minutes), not {minutes}.");

        // ASP.NET Core's own host settings; WebApplicationFactory passes all three.
        var environment = new Option<string>("--environment") { HelpName = "name", Description = "ASP.NET Core environment [default: Production]" };
        var contentRoot = new Option<string>("--contentRoot") { Hidden = true };
        var applicationName = new Option<string>("--applicationName") { Hidden = true };

        var command = new Command("serve", "The web API, the Hangfire dashboard (/hangfire) and the job server; the default verb. " +
            "Other configuration keys pass through as --Section:Key=value.")
        {
            urls, dataDirectory, workers, stepMinutes, environment, contentRoot, applicationName,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(ConfigurationArguments.For(parseResult, urls, dataDirectory, workers, stepMinutes, environment, contentRoot, applicationName), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string[] configuration, CancellationToken cancellationToken)
    {
        // The host logs a failed start, with the bind error's stack trace, at Error; the exception reaches us anyway.
        // A refusal to start (HostRefusedToStartException) is CommandLineApp's to print.
        var app = ExperimentsHost.Create(["--Logging:LogLevel:Microsoft.Extensions.Hosting=Critical", .. configuration]);

        var urls = app.Configuration["urls"] ?? ExperimentsHost.DefaultUrl;
        try
        {
            await app.RunAsync(cancellationToken);
            return 0;
        }
        catch (IOException e) when (e.InnerException is AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"{urls} is already in use (another server is listening there); pass --urls=http://localhost:<free port>.");
            return 1;
        }
    }
}
