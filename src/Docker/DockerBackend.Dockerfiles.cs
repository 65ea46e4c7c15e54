using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>What Dockerfile builds need: paths exported from images, a folder check, the scratch image, health checks.</summary>
public sealed partial class DockerBackend
{
    /// <summary>The image standing for FROM scratch: an empty file system imported once.</summary>
    public const string ScratchImage = "imagetasks-scratch:empty";

    /// <summary>Go's os.ModeDir and os.ModeSymlink bits, as the engine reports a path's mode.</summary>
    const uint GoModeDir = 1u << 31, GoModeSymlink = 1u << 27;

    public Task ExportPathsAsync(string image, IReadOnlyList<string> paths, Func<ExportedPath, Stream, CancellationToken, Task> read,
        CancellationToken cancellationToken)
        => EngineAsync($"while copying from {image}", () => WithContainerAsync(Throwaway(image), async name =>
        {
            foreach (var path in paths)
            {
                ContainerArchiveResponse archive;
                try
                {
                    archive = await _client.Containers.GetArchiveFromContainerAsync(name, new ContainerPathStatParameters { Path = path }, false,
                        cancellationToken).ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    throw new ImageTasksException(ErrorCodes.CopySourceNotFound,
                        $"COPY --from: '{path}' is not in the image {image}. Check the path (it is absolute in the source stage or image).", e);
                }
                await using var stream = archive.Stream ?? Stream.Null;
                var isDirectory = (archive.Stat.Mode & GoModeDir) != 0;
                await read(new ExportedPath(path, archive.Stat.Name, isDirectory), stream, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken), cancellationToken);

    public Task<bool> IsDirectoryAsync(string image, string path, CancellationToken cancellationToken)
        => EngineAsync($"while looking at {path} in {image}", () => WithContainerAsync(Throwaway(image), async name =>
        {
            // a link is followed (a few levels), as the copy into it would be
            for (var hops = 0; hops < 8; hops++)
            {
                ContainerArchiveResponse stat;
                try
                {
                    stat = await _client.Containers.GetArchiveFromContainerAsync(name, new ContainerPathStatParameters { Path = path }, true,
                        cancellationToken).ConfigureAwait(false);
                }
                catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { return false; }
                if ((stat.Stat.Mode & GoModeDir) != 0) return true;
                if ((stat.Stat.Mode & GoModeSymlink) == 0 || string.IsNullOrEmpty(stat.Stat.LinkTarget)) return false;
                var target = stat.Stat.LinkTarget;
                path = target.StartsWith('/') ? target : path.TrimEnd('/')[..(path.TrimEnd('/').LastIndexOf('/') + 1)] + target;
            }
            return false;
        }, cancellationToken), cancellationToken);

    public Task<ImageInfo> ScratchImageAsync(CancellationToken cancellationToken)
        => EngineAsync("while making the empty image of FROM scratch", () => ScratchAsync(cancellationToken), cancellationToken);

    async Task<ImageInfo> ScratchAsync(CancellationToken cancellationToken)
    {
        if (await InspectImageAsync(ScratchImage, cancellationToken).ConfigureAwait(false) is { } existing) return existing;
        using var empty = new MemoryStream();
        await using (var tar = new TarWriter(empty, leaveOpen: true)) { }
        empty.Position = 0;
        var (repository, tag) = (ScratchImage.Split(':')[0], ScratchImage.Split(':')[1]);
        await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromSrc = "-", Repo = repository, Tag = tag }, empty, new AuthConfig(),
            new Progress<JSONMessage>(), cancellationToken).ConfigureAwait(false);
        return await InspectImageAsync(ScratchImage, cancellationToken).ConfigureAwait(false)
               ?? throw new ImageTasksException(ErrorCodes.EngineError, "The engine did not keep the empty image imported for FROM scratch.");
    }

    /// <summary>A container that is never started: only created to read from (it needs a command, not a working one).</summary>
    static CreateContainerParameters Throwaway(string image) => new() { Image = image, Entrypoint = [""], Cmd = ["/bin/sh"] };

    static HealthcheckConfig? HealthcheckOf(Definition.Healthcheck? h) => h is null ? null : new HealthcheckConfig
    {
        Test = h.Test.ToList(),
        Interval = h.Interval,
        Timeout = h.Timeout,
        StartPeriod = h.StartPeriod,
        StartInterval = h.StartInterval,
        Retries = h.Retries,
    };
}
