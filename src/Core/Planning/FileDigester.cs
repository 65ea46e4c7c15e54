namespace ImageTasks.Planning;

/// <summary>
/// Lists and hashes the files a CopyStep copies. Streams the bytes, hashes in parallel, and keeps an index
/// (path, size, mtime -> digest) in a file so unchanged files are not read again.
/// </summary>
public sealed class FileDigester
{
    // STUB: to be implemented
    public FileDigester(string? indexPath = null) => IndexPath = indexPath;
    public string? IndexPath { get; }
}
