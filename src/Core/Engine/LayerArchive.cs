using System.Formats.Tar;
using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>
/// Writes the tar stream of a copy step: the planned entries in their planned order, with a fixed timestamp and the
/// step's owner, so the same files make the same layer on any machine. Bytes are streamed from the host files.
/// </summary>
public static class LayerArchive
{
    static readonly DateTimeOffset FixedTime = DateTimeOffset.FromUnixTimeSeconds(1);

    public static async Task WriteAsync(Stream output, CopyStep step, IReadOnlyList<FileEntry> entries, CancellationToken cancellationToken)
    {
        var (uid, gid) = Owner(step.Owner);
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var entry in entries)
        {
            var name = entry.ImagePath.TrimStart('/');
            PaxTarEntry tarEntry = entry.IsDirectory
                ? new(TarEntryType.Directory, name + "/")
                : new(TarEntryType.RegularFile, name);
            tarEntry.Mode = (UnixFileMode)entry.Mode;
            tarEntry.ModificationTime = FixedTime;
            tarEntry.Uid = uid;
            tarEntry.Gid = gid;
            if (entry.IsDirectory)
            {
                await tar.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
                continue;
            }
            await using var data = new FileStream(entry.HostPath!, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            tarEntry.DataStream = data;
            await tar.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"uid[:gid]", numeric (validated when the step was made); the group defaults to the uid.</summary>
    internal static (int Uid, int Gid) Owner(string? owner)
    {
        if (owner is null) return (0, 0);
        var parts = owner.Split(':');
        var uid = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return (uid, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : uid);
    }
}
