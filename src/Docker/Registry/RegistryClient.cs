using System.Net;
using System.Net.Http.Headers;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// What the engine cannot do with a registry, done from this process through the distribution API: manifests read
/// (a base's index, to pull one platform's image) and written (an image index; an OCI manifest), and blobs of an OCI
/// push. A blob the repository already holds is not sent again; a blob is uploaded in one request (POST an upload,
/// PUT its content with the digest). Authentication and the plain-HTTP rule for loopback registries are
/// <see cref="RegistryHttp"/>'s: credentials go in request headers only. Manifests: IMG4330 when the registry cannot
/// be reached, IMG4331 when it refuses. Blobs: a 401 or 403 is IMG4201 (naming where credentials were looked for,
/// never them), anything else IMG4202.
/// </summary>
public sealed class RegistryClient(RegistryCredentials credentials)
{
    readonly RegistryHttp _http = new(credentials);

    /// <summary>The manifest (or index) under a tag or digest; null on 404.</summary>
    public async Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        using var response = await ManifestRequestAsync(image, RegistryOperation.Pull,
            address => RegistryHttp.ManifestRequest(HttpMethod.Get, address, image, ReferenceOf(image)), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ManifestRefusedAsync(response, image, "reading the manifest of", cancellationToken).ConfigureAwait(false);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new RegistryManifest(response.Content.Headers.ContentType?.MediaType ?? "", ContentDigest.Of(content), content);
    }

    /// <summary>Writes a manifest (or index) of <paramref name="mediaType"/> under the reference's tag or digest and
    /// returns its digest. What it names must be in the repository already.</summary>
    public async Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await PutAsync(reference, mediaType, content, cancellationToken).ConfigureAwait(false);
        return ContentDigest.Of(content);
    }

    /// <summary>Writes a manifest that names a subject; true when the registry answered OCI-Subject (it has the
    /// referrers API and indexed the manifest for its subject).</summary>
    public async Task<bool> PutReferrerAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        using var response = await PutAsync(reference, mediaType, content, cancellationToken).ConfigureAwait(false);
        return response.Headers.Contains("OCI-Subject");
    }

    async Task<HttpResponseMessage> PutAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var response = await ManifestRequestAsync(image, RegistryOperation.Push, address => new HttpRequestMessage(HttpMethod.Put, new Uri(address, $"/v2/{image.Repository}/manifests/{ReferenceOf(image)}"))
        {
            Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } },
        }, cancellationToken).ConfigureAwait(false);
        try { await ManifestRefusedAsync(response, image, "writing", cancellationToken).ConfigureAwait(false); }
        catch { response.Dispose(); throw; }
        return response;
    }

    static string ReferenceOf(ImageReference image) => image.Digest ?? image.Tag ?? "latest";

    async Task<HttpResponseMessage> ManifestRequestAsync(ImageReference image, RegistryOperation operation, Func<Uri, HttpRequestMessage> make,
        CancellationToken cancellationToken)
    {
        try { return await _http.SendAsync(image, operation, make, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException e)
        {
            throw new ImageTasksException(ErrorCodes.IndexRegistryUnreachable,
                $"The registry {image.Registry} cannot be reached ({RegistryHttp.WhyUnreachable(e)}). Check that it is running and reachable from this machine, and build again.", e);
        }
    }

    async Task ManifestRefusedAsync(HttpResponseMessage response, ImageReference image, string doing, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var refused = await _http.RefusedAsync(image, response.StatusCode, RegistryOperation.Push, cancellationToken).ConfigureAwait(false);
            throw new ImageTasksException(ErrorCodes.IndexRegistryRefused, $"{char.ToUpperInvariant(refused[0])}{refused[1..]}, and build again.");
        }
        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        throw new ImageTasksException(ErrorCodes.IndexRegistryRefused,
            $"The registry {image.Registry} answered {(int)response.StatusCode} {response.StatusCode} to {doing} {image}: " +
            $"{(body.Length > 300 ? body[..300] + "..." : body)}. Check that the registry accepts image indexes and OCI manifests, and that you may push to {image.Repository}.");
    }

    /// <summary>True when <paramref name="repository"/> (registry/name) holds the blob <paramref name="digest"/>.</summary>
    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(repository);
        using var response = await BlobRequestAsync(image, $"pushing blob {digest} to {repository}",
            address => new HttpRequestMessage(HttpMethod.Head, new Uri(address, $"/v2/{image.Repository}/blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await BlobRefusedAsync(response, image, $"asking {repository} for blob {digest}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads the file <paramref name="path"/> as the blob <paramref name="digest"/> (its sha256, as the caller computed it).</summary>
    public async Task UploadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(repository);
        var what = $"pushing blob {digest} to {repository}";
        Uri location;
        using (var started = await BlobRequestAsync(image, what,
                   address => new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/v2/{image.Repository}/blobs/uploads/")), cancellationToken).ConfigureAwait(false))
        {
            await BlobRefusedAsync(started, image, what, cancellationToken).ConfigureAwait(false);
            location = started.Headers.Location ?? throw PushFailed(image, what, "the registry started an upload but gave no Location");
            if (!location.IsAbsoluteUri) location = new Uri(started.RequestMessage!.RequestUri!, location);
        }
        var put = new UriBuilder(location);
        put.Query = (put.Query.Length > 1 ? put.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var done = await BlobRequestAsync(image, what, _ =>
        {
            var content = new StreamContent(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true), 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        await BlobRefusedAsync(done, image, what, cancellationToken).ConfigureAwait(false);
    }

    async Task<HttpResponseMessage> BlobRequestAsync(ImageReference image, string what, Func<Uri, HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        try { return await _http.SendAsync(image, RegistryOperation.Push, make, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException e) { throw PushFailed(image, what, $"the registry cannot be reached ({RegistryHttp.WhyUnreachable(e)})"); }
    }

    async Task BlobRefusedAsync(HttpResponseMessage response, ImageReference image, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        var said = $"{(int)response.StatusCode} {response.StatusCode}{(body.Length > 0 ? ": " + body[..Math.Min(body.Length, 300)] : "")}";
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw RegistryErrors.Unauthorized(RegistryOperation.Push, image.ToString(),
                await _http.FindCredentialsAsync(image, RegistryOperation.Push, cancellationToken).ConfigureAwait(false), said);
        throw PushFailed(image, what, "the registry answered " + said);
    }

    static ImageTasksException PushFailed(ImageReference image, string what, string why) => new(ErrorCodes.PushFailed,
        $"{char.ToUpperInvariant(what[0])}{what[1..]} failed: {why}. Check that the registry {image.Registry} is reachable and accepts this repository.");
}
