using System.Text;
using AlexNet.Experiments.Application.Runs;
using AlexNet.Experiments.Domain.Jobs;
using AlexNet.Experiments.Domain.Training;
using AlexNet.Experiments.Infrastructure.Storage;
using AlexNet.Experiments.Infrastructure.Storage.Datasets;

namespace AlexNet.Experiments.Host;

/// <summary>
/// Every <c>AlexNet:*</c> setting, and <c>ConnectionStrings:AlexNet</c>, typed and checked once at start-up, before anything is
/// composed from them (the README's configuration table documents each key). A wrong value stops the host with one line that
/// names each wrong key and what it takes (<see cref="From"/>).
/// </summary>
/// <remarks>
/// Read through <see cref="SettingsReader"/>, not ConfigurationBinder: the binder takes "1" for an enum member, ignores a list
/// given as one separated string, appends a configured list to its default, and stops at the first value it cannot convert with
/// a message naming the CLR type. Checked in <see cref="From"/>, not by ValidateOnStart: Role, Storage, Workers and Queues decide
/// which services exist, so they must be right before the container is built, and ValidateOnStart runs after that.
/// </remarks>
public sealed record AlexNetSettings
{
    public const string Section = "AlexNet";
    public const string ConnectionStringName = "AlexNet";
    public const int MaxWorkers = 256;
    public const string DefaultDatasetRoot = "sources";

    /// <summary>Exclusive: the embedded job store hands a job still running after 30 minutes out again (DESIGN.md, "Jobs and long runs").</summary>
    public const double TrainingStepMinutesLimit = 30;

    /// <summary>Absolute; default ./data.</summary>
    public string DataDirectory { get; init; } = "data";

    public HostRole Role { get; init; } = HostRole.Serve;

    public StorageBackend Storage { get; init; } = StorageBackend.Sqlite;

    /// <summary><c>ConnectionStrings:AlexNet</c>, for <see cref="StorageBackend.PostgreSql"/> only.</summary>
    public string? PostgreSqlConnectionString { get; init; }

    /// <summary>Absolute (a relative setting resolves against the data folder); null: the data folder.</summary>
    public string? ArtifactDirectory { get; init; }

    /// <summary>Where the oneDNN probe's verdicts are kept; absolute (relative resolves against the data folder); null: the data folder.</summary>
    public string? OneDnnVerdictDirectory { get; init; }

    /// <summary>As given; relative roots resolve against the data folder where they are used.</summary>
    public IReadOnlyList<string> DatasetRoots { get; init; } = [DefaultDatasetRoot];

    public int Workers { get; init; } = 1;

    /// <summary>Some of <see cref="WorkQueues.All"/>, each once.</summary>
    public IReadOnlyList<string> Queues { get; init; } = WorkQueues.All;

    /// <summary>From 0 (a job per batch) to below <see cref="TrainingStepMinutesLimit"/>.</summary>
    public double TrainingStepMinutes { get; init; } = 20;

    public int ImagesPerShard { get; init; } = DatasetPreprocessor.DefaultImagesPerShard;

    public CheckpointRetention CheckpointRetention { get; init; } = CheckpointRetention.LastAndBest;

    /// <summary>Training batches between two step-level points, at least 1.</summary>
    public int StepMetricsBatches { get; init; } = StepRecording.DefaultBatches;

    public string? ApiKey { get; init; }

    /// <summary>Null: 3/4 of this machine's memory (see <see cref="MachineResourceBudget"/>).</summary>
    public double? MemoryBudgetBytes { get; init; }

    /// <summary>Null: half the free disk of the artifact folder.</summary>
    public double? DiskBudgetBytes { get; init; }

    /// <summary>The full key of a setting of this section, e.g. <c>Key(nameof(Workers))</c> is <c>AlexNet:Workers</c>.</summary>
    public static string Key(string name) => $"{Section}:{name}";

    /// <summary>Reads and checks every setting; throws a <see cref="HostRefusedToStartException"/> (exit code 2) naming each wrong key.</summary>
    public static AlexNetSettings From(IConfiguration configuration)
    {
        var read = new SettingsReader(configuration.GetSection(Section));
        string dataDirectory = read.Folder(nameof(DataDirectory), Environment.CurrentDirectory) ?? Path.GetFullPath("data");
        var settings = new AlexNetSettings
        {
            DataDirectory = dataDirectory,
            Role = read.OneOf(nameof(Role), HostRole.Serve, lowerCase: true),
            Storage = read.OneOf(nameof(Storage), StorageBackend.Sqlite),
            PostgreSqlConnectionString = configuration.GetConnectionString(ConnectionStringName),
            ArtifactDirectory = read.Folder(nameof(ArtifactDirectory), dataDirectory),
            OneDnnVerdictDirectory = read.Folder(nameof(OneDnnVerdictDirectory), dataDirectory),
            DatasetRoots = read.List(nameof(DatasetRoots), Path.PathSeparator) ?? [DefaultDatasetRoot],
            Workers = read.WholeNumber(nameof(Workers), 1, minimum: 1, maximum: MaxWorkers),
            Queues = read.SomeOf(nameof(Queues), ',', WorkQueues.All) ?? WorkQueues.All,
            TrainingStepMinutes = read.Number(
                nameof(TrainingStepMinutes), 20, minutes => minutes is >= 0 and < TrainingStepMinutesLimit,
                $"a number of minutes from 0 to below {TrainingStepMinutesLimit} (the job store hands a job still running after {TrainingStepMinutesLimit} minutes out again)"),
            ImagesPerShard = read.WholeNumber(nameof(ImagesPerShard), DatasetPreprocessor.DefaultImagesPerShard, minimum: 1),
            CheckpointRetention = read.OneOf(nameof(CheckpointRetention), CheckpointRetention.LastAndBest),
            StepMetricsBatches = read.WholeNumber(nameof(StepMetricsBatches), StepRecording.DefaultBatches, minimum: 1),
            ApiKey = read.Text(nameof(ApiKey)),
            MemoryBudgetBytes = read.OptionalNumber(nameof(MemoryBudgetBytes), bytes => bytes > 0, "a number of bytes above 0 (e.g. 8e9)"),
            DiskBudgetBytes = read.OptionalNumber(nameof(DiskBudgetBytes), bytes => bytes > 0, "a number of bytes above 0 (e.g. 100e9)"),
        };

        // Settings that are each fine but cannot work together; only asked once each is fine, so one mistake is one sentence.
        if (read.AllRight && settings.Storage == StorageBackend.PostgreSql && string.IsNullOrWhiteSpace(settings.PostgreSqlConnectionString))
        {
            read.Refuse($"{Key(nameof(Storage))}=PostgreSql needs ConnectionStrings:{ConnectionStringName}, e.g. \"Host=db.example;Database=alexnet;Username=alexnet;Password=...\".");
        }

        if (read.AllRight && settings.Role != HostRole.Serve && settings.Storage == StorageBackend.Sqlite)
        {
            read.Refuse($"{Key(nameof(Role))}={settings.Role.ToString().ToLowerInvariant()} shares jobs and results with other processes, " +
                $"which SQLite files do not: set {Key(nameof(Storage))}=PostgreSql.");
        }

        read.ThrowIfWrong();
        return settings;
    }

    // The synthesised ToString would print the API key and the connection string's password.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"DataDirectory = {DataDirectory}, Role = {Role}, Storage = {Storage}, ArtifactDirectory = {ArtifactDirectory}, ");
        builder.Append($"DatasetRoots = [{string.Join(", ", DatasetRoots)}], Workers = {Workers}, Queues = [{string.Join(", ", Queues)}], ");
        builder.Append($"TrainingStepMinutes = {TrainingStepMinutes}, ImagesPerShard = {ImagesPerShard}, CheckpointRetention = {CheckpointRetention}, ");
        builder.Append($"StepMetricsBatches = {StepMetricsBatches}, OneDnnVerdictDirectory = {OneDnnVerdictDirectory}, ");
        builder.Append($"ApiKey = {(ApiKey is null ? "none" : "set")}, PostgreSqlConnectionString = {(PostgreSqlConnectionString is null ? "none" : "set")}, ");
        builder.Append($"MemoryBudgetBytes = {MemoryBudgetBytes}, DiskBudgetBytes = {DiskBudgetBytes}");
        return true;
    }
}
