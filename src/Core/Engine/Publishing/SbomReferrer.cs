using System.Text.Json;
using System.Text.Json.Nodes;
using ImageTasks.Definition;

namespace ImageTasks.Engine.Publishing;

/// <summary>
/// The bill of materials attached to a pushed image as an OCI referrer (image spec 1.1's artifact manifest): an OCI
/// manifest whose artifactType is CycloneDX's, whose one layer is the bill of materials, whose config is the empty
/// descriptor and whose subject is the image's manifest, put by its digest. A registry with the referrers API indexes
/// it for its subject itself; for any other, the referrers tag (<c>sha256-&lt;subject's hex&gt;</c>, an image index of
/// the subject's referrers) gets it, as the distribution spec asks of clients. Tools that read referrers (oras discover,
/// trivy's OCI SBOM source, cosign tree) find it. No time goes in: the same image and bill make the same manifest.
/// </summary>
public static class SbomReferrer
{
    public const string ArtifactType = "application/vnd.cyclonedx+json";
    const string EmptyMediaType = "application/vnd.oci.empty.v1+json";
    static readonly byte[] Empty = "{}"u8.ToArray();
    static readonly string EmptyDigest = ContentDigest.Of(Empty);

    /// <summary>Pushes <paramref name="sbomFile"/> as a referrer of the manifest under <paramref name="pushed"/>
    /// (registry/repository:tag, just pushed); returns the referrer manifest's digest.</summary>
    public static async Task<string> PushAsync(IImageBackend backend, ImageReference pushed, string sbomFile, CancellationToken cancellationToken)
    {
        var subject = await backend.GetManifestAsync(pushed.ToString(), cancellationToken).ConfigureAwait(false)
                      ?? throw new IOException($"the registry does not show {pushed}, just pushed");
        var repository = pushed.Name;
        var sbom = await File.ReadAllBytesAsync(sbomFile, cancellationToken).ConfigureAwait(false);
        var sbomDigest = ContentDigest.Of(sbom);
        if (!await backend.BlobExistsAsync(repository, sbomDigest, cancellationToken).ConfigureAwait(false))
            await backend.UploadBlobAsync(repository, sbomDigest, sbomFile, cancellationToken).ConfigureAwait(false);
        // the empty config, written to a file for the upload only when the repository lacks it
        if (!await backend.BlobExistsAsync(repository, EmptyDigest, cancellationToken).ConfigureAwait(false))
        {
            var empty = Path.Combine(Path.GetTempPath(), $"imagetasks-empty-{Guid.NewGuid():N}.json");
            try
            {
                await File.WriteAllBytesAsync(empty, Empty, cancellationToken).ConfigureAwait(false);
                await backend.UploadBlobAsync(repository, EmptyDigest, empty, cancellationToken).ConfigureAwait(false);
            }
            finally { File.Delete(empty); }
        }

        var manifest = Manifest(subject, sbomDigest, sbom.Length, Path.GetFileName(sbomFile));
        var digest = ContentDigest.Of(manifest);
        var indexed = await backend.PutReferrerAsync($"{repository}@{digest}", MediaTypes.OciManifest, manifest, cancellationToken).ConfigureAwait(false);
        if (!indexed) await AddToReferrersTagAsync(backend, repository, subject.Digest, digest, manifest.Length, cancellationToken).ConfigureAwait(false);
        return digest;
    }

    /// <summary>The referrer's manifest (compact JSON, fields in a fixed order).</summary>
    static byte[] Manifest(RegistryManifest subject, string sbomDigest, long sbomSize, string fileName) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["artifactType"] = ArtifactType,
            ["config"] = new JsonObject { ["mediaType"] = EmptyMediaType, ["digest"] = EmptyDigest, ["size"] = Empty.Length },
            ["layers"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ArtifactType, ["digest"] = sbomDigest, ["size"] = sbomSize,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.title"] = fileName },
            }),
            ["subject"] = new JsonObject { ["mediaType"] = subject.MediaType, ["digest"] = subject.Digest, ["size"] = subject.Content.Length },
        }, OciImage.Plain);

    /// <summary>The referrers tag schema's tag of a subject: its digest with ':' as '-'.</summary>
    public static string ReferrersTag(string subjectDigest) => subjectDigest.Replace(':', '-');

    /// <summary>Adds the referrer to the subject's referrers tag (an OCI index), keeping the referrers already there.</summary>
    static async Task AddToReferrersTagAsync(IImageBackend backend, string repository, string subjectDigest, string digest, long size,
        CancellationToken cancellationToken)
    {
        var tag = $"{repository}:{ReferrersTag(subjectDigest)}";
        var existing = await backend.GetManifestAsync(tag, cancellationToken).ConfigureAwait(false);
        var referrers = Listed(existing).Where(m => (m as JsonObject)?["digest"]?.ToString() != digest).ToArray();
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray([.. referrers, new JsonObject
            {
                ["mediaType"] = MediaTypes.OciManifest, ["digest"] = digest, ["size"] = size, ["artifactType"] = ArtifactType,
            }]),
        };
        await backend.PutManifestAsync(tag, MediaTypes.OciIndex, JsonSerializer.SerializeToUtf8Bytes(index, OciImage.Plain), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The entries of a referrers tag's index; none when the tag holds no OCI index, or one that cannot be read
    /// (it is then written anew).</summary>
    static JsonNode[] Listed(RegistryManifest? existing)
    {
        if (existing is not { MediaType: MediaTypes.OciIndex }) return [];
        try
        {
            return JsonNode.Parse(existing.Content) is JsonObject { } index && index["manifests"] is JsonArray listed
                ? [.. listed.OfType<JsonNode>().Select(m => m.DeepClone())]
                : [];
        }
        catch (JsonException) { return []; }
    }
}
