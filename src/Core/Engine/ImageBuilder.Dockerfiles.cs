using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>How the engine runs the steps Dockerfiles add: their archives, and RUN's own settings.</summary>
public sealed partial class ImageBuilder
{
    /// <summary>The tar a step copies in at '/' before its command; null for steps that copy nothing.</summary>
    Func<Stream, CancellationToken, Task>? ArchiveFor(PlannedStep step, string parentId) => step.Step switch
    {
        CopyStep { IntoExistingFolderAs: { } name } copy => async (stream, ct) =>
        {
            var files = step.Files;
            if (await backend.IsDirectoryAsync(parentId, copy.Destination, ct).ConfigureAwait(false))
                files = files.Select(f => f with { ImagePath = copy.Destination.TrimEnd('/') + "/" + name }).ToArray();
            await LayerArchive.WriteAsync(stream, copy, files, ct).ConfigureAwait(false);
        },
        CopyStep copy => (stream, ct) => LayerArchive.WriteAsync(stream, copy, step.Files, ct),
        CopyFromImageStep from => (stream, ct) => WriteCopyFromAsync(stream, from, parentId, ct),
        ExtractStep extract => (stream, ct) => StageArchive.ExtractAsync(extract.HostPath, extract.Destination, stream, ct),
        _ => null,
    };

    async Task WriteCopyFromAsync(Stream stream, CopyFromImageStep from, string parentId, CancellationToken cancellationToken)
    {
        var owner = LayerArchive.Owner(from.Owner);
        var mode = from.Mode is null ? (int?)null : Convert.ToInt32(from.Mode, 8);
        await using var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
        await backend.ExportPathsAsync(from.SourceImage, from.Paths, async (exported, source, ct) =>
        {
            var destination = from.Destination;
            // a file goes into the destination when it ends with '/' or is a folder of the parent image (Docker's rule)
            if (!exported.IsDirectory && (destination.EndsWith('/')
                    || await backend.IsDirectoryAsync(parentId, destination, ct).ConfigureAwait(false)))
                destination = destination.TrimEnd('/') + "/" + exported.Name;
            await StageArchive.CopyAsync(source, tar, exported, destination.TrimStart('/'), owner, mode, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Exports NAME=value arguments up to "--", then runs the rest. A RUN's variables reach its command this way: the
    /// engine's commit would keep variables given to the container in the image (Docker merges them in), and ARG
    /// values must not stay there.
    /// </summary>
    const string WithVariables = "for a do shift; [ \"$a\" = -- ] && break; export \"$a\"; done; exec \"$@\"";

    /// <summary>A RUN's variables, network and cache mounts (named volumes, per cache id).</summary>
    static StepRun WithRunSettings(StepRun run, BuildStep step, BuildOptions options) => step is not RunStep r ? run : run with
    {
        Command = r.Environment.Count == 0 || run.Command is null ? run.Command
            : ["/bin/sh", "-c", WithVariables, "sh", .. r.Environment.Select(e => $"{e.Key}={e.Value}"), "--", .. run.Command],
        Network = r.Network ?? run.Network,
        CacheMounts = r.CacheMounts.Count == 0 ? run.CacheMounts
            : run.CacheMounts.Concat(r.CacheMounts.Select(m => KeyValuePair.Create(CacheVolume(options, m.Key), m.Value))).ToDictionary(),
    };

    /// <summary>&lt;prefix&gt;-run-&lt;hash of the cache id&gt;: a valid volume name for any id.</summary>
    internal static string CacheVolume(BuildOptions options, string id) =>
        $"{options.CacheVolumePrefix}-run-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..16].ToLowerInvariant()}";
}
