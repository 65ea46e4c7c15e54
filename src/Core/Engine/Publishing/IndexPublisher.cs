using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine.Publishing;

/// <summary>One platform's image of a build for several: its runtime identifier (the suffix of its tags) and platform.</summary>
public sealed record PlatformImage(string RuntimeIdentifier, string Platform);

/// <summary>
/// After each platform's image was pushed under &lt;tag&gt;-&lt;runtime identifier&gt;, writes one image index that lists
/// them all under each plain tag: what `docker pull` of the tag resolves to the puller's platform.
/// </summary>
public static class IndexPublisher
{
    /// <summary>Returns the index's digest.</summary>
    /// <param name="mediaType"><see cref="ImageIndex.DockerManifestList"/> or <see cref="ImageIndex.OciIndex"/>.</param>
    public static async Task<string> PublishAsync(IImageBackend backend, string registry, string repository, IReadOnlyList<string> tags,
        IReadOnlyList<PlatformImage> platforms, string mediaType, IBuildLog log, CancellationToken cancellationToken)
    {
        var prefix = registry.TrimEnd('/') + "/" + repository;
        var entries = new List<IndexEntry>();
        foreach (var platform in platforms)
        {
            // every tag of a platform names one image: the first one's manifest is that platform's entry
            var name = $"{prefix}:{tags[0]}-{platform.RuntimeIdentifier}";
            var manifest = await backend.GetManifestAsync(name, cancellationToken).ConfigureAwait(false)
                ?? throw new ImageTasksException(ErrorCodes.PlatformImageMissing,
                    $"The image of {platform.Platform} ({name}) is not in the registry, though it was pushed before the index. " +
                    "Check that nothing removes images from the registry during the build, and build again.");
            entries.Add(new IndexEntry(manifest.MediaType, manifest.Digest, manifest.Content.Length, platform.Platform));
        }
        var index = ImageIndex.Write(mediaType, entries);
        string digest = "";
        foreach (var tag in tags)
            digest = await backend.PutManifestAsync(ImageReference.Parse($"{prefix}:{tag}").ToString(), mediaType, index, cancellationToken).ConfigureAwait(false);
        log.Info($"Pushed the image index {string.Join(", ", tags.Select(t => $"{prefix}:{t}"))} ({digest}): {string.Join(", ", entries.Select(e => $"{e.Platform} {e.Digest}"))}");
        return digest;
    }
}
