using ImageTasks.Definition;

namespace ImageTasks.Engine.Publishing;

public static partial class ImagePublisher
{
    /// <summary>
    /// ContainerImageFormat=OCI: the engine saves the image once; its layers become OCI blobs in a temp folder; a push
    /// uploads the blobs the repository lacks (layers, then the config) and puts the manifest under every tag; the
    /// archive is an OCI image layout with every tag in its index.
    /// </summary>
    static async Task<PublishResult> PublishOciAsync(IImageBackend backend, string imageId, PublishOptions options, IReadOnlyList<ImageReference> names,
        IBuildLog log, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"imagetasks-oci-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            var saved = Path.Combine(folder, "saved.tar");
            await using (var file = new FileStream(saved, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                await backend.SaveImagesAsync([names[0].ToString()], file, cancellationToken).ConfigureAwait(false);
            OciImage image;
            await using (var file = new FileStream(saved, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                image = await OciImage.FromSavedAsync(file, Path.Combine(folder, "layout"), ImageFormat.Oci, cancellationToken).ConfigureAwait(false);
            File.Delete(saved);

            var (pushed, skipped) = (0, 0);
            string? digest = null;
            if (options.Registry is not null)
            {
                var repository = names[0].Name;
                log.Info($"Pushing {string.Join(", ", names)} as an OCI image ({image.ManifestDescriptor.Digest})");
                foreach (var blob in image.Layers.Append(image.Config))
                {
                    if (await backend.BlobExistsAsync(repository, blob.Digest, cancellationToken).ConfigureAwait(false))
                    {
                        if (blob != image.Config) skipped++;
                        continue;
                    }
                    await backend.UploadBlobAsync(repository, blob.Digest, image.BlobPath(blob.Digest), cancellationToken).ConfigureAwait(false);
                    if (blob != image.Config) pushed++;
                    log.Info($"  {blob.Digest[7..19]}: Pushed ({blob.Size / 1024.0 / 1024.0:0.0} MB)");
                }
                foreach (var name in names)
                    await backend.PutManifestAsync(name.ToString(), image.ManifestDescriptor.MediaType, image.Manifest, cancellationToken).ConfigureAwait(false);
                digest = image.ManifestDescriptor.Digest;
                log.Info($"Pushed {string.Join(", ", names)} ({digest}): {pushed} layers pushed, {skipped} skipped (already in the registry)");
            }

            string? archive = null;
            if (options.ArchivePath is not null)
            {
                archive = ArchiveFile(options.ArchivePath, options.Repository, options.ArchiveSuffix);
                await WriteAtomicallyAsync(archive, destination => image.WriteLayoutAsync(destination,
                    names.Select(n => (n.ToString(), n.Tag!)).ToArray(), cancellationToken), cancellationToken).ConfigureAwait(false);
                log.Info($"Wrote {archive} ({new FileInfo(archive).Length / 1024.0 / 1024.0:0.0} MB), an OCI image layout with {string.Join(", ", names)}");
            }
            return new PublishResult(options.Registry is null ? [] : names.Select(n => n.ToString()).ToArray(), digest, pushed, skipped, archive)
                { Format = ImageFormat.Oci };
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
        }
    }
}
