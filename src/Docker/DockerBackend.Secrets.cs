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
    async Task CopySecretsInAsync(string container, StepSecrets secrets, CancellationToken cancellationToken)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
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
        tar.Position = 0;
        await _client.Containers.ExtractArchiveToContainerAsync(container, new CopyToContainerParameters { Path = secrets.Directory }, tar, cancellationToken)
            .ConfigureAwait(false);
    }
}
