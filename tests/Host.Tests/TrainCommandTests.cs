using Microsoft.Data.Sqlite;

namespace AlexNet.Experiments.Host.Tests;

/// <summary>
/// The README's fashion-mnist command, shortened to one epoch on a subset: the real program, in-process, on the real
/// Fashion-MNIST files of Debian's dataset-fashion-mnist package (.ci/run installs it).
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";
    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), "alexnet-train-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task One_epoch_of_the_fashion_mnist_preset_on_a_subset_learns_the_real_test_set()
    {
        Directory.Exists(FashionMnist).ShouldBeTrue($"{FashionMnist} is missing: apt-get install dataset-fashion-mnist (.ci/run does).");

        var (exitCode, printed) = Train(
            "--preset", "fashion-mnist", "--dataset", FashionMnist, "--format", "idx",
            "--hyperparameters", """{"epochs":1,"data":{"trainImages":4000},"evaluation":{"tenCrop":false}}""");

        exitCode.ShouldBe(0, printed);
        printed.ShouldContain($"Registered dataset 'fashion-mnist' (Idx) from {FashionMnist}");
        printed.ShouldContain("10000 validation images, 10 classes");

        await using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "results.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = """
            SELECT r.Status, e.Preset, v.TrainCount, v.ValidationCount, h.CanonicalJson, (SELECT Top1Error FROM EvaluationResults x WHERE x.RunId = r.Id)
            FROM Runs r JOIN Experiments e ON e.Id = r.ExperimentId JOIN HyperparameterRecords h ON h.RunId = r.Id
            JOIN DatasetVersions v ON v.ContentHash = h.DatasetVersionHash
            """;
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetString(0).ShouldBe("Succeeded");
        reader.GetString(1).ShouldBe("fashion-mnist");
        (reader.GetInt64(2), reader.GetInt64(3)).ShouldBe((60000, 10000), "the real files: 60,000 train and 10,000 test images");
        reader.GetString(4).ShouldContain("\"trainImages\":4000");
        reader.GetDouble(5).ShouldBeLessThan(0.7, "chance is 0.9; 4,000 images once already learn much of the test set");
        (await reader.ReadAsync()).ShouldBeFalse();
    }

    private (int ExitCode, string Printed) Train(params string[] arguments)
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            var exitCode = (int)typeof(Program).Assembly.EntryPoint!.Invoke(null, [(string[])["train", .. arguments, $"--AlexNet:DataDirectory={dataDirectory}"]])!;
            return (exitCode, output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }
}
