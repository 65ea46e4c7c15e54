using ImageTasks.Engine.Publishing;

namespace ImageTasks.Engine;

/// <summary>Registry and archive operations, for publishing a built image (<see cref="Publishing.ImagePublisher"/>).</summary>
public partial interface IImageBackend
{
    /// <summary>
    /// Pushes a tagged reference (registry/repository:tag) with the credentials the backend finds for its registry.
    /// The engine sends only the layers the registry lacks. Status lines go to <paramref name="progress"/>.
    /// </summary>
    Task<PushResult> PushImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken);

    /// <summary>Writes the named images as one tarball that <c>docker load</c> accepts, carrying those names.</summary>
    Task SaveImagesAsync(IReadOnlyList<string> references, Stream destination, CancellationToken cancellationToken);

    /// <summary>The media type of the manifest a registry holds for <paramref name="reference"/> (an OCI or Docker
    /// manifest or index); null when it cannot be told (not in a registry, unreachable, refused).</summary>
    Task<string?> ManifestMediaTypeAsync(string reference, CancellationToken cancellationToken);

    /// <summary>True when the registry repository <paramref name="repository"/> (registry/name) holds the blob.</summary>
    Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken);

    /// <summary>Uploads the file at <paramref name="path"/> as the blob <paramref name="digest"/> of <paramref name="repository"/>.</summary>
    Task UploadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken);

    /// <summary>The manifest (or index) a registry holds under a tag or digest (registry/repository:tag), read from this
    /// process with the credentials the backend finds; null when the registry does not have it.</summary>
    Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Writes a manifest (or image index) to a registry under the reference's tag; returns its digest.</summary>
    Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken);

    /// <summary>Writes a manifest that names a subject (an OCI referrer) under the reference's digest; true when the
    /// registry says it indexed it for its subject (the OCI-Subject answer of a registry with the referrers API).</summary>
    Task<bool> PutReferrerAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken);
}

/// <summary>A manifest as a registry holds it: its media type, digest and exact bytes (the digest is of these).</summary>
public sealed record RegistryManifest(string MediaType, string Digest, byte[] Content);

/// <summary>What a push did, per layer (short layer ids as the engine reports them).</summary>
/// <param name="ExistingLayers">Layers the registry had already ("Layer already exists", "Mounted from").</param>
/// <param name="LayersReported">false when the engine says nothing of layers (Podman's push reports only the digest):
/// the two sets are then empty, not counts.</param>
public sealed record PushResult(string Reference, IReadOnlySet<string> PushedLayers, IReadOnlySet<string> ExistingLayers, string? Digest,
    bool LayersReported = true);
