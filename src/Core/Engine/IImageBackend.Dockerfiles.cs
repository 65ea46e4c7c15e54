namespace ImageTasks.Engine;

/// <summary>What Dockerfile builds need from the engine besides running steps.</summary>
public partial interface IImageBackend
{
    /// <summary>
    /// Streams paths of an image, each as the engine archives it (a tar whose root entry is the path's base name), to
    /// <paramref name="read"/>, one after another, from one throw-away container; nothing is written to disk.
    /// A missing path is an <see cref="Diagnostics.ImageTasksException"/>.
    /// </summary>
    Task ExportPathsAsync(string image, IReadOnlyList<string> paths, Func<ExportedPath, Stream, CancellationToken, Task> read,
        CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="path"/> is a folder (or a link to one) in the image; false when it is missing.</summary>
    Task<bool> IsDirectoryAsync(string image, string path, CancellationToken cancellationToken);

    /// <summary>An empty image to build <c>FROM scratch</c> on (made once, by importing an empty file system).</summary>
    Task<ImageInfo> ScratchImageAsync(CancellationToken cancellationToken);
}

/// <summary>A path exported from an image: its root entry's name in the tar, and whether it is a folder.</summary>
public sealed record ExportedPath(string Path, string Name, bool IsDirectory);
