using System.Formats.Tar;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>
/// A step's secret files live in a volume of their own, mounted during the step only and removed after it: they are
/// in no layer (a volume is not committed), in no command line and in no environment variable. Copying them through
/// the API (not a bind mount) works with a remote engine too.
/// </summary>
public sealed partial class DockerBackend
{
    const UnixFileMode ReadableFile = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    const UnixFileMode ReadableFolder = ReadableFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    async Task CopySecretsInAsync(string container, StepSecrets secrets, CancellationToken cancellationToken)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in secrets.Files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    // readable by the step's user whoever it is (a USER line before the step): the volume is the step's
                    // alone, mounted in its container only
                    Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                };
                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            // input files, with their folders (the engine makes no parent folder of an archive entry)
            var folders = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, hostPath) in secrets.HostFiles)
            {
                for (var slash = name.IndexOf('/'); slash > 0; slash = name.IndexOf('/', slash + 1))
                    if (folders.Add(name[..slash]))
                        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name[..slash] + "/") { Mode = ReadableFolder }, cancellationToken).ConfigureAwait(false);
                await using var content = File.OpenRead(hostPath);
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = ReadableFile, DataStream = content };
                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }
        tar.Position = 0;
        await _client.Containers.ExtractArchiveToContainerAsync(container, new CopyToContainerParameters { Path = secrets.Directory }, tar, cancellationToken)
            .ConfigureAwait(false);
    }
}
