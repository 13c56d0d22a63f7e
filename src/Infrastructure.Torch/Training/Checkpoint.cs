using AlexNetModel = AlexNet.Experiments.Infrastructure.Torch.Model.AlexNet;

namespace AlexNet.Experiments.Infrastructure.Torch.Training;

/// <summary>Model weights and optimiser velocities of one finished epoch, written atomically so a crash never leaves half a file.</summary>
public static class Checkpoint
{
    public static string PathFor(string directory, int epoch) => System.IO.Path.Combine(directory, $"epoch-{epoch:D3}.ckpt");

    public static void Save(string path, AlexNetModel model, SgdOptimizer optimizer)
    {
        var temp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            model.save(writer);
            optimizer.Save(writer);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static void Load(string path, AlexNetModel model, SgdOptimizer? optimizer)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        model.load(reader);
        optimizer?.Load(reader);
    }
}
