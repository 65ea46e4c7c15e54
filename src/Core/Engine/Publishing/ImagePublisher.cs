using System.IO.Compression;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine.Publishing;

/// <summary>Where a built image goes (ContainerRegistry, ContainerRepository, ContainerImageTag(s), ContainerArchiveOutputPath).</summary>
public sealed record PublishOptions
{
    /// <summary>Registry host[:port] to push to; null: no push.</summary>
    public string? Registry { get; init; }
    /// <summary>The image's name in the registry and in the archive ("team/app").</summary>
    public string Repository { get; init; } = "";
    /// <summary>Every tag is pushed and written to the archive; empty means "latest".</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>A tarball for <c>docker load</c>; gzip-compressed when it ends in .gz; a folder (ending in a
    /// separator, or existing) gets &lt;repository&gt;.tar.gz. Null: no archive.</summary>
    public string? ArchivePath { get; init; }
    /// <summary>ContainerImageFormat; null: the base's format (<see cref="BaseImage"/>'s manifest type), Docker when unknown.</summary>
    public ImageFormat? Format { get; init; }
    /// <summary>The base image's reference, to infer the format from; null for none (a local or scratch base).</summary>
    public string? BaseImage { get; init; }
    /// <summary>One platform's image of several: the archive's name gets "-&lt;suffix&gt;" (the runtime identifier)
    /// before its extension, so each platform writes its own. Null: the name as given.</summary>
    public string? ArchiveSuffix { get; init; }
    /// <summary>The image's bill of materials (ContainerGenerateSbom): pushed with the image as an OCI referrer of it
    /// (<see cref="SbomReferrer"/>). Null: none.</summary>
    public string? SbomFile { get; init; }
}

/// <summary>What was published.</summary>
/// <param name="LayersPushed">Layers sent to the registry by any of the pushes.</param>
/// <param name="LayersSkipped">Layers every push found in the registry already.</param>
public sealed record PublishResult(IReadOnlyList<string> Pushed, string? Digest, int LayersPushed, int LayersSkipped, string? ArchivePath)
{
    public ImageFormat Format { get; init; }
}

/// <summary>
/// Publishes a built image: tags it registry/repository:tag for each tag and pushes each, and writes the archive.
/// In Docker's format the engine pushes (sending only the layers the registry lacks) and saves; in OCI's, the image
/// is saved once, turned into OCI blobs (<see cref="OciImage"/>), and the backend uploads the blobs the registry lacks
/// and puts the manifest under each tag, or the archive is an OCI image layout. Runs after a build; knows nothing of
/// credentials, which the backend finds for itself.
/// </summary>
public static partial class ImagePublisher
{
    public static async Task<PublishResult> PublishAsync(IImageBackend backend, string imageId, PublishOptions options, IBuildLog log,
        CancellationToken cancellationToken)
    {
        if (options.Registry is null && options.ArchivePath is null) return new PublishResult([], null, 0, 0, null);
        if (string.IsNullOrWhiteSpace(options.Repository))
            throw new ImageTasksException(ErrorCodes.InvalidImageReference,
                "Pushing or writing an archive needs the image's name: set ContainerRepository (such as \"team/app\").");
        var tags = options.Tags.Count > 0 ? options.Tags : ["latest"];
        var prefix = options.Registry is null ? "" : options.Registry.TrimEnd('/') + "/";
        var names = tags.Select(tag => ImageReference.Parse($"{prefix}{options.Repository}:{tag}")).ToArray();
        foreach (var name in names)
            await backend.TagAsync(imageId, name.Name, name.Tag!, cancellationToken).ConfigureAwait(false);
        var format = options.Format
                     ?? (options.BaseImage is { } baseImage
                         ? ImageFormats.FromBase(await backend.ManifestMediaTypeAsync(baseImage, cancellationToken).ConfigureAwait(false))
                         : ImageFormat.Docker);
        var result = format == ImageFormat.Oci
            ? await PublishOciAsync(backend, imageId, options, names, log, cancellationToken).ConfigureAwait(false)
            : await PublishDockerAsync(backend, options, names, log, cancellationToken).ConfigureAwait(false);
        if (options.SbomFile is { } sbom && result.Pushed.Count > 0) await PushSbomAsync(backend, names[0], sbom, log, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>The bill of materials as a referrer of the pushed image; a registry that refuses it is IMG5035, a
    /// warning (the image is pushed, the file written).</summary>
    static async Task PushSbomAsync(IImageBackend backend, ImageReference pushed, string sbomFile, IBuildLog log, CancellationToken cancellationToken)
    {
        try
        {
            var digest = await SbomReferrer.PushAsync(backend, pushed, sbomFile, cancellationToken).ConfigureAwait(false);
            log.Info($"Pushed the bill of materials of {pushed} as its referrer {digest}");
        }
        catch (Exception e) when (e is ImageTasksException or IOException or UnauthorizedAccessException)
        {
            log.Warning(ErrorCodes.SbomNotPushed,
                $"The bill of materials {sbomFile} was not pushed with {pushed}: {e.Message.TrimEnd('.')}. The image is pushed and the file written; " +
                "check that the registry accepts OCI 1.1 artifact manifests (one with a subject), or set ContainerGenerateSbom to false.");
        }
    }

    /// <summary>Docker's format: the engine pushes each name (sending only the layers the registry lacks) and saves the archive.</summary>
    static async Task<PublishResult> PublishDockerAsync(IImageBackend backend, PublishOptions options, IReadOnlyList<ImageReference> names, IBuildLog log,
        CancellationToken cancellationToken)
    {
        var pushes = new List<PushResult>();
        if (options.Registry is not null)
            foreach (var name in names)
            {
                log.Info($"Pushing {name}");
                pushes.Add(await backend.PushImageAsync(name.ToString(), line => log.Info("  " + line), cancellationToken).ConfigureAwait(false));
            }
        var pushed = pushes.SelectMany(p => p.PushedLayers).ToHashSet();
        var skipped = pushes.SelectMany(p => p.ExistingLayers).Where(l => !pushed.Contains(l)).ToHashSet();
        var digest = pushes.Select(p => p.Digest).LastOrDefault(d => d is not null);
        if (pushes.Count > 0)
            log.Info($"Pushed {string.Join(", ", names.Select(n => n.ToString()))}{(digest is null ? "" : $" ({digest})")}: " +
                     (pushes.All(p => p.LayersReported) ? $"{pushed.Count} layers pushed, {skipped.Count} skipped (already in the registry)"
                         : "the engine does not report which layers it sent (Podman's push names only the digest)"));

        string? archive = null;
        if (options.ArchivePath is not null)
        {
            archive = ArchiveFile(options.ArchivePath, options.Repository, options.ArchiveSuffix);
            await WriteArchiveAsync(backend, names.Select(n => n.ToString()).ToArray(), archive, cancellationToken).ConfigureAwait(false);
            log.Info($"Wrote {archive} ({new FileInfo(archive).Length / 1024.0 / 1024.0:0.0} MB) with {string.Join(", ", names.Select(n => n.ToString()))}");
        }
        return new PublishResult(pushes.Select(p => p.Reference).ToArray(), digest, pushed.Count, skipped.Count, archive) { Format = ImageFormat.Docker };
    }

    /// <summary>Where the archive goes: the path, or &lt;repository&gt;[-suffix].tar.gz in it when it is a folder; the
    /// suffix (a platform's runtime identifier) goes before the extension.</summary>
    internal static string ArchiveFile(string path, string repository, string? suffix = null)
    {
        var folder = path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar) || Directory.Exists(path);
        var tail = suffix is null ? "" : "-" + suffix;
        if (folder) return Path.GetFullPath(Path.Combine(path, repository.Replace('/', '-') + tail + ".tar.gz"));
        if (suffix is null) return Path.GetFullPath(path);
        var name = Path.GetFileName(path);
        var extension = new[] { ".tar.gz", ".tgz", ".tar" }.FirstOrDefault(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)) ?? Path.GetExtension(name);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path) ?? "", name[..^extension.Length] + tail + extension));
    }

    /// <summary>Streams the engine's save into a temp file in the same folder and moves it into place, so the path
    /// holds either the old file or a complete new one.</summary>
    static Task WriteArchiveAsync(IImageBackend backend, IReadOnlyList<string> names, string path, CancellationToken cancellationToken)
        => WriteAtomicallyAsync(path, destination => backend.SaveImagesAsync(names, destination, cancellationToken), cancellationToken);

    /// <summary>Writes <paramref name="path"/> through a temp file in its folder (gzip-compressed when it ends in .gz).</summary>
    static async Task WriteAtomicallyAsync(string path, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    await using var gzip = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true);
                    await write(gzip).ConfigureAwait(false);
                }
                else await write(file).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageTasksException(ErrorCodes.ArchiveFailed, $"Writing the image archive '{path}' failed: {e.Message}. Check the folder exists and is writable.", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
