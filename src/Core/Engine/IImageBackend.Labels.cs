namespace ImageTasks.Engine;

/// <summary>What the standard labels need from a registry (<see cref="ImageBuilder"/>'s base.digest label).</summary>
public partial interface IImageBackend
{
    /// <summary>
    /// Asks the registry of <paramref name="reference"/> (registry/repository:tag) what it holds under that reference,
    /// with the credentials of a pull: the digest of the manifest or index it answers with, and the configuration
    /// digest of the image for <paramref name="platform"/> ("linux/amd64") in it. A registry that cannot be reached or
    /// refuses is an <see cref="Diagnostics.ImageTasksException"/> whose message names the registry, never a secret.
    /// </summary>
    Task<BaseManifest> ResolveManifestAsync(string reference, string platform, CancellationToken cancellationToken);
}

/// <param name="Digest">The digest of what the registry holds under the reference (a manifest, or an index of several platforms).</param>
/// <param name="ImageManifestDigest">The platform's image manifest in it (the same as <paramref name="Digest"/> for a single manifest).</param>
/// <param name="ConfigDigest">The platform's image configuration digest: the image id of a pull on a graph driver store.</param>
public sealed record BaseManifest(string Digest, string ImageManifestDigest, string ConfigDigest);
