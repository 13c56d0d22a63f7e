namespace AlexNet.Experiments.Tests.Shared;

internal static class Repository
{
    /// <summary>The checkout the tests run from: the first folder above the test binaries that holds the solution.</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "AlexNet.Experiments.sln")))
        {
            directory = directory.Parent ?? throw new DirectoryNotFoundException("The repository root (AlexNet.Experiments.sln) is not above the test folder.");
        }

        return directory.FullName;
    }
}
