using System.Formats.Tar;
using System.IO.Compression;

namespace ImageTasks.Engine;

/// <summary>
/// Rewrites tar streams into a step's layer, entry by entry, without a temporary copy: the paths an engine exports
/// from an image (COPY --from) and local archives (ADD of a tar).
/// </summary>
public static class StageArchive
{
    /// <summary>
    /// Writes the entries of an engine archive of one path under <paramref name="target"/>: a folder's contents go into
    /// the target folder (the folder entry itself is not written: the engine makes it, or keeps the parent image's); a
    /// file is written as the target. Owners become <paramref name="owner"/> (0:0 by default, as Docker's COPY does);
    /// <paramref name="fileMode"/> replaces the mode of regular files.
    /// </summary>
    public static async Task CopyAsync(Stream source, TarWriter output, ExportedPath exported, string target, (int Uid, int Gid) owner,
        int? fileMode, CancellationToken cancellationToken)
    {
        var root = exported.Name.Trim('/');
        string? Rename(string name)
        {
            name = Normalize(name);
            if (name == root) return exported.IsDirectory ? null : target;
            return name.StartsWith(root + "/", StringComparison.Ordinal) ? target.TrimEnd('/') + name[root.Length..] : null;
        }
        await using var reader = new TarReader(source, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (Rename(entry.Name) is not { } name) continue;
            var link = entry.EntryType == TarEntryType.HardLink ? Rename(entry.LinkName) ?? entry.LinkName : entry.LinkName;
            var copy = Copy(entry, name, link);
            if (copy is null) continue;
            copy.Uid = owner.Uid;
            copy.Gid = owner.Gid;
            if (fileMode is { } mode && copy.EntryType == TarEntryType.RegularFile) copy.Mode = (UnixFileMode)mode;
            await output.WriteEntryAsync(copy, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Unpacks a local tar (plain or gzip) under <paramref name="destination"/>, keeping the archive's owners,
    /// modes and times, as Docker's ADD does.</summary>
    public static async Task ExtractAsync(string archivePath, string destination, Stream output, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        await using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await using var reader = new TarReader(source, leaveOpen: true);
        var prefix = destination.Trim('/');
        string Under(string name) => Normalize(name) is { Length: > 0 } n ? (prefix.Length == 0 ? n : prefix + "/" + n) : prefix;
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var name = Under(entry.Name);
            if (name.Length == 0) continue;
            var copy = Copy(entry, name, entry.EntryType == TarEntryType.HardLink ? Under(entry.LinkName) : entry.LinkName);
            if (copy is null) continue;
            copy.Uid = entry.Uid;
            copy.Gid = entry.Gid;
            await writer.WriteEntryAsync(copy, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"./a/b/" -> "a/b".</summary>
    static string Normalize(string name)
    {
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        return name.Trim('/') is "." ? "" : name.Trim('/');
    }

    /// <summary>A fresh PAX entry of the same kind, mode, time and data (no extended attributes carried over); null for
    /// entries that are not files (global headers).</summary>
    static PaxTarEntry? Copy(TarEntry entry, string name, string link)
    {
        var type = entry.EntryType switch
        {
            TarEntryType.V7RegularFile or TarEntryType.ContiguousFile or TarEntryType.RegularFile => TarEntryType.RegularFile,
            TarEntryType.Directory or TarEntryType.SymbolicLink or TarEntryType.HardLink or TarEntryType.CharacterDevice
                or TarEntryType.BlockDevice or TarEntryType.Fifo => entry.EntryType,
            _ => (TarEntryType?)null,
        };
        if (type is null) return null;
        var copy = new PaxTarEntry(type.Value, type == TarEntryType.Directory ? name + "/" : name)
        {
            Mode = entry.Mode,
            ModificationTime = entry.ModificationTime,
        };
        if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink) copy.LinkName = link;
        if (entry is PosixTarEntry posix && type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            copy.DeviceMajor = posix.DeviceMajor;
            copy.DeviceMinor = posix.DeviceMinor;
        }
        if (type == TarEntryType.RegularFile && entry.DataStream is { } data) copy.DataStream = new KnownLength(data, entry.Length);
        return copy;
    }

    /// <summary>
    /// An entry's data read straight from the source tar, with its length told: a tar writer on an unseekable stream
    /// (the pipe to the engine) needs the size before the data, and reads it from a stream that says it can seek.
    /// </summary>
    sealed class KnownLength(Stream inner, long length) : Stream
    {
        long _read;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override long Seek(long offset, SeekOrigin origin) => origin == SeekOrigin.Current && offset == 0 ? _read : throw new NotSupportedException();
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        int Count(int n)
        {
            _read += n;
            return n;
        }
    }
}
