using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Planning;

/// <summary>
/// Lists and hashes the files a CopyStep copies. Streams the bytes, hashes in parallel, and keeps an index
/// (path -> <see cref="FileStamp"/> and digest) in a file so unchanged files are not read again.
/// </summary>
public sealed partial class FileDigester
{
    private readonly object _saveLock = new();
    private ConcurrentDictionary<string, IndexEntry>? _index;
    private const int ChunkSize = 1 << 16;
    private int _filesHashed;
    private bool _indexChanged;

    /// <param name="indexPath">Where the index is kept (one JSON file, per project); null: no index.</param>
    public FileDigester(string? indexPath = null) => IndexPath = indexPath;

    public string? IndexPath { get; }

    /// <summary>Every host file this digester has stamped (read or found in the index): what the plans it served read
    /// from the host, for an up-to-date check of the next build.</summary>
    public IReadOnlyDictionary<string, FileStamp> FilesRead => _filesRead;
    private readonly ConcurrentDictionary<string, FileStamp> _filesRead = new(StringComparer.Ordinal);

    /// <summary>The clock stamps are compared with (tests set one that makes every stamp racy).</summary>
    internal Func<DateTime> UtcNow { get; init; } = () => DateTime.UtcNow;

    /// <summary>How many files this digester has read and hashed (index hits are not counted).</summary>
    public int FilesHashed => _filesHashed;

    /// <summary>
    /// The entries <paramref name="step"/> copies, sorted ordinally by image path: folders (recursively, each folder
    /// an entry too) and files with their mode and SHA-256. Saves the index when it changed.
    /// </summary>
    public IReadOnlyList<FileEntry> Digest(CopyStep step, CancellationToken cancellationToken = default)
    {
        var fileMode = step.Mode is null ? (int?)null : Convert.ToInt32(step.Mode, 8);
        var found = new List<Found>();
        foreach (var source in step.Sources) List(source, step.Destination, found);

        var files = found.Where(f => f.Info is FileInfo).Select(f => (f.ImagePath, Info: (FileInfo)f.Info)).ToArray();
        var duplicate = files.GroupBy(f => f.ImagePath).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ImageTasksException(ErrorCodes.DuplicateImagePath,
                $"Several copy sources land on \"{duplicate.Key}\" ({string.Join(", ", duplicate.Select(f => f.Info.FullName))}). " +
                "Give them different target names, or copy them to a folder destination ending with '/'.");

        var digests = new string[files.Length];
        try
        {
            Parallel.For(0, files.Length, new ParallelOptions { CancellationToken = cancellationToken },
                i => digests[i] = Sha256(files[i].Info));
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is ImageTasksException first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        SaveIndex();

        var directories = found.Where(f => f.Info is DirectoryInfo).DistinctBy(f => f.ImagePath)
            .Select(f => new FileEntry(f.ImagePath, null, true, HostMode(f.Info, DefaultFolderMode), 0, ""));
        var fileEntries = files.Select((f, i) =>
            new FileEntry(f.ImagePath, f.Info.FullName, false, fileMode ?? HostMode(f.Info, DefaultFileMode), f.Info.Length, digests[i]));
        return directories.Concat(fileEntries).OrderBy(e => e.ImagePath, StringComparer.Ordinal).ToArray();
    }

    /// <summary>A file (FileInfo) or folder (DirectoryInfo) on the host and where it goes in the image.</summary>
    private sealed record Found(string ImagePath, FileSystemInfo Info);

    /// <summary>Adds the entries of one source: a file, or a folder and everything under it.</summary>
    private static void List(CopySource source, string destination, List<Found> found)
    {
        var hostPath = Path.GetFullPath(source.HostPath);
        var target = ImagePath(destination, source.TargetName);
        try
        {
            if (Directory.Exists(hostPath))
                ListFolder(new DirectoryInfo(hostPath), target, found, source.Filter);
            else if (File.Exists(hostPath))
            {
                // A file copied to a destination ending with '/' (or to "/") keeps its name in that folder.
                if (target == "/" || (source.TargetName is null && destination.EndsWith('/')))
                    target = ImagePath(target, Path.GetFileName(hostPath));
                found.Add(new Found(target, ResolveFile(new FileInfo(hostPath))));
            }
            else
                throw new ImageTasksException(ErrorCodes.SourceNotFound,
                    $"The copy source \"{hostPath}\" does not exist. Check the path (relative paths are taken from the project folder) or build the file first.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(hostPath, e);
        }
    }

    private static ImageTasksException Unreadable(string path, Exception e) =>
        new(ErrorCodes.SourceUnreadable, $"The copy source \"{path}\" cannot be read: {e.Message} Check its permissions, or leave it out of the copy.", e);

    private static void ListFolder(DirectoryInfo folder, string imagePath, List<Found> found, ICopyFilter? filter)
    {
        if (folder.LinkTarget is not null)
            throw new ImageTasksException(ErrorCodes.SourceUnreadable,
                $"The copy source \"{folder.FullName}\" is a symbolic link to a folder, which is not followed. Copy the folder it points to instead.");
        if (imagePath != "/" && filter?.Excludes(folder.FullName) != true) found.Add(new Found(imagePath, folder));
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in folder.EnumerateFileSystemInfos("*", options))
        {
            var path = ImagePath(imagePath, entry.Name);
            if (filter is not null && filter.Excludes(entry.FullName) && !(entry is DirectoryInfo && filter.MayReinclude(entry.FullName))) continue;
            if (entry is DirectoryInfo sub) ListFolder(sub, path, found, filter);
            else found.Add(new Found(path, ResolveFile((FileInfo)entry)));
        }
    }

    /// <summary>A symbolic link to a file is copied as a file with the target's content (and the target's mode),
    /// so the link's target is what is hashed and indexed. Keeps the layer format simple: no link entries.</summary>
    private static FileInfo ResolveFile(FileInfo file) =>
        file.LinkTarget is null ? file
        : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo is { Exists: true } target ? target
        : throw new ImageTasksException(ErrorCodes.SourceNotFound,
            $"The copy source \"{file.FullName}\" is a symbolic link to \"{file.LinkTarget}\", which does not exist. Fix or remove the link.");

    /// <summary>"/" + the non-empty, non-"." segments of <paramref name="folder"/>/<paramref name="name"/>.</summary>
    private static string ImagePath(string folder, string? name) =>
        "/" + string.Join('/', $"{folder}/{name}".Split('/').Where(s => s is not ("" or ".")));

    // Used where the host has no Unix modes (Windows).
    private static readonly int DefaultFolderMode = Convert.ToInt32("755", 8), DefaultFileMode = Convert.ToInt32("644", 8);

    private static int HostMode(FileSystemInfo info, int fallback) =>
        OperatingSystem.IsWindows() ? fallback : (int)info.UnixFileMode;

    private string Sha256(FileInfo file)
    {
        var index = LoadIndex();
        string sha;
        FileStamp stamp;
        var statTaken = UtcNow();
        try
        {
            stamp = FileStamp.Of(file);
            _filesRead.TryAdd(file.FullName, stamp);
            if (index.TryGetValue(file.FullName, out var known) && known.Stamp == stamp) return known.Sha256;
            sha = HashFile(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(file.FullName, e);
        }
        Interlocked.Increment(ref _filesHashed);
        if (IndexPath is not null)
        {
            // a racy stamp could miss a change made in the same clock tick: read the file again next time
            if (stamp.IsRacy(statTaken)) _indexChanged |= index.TryRemove(file.FullName, out _);
            else
            {
                index[file.FullName] = new IndexEntry(stamp, sha);
                _indexChanged = true;
            }
        }
        return sha;
    }

    /// <summary>One index record: the host file's stamp when it had this digest (read after the stamp was taken).</summary>
    private sealed record IndexEntry(FileStamp Stamp, string Sha256);

    /// <summary>The index's serializer, generated at compile time (a reflection serializer costs a build's first write more).</summary>
    [System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, IndexEntry>))]
    [System.Text.Json.Serialization.JsonSerializable(typeof(SortedDictionary<string, IndexEntry>))]
    private sealed partial class IndexJson : System.Text.Json.Serialization.JsonSerializerContext;

    private ConcurrentDictionary<string, IndexEntry> LoadIndex()
    {
        if (_index is not null) return _index;
        lock (_saveLock)
        {
            if (_index is not null) return _index;
            Dictionary<string, IndexEntry>? stored = null;
            try
            {
                if (IndexPath is not null && File.Exists(IndexPath))
                    stored = JsonSerializer.Deserialize(File.ReadAllText(IndexPath), IndexJson.Default.DictionaryStringIndexEntry);
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                // A damaged or unreadable index only costs re-reading the files.
            }
            return _index = new ConcurrentDictionary<string, IndexEntry>(stored ?? [], StringComparer.Ordinal);
        }
    }

    /// <summary>Writes the index when it changed: to a temporary file beside it, then moved over it.</summary>
    private void SaveIndex()
    {
        lock (_saveLock)
        {
            if (!_indexChanged || IndexPath is null || _index is null) return;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(IndexPath))!);
            var temp = $"{IndexPath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            var sorted = new SortedDictionary<string, IndexEntry>(_index, StringComparer.Ordinal);
            File.WriteAllText(temp, JsonSerializer.Serialize(sorted, IndexJson.Default.SortedDictionaryStringIndexEntry));
            File.Move(temp, IndexPath, overwrite: true);
            _indexChanged = false;
        }
    }

    /// <summary>Streams the file through SHA-256 in pooled chunks: memory stays flat however large the tree.</summary>
    private static string HashFile(string path)
    {
        // bufferSize 0: no FileStream buffer of its own; the pooled chunk is the only buffer.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = stream.Read(chunk, 0, ChunkSize)) > 0) hash.AppendData(chunk, 0, read);
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(chunk); }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
