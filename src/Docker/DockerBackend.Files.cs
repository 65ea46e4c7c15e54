using System.Formats.Tar;
using Docker.DotNet.Models;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>Files of an image: a created (never started) container's file system exported once, as one tar stream,
/// of which only the wanted files are kept.</summary>
public sealed partial class DockerBackend
{
    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, Func<string, bool> wanted, int maxBytes, CancellationToken cancellationToken)
        => EngineAsync($"while reading the files of the image {imageId}", () => WithContainerAsync(
            new CreateContainerParameters { Image = imageId, Entrypoint = [""], Cmd = ["/"], HostConfig = new HostConfig { NetworkMode = "none" } },
            async name =>
            {
                var files = new List<ImageFile>();
                await using var export = await _client.Containers.ExportContainerAsync(name, cancellationToken).ConfigureAwait(false);
                using var reader = new TarReader(export, leaveOpen: true);
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                    var path = "/" + entry.Name.TrimStart('.', '/');
                    if (!wanted(path)) continue;
                    var buffer = new byte[(int)Math.Min(entry.Length, maxBytes)];
                    await entry.DataStream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
                    files.Add(new ImageFile(path, buffer));
                }
                return (IReadOnlyList<ImageFile>)files;
            }, cancellationToken), cancellationToken);
}
