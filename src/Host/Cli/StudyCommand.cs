using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AlexNet.Experiments.Application.Common;
using AlexNet.Experiments.Application.Datasets.RegisterDataset;
using AlexNet.Experiments.Application.Studies;
using AlexNet.Experiments.Application.Studies.GetStudy;
using AlexNet.Experiments.Application.Studies.SubmitStudy;
using AlexNet.Experiments.Domain.Datasets;
using AlexNet.Experiments.Domain.Experiments;
using AlexNet.Experiments.Host.Api;
using Mediator;

namespace AlexNet.Experiments.Host.Cli;

/// <summary>
/// Runs a study in-process, through the same use cases and Hangfire jobs as POST /api/studies: registers the dataset named on
/// the command line (again is fine), submits the study from a JSON file, prints a line as each run finishes, and ends with the
/// cell table in Markdown.
/// </summary>
public static class StudyCommand
{
    // The API's reading rules: unknown or repeated fields are errors, numbers are numbers.
    private static readonly JsonSerializerOptions FileOptions = RequestBodyOptions(new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false), new StrictJsonObjectConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        AllowDuplicateProperties = false,
        MaxDepth = JsonErrors.MaxDepth,
    });

    private static JsonSerializerOptions RequestBodyOptions(JsonSerializerOptions options)
    {
        RequestBodyAttribute.RefuseNullFields(options);
        return options;
    }

    public static Command Create()
    {
        var file = new Option<SubmitStudyRequest>("--file")
        {
            HelpName = "study.json",
            Description = "The study: the body of POST /api/studies (name, preset, hyperparameters, grid, seeds); datasetId comes from --dataset",
            Required = true,
            CustomParser = result => Read(result.Tokens[^1].Value, result.AddError),
        };
        var dataset = DatasetArguments.Folder("The dataset's folder; registered if it is not yet (its parent folder becomes a dataset root of this process)");
        var format = DatasetArguments.Format();
        var target = new Option<double>("--train-error-target")
        {
            HelpName = "fraction",
            Description = "Training top-1 error whose first epoch and time the table reports [default: 0.25, the paper's Figure 1]",
            DefaultValueFactory = _ => 0.25,
        }.Must(t => t is >= 0 and <= 1 ? null : $"must be from 0 to 1, not {t.ToString(CultureInfo.InvariantCulture)}.");
        var dataDirectory = ConfigurationArguments.DataDirectory();

        var command = new Command("study", "Submit a study (a grid of hyperparameter overrides over seeds) from a JSON file, run it in-process, " +
            "and print its cell table in Markdown. Other configuration keys pass through as --Section:Key=value.")
        {
            file, dataset, format, target, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.Validators.Add(result =>
        {
            if (result.GetValue(dataset) is null && result.GetValue(file) is { DatasetId: null })
            {
                result.AddError("--dataset: name the dataset's folder (or give datasetId in the file).");
            }
            else
            {
                DatasetArguments.MustExist(result, dataset);
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var folder = parseResult.GetValue(dataset);
            return RunAsync(
                [.. DatasetArguments.Roots(folder), .. ConfigurationArguments.For(parseResult, dataDirectory)], parseResult.GetValue(file)!, folder, parseResult.GetValue(format),
                parseResult.GetValue(target), cancellationToken);
        });
        return command;
    }

    private static SubmitStudyRequest? Read(string path, Action<string> error)
    {
        try
        {
            return JsonSerializer.Deserialize<SubmitStudyRequest>(File.ReadAllText(path), FileOptions)
                ?? throw new JsonException("The file holds null; it must hold the study as a JSON object.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error($"--file: cannot read '{path}' ({e.Message.TrimEnd('.')}).");
        }
        catch (JsonException e)
        {
            string field = FieldPath.ToJson(JsonFieldException.FullPath(e));
            error($"--file: {(field.Length > 0 ? field + ": " : "")}{JsonErrors.Describe(e)}");
        }

        return null;
    }

    private static Task<int> RunAsync(
        string[] configuration, SubmitStudyRequest request, DirectoryInfo? folder, DatasetFormat format, double target, CancellationToken cancellationToken) =>
        InProcessHost.RunAsync(configuration, async (_, mediator) =>
        {
            Guid? datasetId = null;
            if (folder is not null)
            {
                var registered = await mediator.Send(new RegisterDatasetCommand(folder.Name, folder.FullName, format), cancellationToken);
                Console.WriteLine($"{(registered.Existing ? "Using" : "Registered")} dataset {registered.Dataset.Id} ({folder.FullName}, {format}).");
                datasetId = registered.Dataset.Id;
            }

            var submitted = await mediator.Send(request.ToCommand(datasetId), cancellationToken);
            Console.WriteLine($"Submitted study {submitted.StudyId}: {submitted.Runs.Count} runs.");
            var study = await FollowAsync(mediator, submitted.StudyId, target, cancellationToken);

            Console.WriteLine();
            Console.Write(Markdown(study));
            Console.WriteLine();
            Console.WriteLine($"Study {study.Id}: GET /api/studies/{study.Id}, or /studies/{study.Id} in the web app (`serve` on this data folder).");
            return study.Rows.All(r => r.Status == RunStatus.Succeeded) ? 0 : 1;
        }, () => Console.WriteLine("Stopped. The study's runs are saved; `serve` on this data folder continues them."), cancellationToken);

    private static async Task<StudyDetails> FollowAsync(IMediator mediator, Guid studyId, double target, CancellationToken cancellationToken)
    {
        var reported = new HashSet<Guid>();
        while (true)
        {
            var study = (await mediator.Send(new GetStudyQuery(studyId, target), cancellationToken))!;
            foreach (var row in study.Rows.Where(r => r.Deleted || r.Status?.IsFinal() == true).Where(r => reported.Add(r.RunId)))
            {
                Console.WriteLine(
                    $"[{DateTime.Now:HH:mm:ss}] {reported.Count}/{study.Rows.Count} run {row.RunId.ToString()[..8]} {StudyPlan.Describe(row.Values)} seed {row.Seed}: " +
                    $"{(row.Deleted ? "deleted" : row.Status)}, evaluation top-1 error {Percent(row.EvaluationTop1Error)}, top-5 {Percent(row.EvaluationTop5Error)}");
            }

            if (reported.Count == study.Rows.Count)
            {
                return study;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // each poll reads every run of the study
        }
    }

    /// <summary>The cell table, one row per cell: the varied values, n, then each metric as mean ± sample standard deviation.</summary>
    public static string Markdown(StudyDetails study)
    {
        string target = Percent(study.TrainErrorTarget);
        var crops = string.Join("/", study.Rows.Select(r => r.EvaluationCrops).OfType<Domain.Training.EvaluationCrops>().Distinct());
        string[] headers =
        [
            .. study.Varied, "n", $"eval top-1 ({crops})", $"eval top-5 ({crops})", "train top-1 (last epoch)", "training s",
            $"epochs to {target} train err", $"training s to {target}",
        ];
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers).Append(" |\n");
        text.Append('|').AppendJoin('|', headers.Select(h => h == "n" || !study.Varied.Contains(h) ? "---:" : "---")).Append("|\n");
        foreach (var cell in study.Cells)
        {
            string[] values =
            [
                .. study.Varied.Select(path => StudyPlan.ValueText(cell.Values[path])), $"{cell.Finished}/{cell.Runs}",
                Spread(cell.EvaluationTop1Error, Percent), Spread(cell.EvaluationTop5Error, Percent), Spread(cell.TrainTop1Error, Percent),
                Spread(cell.TrainingSeconds, Number), Spread(cell.EpochsToTarget, Number) + $" (n={cell.EpochsToTarget.N})", Spread(cell.SecondsToTarget, Number),
            ];
            text.Append("| ").AppendJoin(" | ", values).Append(" |\n");
        }

        return text.ToString();
    }

    private static string Spread(MetricSpread m, Func<double?, string> format) =>
        m.Mean is null ? "–" : m.Spread is null ? format(m.Mean) : $"{format(m.Mean)} ± {format(m.Spread)}";

    private static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Number(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "–";
}
