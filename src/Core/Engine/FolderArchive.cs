using System.Formats.Tar;

namespace ImageTasks.Engine;

/// <summary>A host folder as a tar stream, entries relative to it (modes kept, so a published program stays executable).</summary>
public static class FolderArchive
{
    public static Task WriteAsync(string folder, Stream stream, CancellationToken cancellationToken) =>
        TarFile.CreateFromDirectoryAsync(folder, stream, includeBaseDirectory: false, cancellationToken);
}
