namespace ImageTasks.Engine;

/// <summary>Reading files out of an image (the bill of materials: <see cref="Sbom.ImageSbom"/>).</summary>
public partial interface IImageBackend
{
    /// <summary>
    /// The regular files of <paramref name="imageId"/>'s file system (as a container of it sees them: every layer
    /// applied) whose absolute path <paramref name="wanted"/> accepts, read in one pass over the image's file system,
    /// each at most <paramref name="maxBytes"/> long (a longer one is cut there). Nothing is run in the image.
    /// </summary>
    Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, Func<string, bool> wanted, int maxBytes, CancellationToken cancellationToken);
}

/// <param name="Path">Absolute, '/'-separated ("/var/lib/dpkg/status").</param>
public sealed record ImageFile(string Path, byte[] Content);
