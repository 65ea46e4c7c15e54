using System.Net;
using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine.Publishing;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// One manifest request (HEAD /v2/&lt;repository&gt;/manifests/&lt;tag&gt;, the OCI distribution API) from this process
/// to a registry: does it hold that tag? What the engine's distribution endpoint would do, but with the credentials
/// the engine gets for a pull or push (that endpoint takes none from this client library). Authentication and the
/// plain-HTTP rule for loopback registries are <see cref="RegistryHttp"/>'s.
/// </summary>
public sealed class ManifestLookup(RegistryCredentials credentials)
{
    readonly RegistryHttp _http = new(credentials);

    /// <summary>True when the registry has <paramref name="reference"/>, false on 404. Otherwise IMG4301 (cannot be
    /// reached) or IMG4302 (refused: 401, 403, another status).</summary>
    public async Task<bool> ExistsAsync(string reference, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        HttpResponseMessage response;
        try { response = await HeadAsync(image, operation, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException e) { throw Unreachable(image, e); }
        using var _ = response;
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            var status => throw await RefusedAsync(image, status, operation, cancellationToken).ConfigureAwait(false),
        };
    }

    static ImageTasksException Unreachable(ImageReference image, HttpRequestException e) =>
        new(ErrorCodes.CacheRegistryUnreachable, $"the registry {image.Registry} cannot be reached ({RegistryHttp.WhyUnreachable(e)})", e);

    async Task<ImageTasksException> RefusedAsync(ImageReference image, HttpStatusCode status, RegistryOperation operation, CancellationToken cancellationToken) =>
        new(ErrorCodes.CacheRegistryRefused, status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? await _http.RefusedAsync(image, status, operation, cancellationToken).ConfigureAwait(false)
            : $"the registry {image.Registry} answered {(int)status} {status} to a manifest request for {image.Repository}");

    /// <summary>
    /// What the registry holds under <paramref name="reference"/>: the digest of the manifest or index (the SHA-256 of
    /// the bytes it answers with) and, for <paramref name="platform"/> ("linux/amd64", "linux/arm/v7"), the image
    /// manifest's digest and its configuration digest (one more request for an index). Unreachable is IMG4301; refused,
    /// missing (404), or a platform the index lacks is IMG4302.
    /// </summary>
    public async Task<Engine.BaseManifest> ResolveAsync(string reference, string platform, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var (digest, json) = await GetAsync(image, image.Tag ?? image.Digest!, cancellationToken).ConfigureAwait(false);
        using (json)
        {
            if (!json.RootElement.TryGetProperty("manifests", out var manifests))
                return new Engine.BaseManifest(digest, digest, ConfigDigest(json, image));
            var wanted = platform.Split('/');
            var entry = manifests.EnumerateArray().FirstOrDefault(m => m.TryGetProperty("platform", out var p)
                && p.TryGetProperty("os", out var os) && os.GetString() == wanted[0]
                && p.TryGetProperty("architecture", out var arch) && arch.GetString() == wanted.ElementAtOrDefault(1)
                && (wanted.Length < 3 || (p.TryGetProperty("variant", out var variant) && variant.GetString() == wanted[2])));
            if (entry.ValueKind != JsonValueKind.Object || entry.GetProperty("digest").GetString() is not { } platformDigest)
                throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} holds no {platform} image under {reference}");
            var (manifestDigest, manifest) = await GetAsync(image, platformDigest, cancellationToken).ConfigureAwait(false);
            using (manifest) return new Engine.BaseManifest(digest, manifestDigest, ConfigDigest(manifest, image));
        }
    }

    static string ConfigDigest(JsonDocument manifest, ImageReference image) =>
        manifest.RootElement.TryGetProperty("config", out var config) && config.TryGetProperty("digest", out var digest) && digest.GetString() is { } text
            ? text
            : throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} answered with a manifest without a configuration for {image}");

    async Task<(string Digest, JsonDocument Json)> GetAsync(ImageReference image, string tagOrDigest, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(image, RegistryOperation.Pull,
                address => RegistryHttp.ManifestRequest(HttpMethod.Get, address, image, tagOrDigest), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) { throw Unreachable(image, e); }
        using var _ = response;
        if (response.StatusCode != HttpStatusCode.OK) throw await RefusedAsync(image, response.StatusCode, RegistryOperation.Pull, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try { return (ContentDigest.Of(bytes), JsonDocument.Parse(bytes)); }
        catch (JsonException) { throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} answered a manifest request for {image.Repository} with something that is not JSON"); }
    }

    /// <summary>The media type of the manifest <paramref name="reference"/> names (an image manifest or an index, OCI
    /// or Docker), or null when the registry does not have it, refuses or cannot be reached.</summary>
    public async Task<string?> MediaTypeAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await HeadAsync(ImageReference.Parse(reference), RegistryOperation.Pull, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? response.Content.Headers.ContentType?.MediaType : null;
        }
        catch (HttpRequestException) { return null; }
    }

    Task<HttpResponseMessage> HeadAsync(ImageReference image, RegistryOperation operation, CancellationToken cancellationToken)
        => _http.SendAsync(image, operation, address => RegistryHttp.ManifestRequest(HttpMethod.Head, address, image, image.Tag ?? image.Digest!), cancellationToken);
}
