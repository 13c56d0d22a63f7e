using System.Runtime.InteropServices;

namespace AlexNet.Experiments.Infrastructure.Storage.Datasets.Sources;

/// <summary>Caps on what a dataset file may cost: bytes read, pixels decoded, and time per image.</summary>
public sealed record UntrustedFileLimits
{
    /// <summary>An encoded image (JPEG/PNG) larger than this is skipped.</summary>
    public long MaxImageFileBytes { get; init; } = 64L << 20;

    /// <summary>A container file (IDX, CIFAR batch, label lists), decompressed, larger than this fails the read.</summary>
    public long MaxContainerBytes { get; init; } = 2L << 30;

    /// <summary>An image whose header claims more pixels than this is skipped before decoding (PIL's bomb limit).</summary>
    public long MaxPixels { get; init; } = 178_956_970;

    /// <summary>Reading and decoding one image file may take this long; a file that takes longer is skipped.</summary>
    public TimeSpan DecodeTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Reads files of a dataset source as untrusted input: only regular files, reached through symlinks only when
/// they resolve inside the dataset root, and never more bytes than a cap. A FIFO, a device or a link out of the
/// root is refused before it is opened, so it can neither block nor spin a reader.
/// </summary>
public static partial class UntrustedFiles
{
    /// <summary>The canonical path (every symlink resolved), or null when the path does not exist.</summary>
    public static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.Exists(path) || Directory.Exists(path) ? Path.GetFullPath(path) : null;
        }

        nint resolved = realpath(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    public static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// Why <paramref name="path"/> may not be read as a file of the dataset rooted at <paramref name="realRoot"/>, or null
    /// when it may; <paramref name="realPath"/> is then the file to open.
    /// </summary>
    public static string? Check(string path, string realRoot, long maxBytes, out string realPath)
    {
        realPath = RealPath(path) ?? "";
        if (realPath.Length == 0)
        {
            return "missing, or a symbolic link to nothing";
        }

        if (!IsUnder(realPath, realRoot))
        {
            return "a symbolic link that resolves outside the dataset root";
        }

        if (KindOf(realPath) is { } kind)
        {
            return $"not a regular file ({kind})";
        }

        long length = new FileInfo(realPath).Length;
        return length > maxBytes ? $"{length} bytes, over the cap of {maxBytes}" : null;
    }

    /// <summary>Reads a whole file under the rules of <see cref="Check"/>; <paramref name="reason"/> says why not when it returns null.</summary>
    public static byte[]? TryRead(string path, string realRoot, long maxBytes, out string? reason)
    {
        reason = Check(path, realRoot, maxBytes, out var realPath);
        if (reason is not null)
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(realPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            // The file may grow after the check: read at most one byte past the cap to notice.
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes)
                {
                    reason = $"over the cap of {maxBytes} bytes";
                    return null;
                }
            }

            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"unreadable: {e.Message}";
            return null;
        }
    }

    /// <summary>Reads a file of the source's layout (IDX, CIFAR batch, label list); throws when the rules refuse it.</summary>
    public static byte[] ReadContainer(string path, string realRoot, UntrustedFileLimits limits) =>
        TryRead(path, realRoot, limits.MaxContainerBytes, out var reason)
        ?? throw new InvalidDataException($"'{Path.GetFileName(path)}' cannot be read: {reason}.");

    /// <summary>
    /// Runs <paramref name="work"/> for at most <paramref name="timeout"/>. A call that overruns is abandoned (its thread
    /// finishes on its own) and reported as null, so one file cannot hold a worker. The work gets a thread of its own
    /// (LongRunning): queued on the pool behind the very workers that wait for it, it would wait for thread injection.
    /// </summary>
    public static T? RunBounded<T>(Func<T> work, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class
    {
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        return task.Wait(timeout, cancellationToken) ? task.Result : null;
    }

    // Null for a regular file, otherwise what the path is. Uses .NET's own stat shim, whose FileStatus begins with
    // (int Flags, int Mode) on every platform; the type bits are POSIX's.
    private static unsafe string? KindOf(string realPath)
    {
        if (OperatingSystem.IsWindows())
        {
            return File.Exists(realPath) ? null : "not a file";
        }

        byte* status = stackalloc byte[512];
        if (SystemNativeStat(realPath, status) != 0)
        {
            return "cannot stat";
        }

        int mode = *(int*)(status + 4);
        return (mode & 0xF000) switch
        {
            0x8000 => null,
            0x1000 => "a FIFO",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0x4000 => "a directory",
            0xC000 => "a socket",
            _ => "an unknown kind of file",
        };
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc")]
    private static partial void free(nint pointer);

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SystemNativeStat(string path, byte* status);
}
