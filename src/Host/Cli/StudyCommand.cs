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
/// cell table in Markdown; with --markdown it also writes the reproduction page and its plots. --id instead of --file takes a
/// stored study (finishing its runs if any are left) without submitting anything.
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
            Description = "The study: the body of POST /api/studies (name, preset, hyperparameters, grid, seeds, claims, trainErrorTarget); datasetId comes from --dataset",
            CustomParser = result => Read(result.Tokens[^1].Value, result.AddError),
        };
        var dataset = DatasetArguments.Folder("The dataset's folder; registered if it is not yet (its parent folder becomes a dataset root of this process)");
        var format = DatasetArguments.Format();
        var target = new Option<double>("--train-error-target")
        {
            HelpName = "fraction",
            Description = "Training top-1 error whose images and seconds to reach the table reports [default: the study's trainErrorTarget]",
        }.Must(t => t is >= 0 and <= 1 ? null : $"must be from 0 to 1, not {t.ToString(CultureInfo.InvariantCulture)}.");
        var id = new Option<Guid?>("--id") { HelpName = "studyId", Description = "A stored study to report (and finish, if runs are left) instead of submitting --file" };
        var markdown = new Option<FileInfo?>("--markdown")
        {
            HelpName = "page.md",
            Description = "Write the reproduction page (claims, cells, runs) here and its SVG plots in a folder beside it named after it (docs/REPRODUCTION.md: docs/reproduction/)",
        };
        var dataDirectory = ConfigurationArguments.DataDirectory();

        var command = new Command("study", "Submit a study (a grid of hyperparameter overrides over seeds) from a JSON file, run it in-process, " +
            "and print its cell table in Markdown. Other configuration keys pass through as --Section:Key=value.")
        {
            file, id, dataset, format, target, markdown, dataDirectory,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.Validators.Add(result =>
        {
            if ((result.GetResult(file) is null) == (result.GetValue(id) is null))
            {
                result.AddError("Give either --file (a new study) or --id (a stored one).");
            }
            else if (result.GetValue(id) is not null)
            {
                return;
            }
            else if (result.GetValue(dataset) is null && result.GetValue(file) is { DatasetId: null })
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
                [.. DatasetArguments.Roots(folder), .. ConfigurationArguments.For(parseResult, dataDirectory)],
                new StudySource(parseResult.GetValue(file), parseResult.GetValue(id), folder, parseResult.GetValue(format)),
                parseResult.GetResult(target) is null ? null : parseResult.GetValue(target), parseResult.GetValue(markdown), cancellationToken);
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

    /// <summary>A new study (<see cref="Request"/>, on the dataset in <see cref="Folder"/> if given) or a stored one (<see cref="StudyId"/>).</summary>
    private sealed record StudySource(SubmitStudyRequest? Request, Guid? StudyId, DirectoryInfo? Folder, DatasetFormat Format);

    private static Task<int> RunAsync(
        string[] configuration, StudySource source, double? target, FileInfo? markdown, CancellationToken cancellationToken) =>
        InProcessHost.RunAsync(configuration, async (_, mediator) =>
        {
            if (source.StudyId is { } storedId && await mediator.Send(new GetStudyQuery(storedId), cancellationToken) is null)
            {
                await Console.Error.WriteLineAsync($"--id: no study {storedId} in this data folder.");
                return 1;
            }

            var study = await FollowAsync(mediator, source.StudyId ?? await SubmitAsync(mediator, source, cancellationToken), target, cancellationToken);
            Console.WriteLine();
            Console.Write(Markdown(study));
            Console.WriteLine();
            if (markdown is not null)
            {
                await ReproductionPage.WriteAsync(mediator, study, markdown.FullName, cancellationToken);
                Console.WriteLine($"Wrote {markdown.FullName} and its plots.");
            }

            Console.WriteLine($"Study {study.Id}: GET /api/studies/{study.Id}, or /studies/{study.Id} in the web app (`serve` on this data folder).");
            return study.Rows.All(r => r.Status == RunStatus.Succeeded) ? 0 : 1;
        }, () => Console.WriteLine("Stopped. The study's runs are saved; `serve` on this data folder continues them."), cancellationToken);

    private static async Task<Guid> SubmitAsync(IMediator mediator, StudySource source, CancellationToken cancellationToken)
    {
        Guid? datasetId = null;
        if (source.Folder is { } folder)
        {
            var registered = await mediator.Send(new RegisterDatasetCommand(folder.Name, folder.FullName, source.Format), cancellationToken);
            Console.WriteLine($"{(registered.Existing ? "Using" : "Registered")} dataset {registered.Dataset.Id} ({folder.FullName}, {source.Format}).");
            datasetId = registered.Dataset.Id;
        }

        var submitted = await mediator.Send(source.Request!.ToCommand(datasetId), cancellationToken);
        Console.WriteLine($"Submitted study {submitted.StudyId}: {submitted.Runs.Count} runs.");
        return submitted.StudyId;
    }

    private static async Task<StudyDetails> FollowAsync(IMediator mediator, Guid studyId, double? target, CancellationToken cancellationToken)
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

    /// <summary>The cell table, one row per cell: the varied values, n, then each metric as mean ± sample standard deviation, then the claims.</summary>
    public static string Markdown(StudyDetails study)
    {
        string target = Percent(study.TrainErrorTarget);
        var crops = string.Join("/", study.Rows.Select(r => r.EvaluationCrops).OfType<Domain.Training.EvaluationCrops>().Distinct());
        string[] headers =
        [
            .. study.Varied, "n", $"eval top-1 ({crops})", $"eval top-5 ({crops})", "train top-1 (last epoch)", "training s",
            $"images to {target} train err", $"training s to {target}",
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
                Spread(cell.TrainingSeconds, Number), Spread(cell.ImagesToTarget, Number) + $" (n={cell.ImagesToTarget.N})", Spread(cell.SecondsToTarget, Number),
            ];
            text.Append("| ").AppendJoin(" | ", values).Append(" |\n");
        }

        foreach (var claim in study.Claims)
        {
            text.Append($"\n{claim.Claim.Name} ({claim.Claim.Baseline} → {claim.Claim.Variant}, {claim.Claim.Metric}): ")
                .Append(claim.Estimate is { } e ? $"{ClaimResult.FormatEffect(claim.Claim, e)} [{ClaimResult.FormatEffect(claim.Claim, claim.Lower95!.Value)}, " +
                    $"{ClaimResult.FormatEffect(claim.Claim, claim.Upper95!.Value)}], {claim.Design}: " : "")
                .Append(claim.VerdictText).Append('\n');
        }

        return text.ToString();
    }

    private static string Spread(MetricSpread m, Func<double?, string> format) =>
        m.Mean is null ? "–" : m.Spread is null ? format(m.Mean) : $"{format(m.Mean)} ± {format(m.Spread)}";

    private static string Percent(double? fraction) => fraction is { } f ? (f * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "–";

    private static string Number(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "–";
}
