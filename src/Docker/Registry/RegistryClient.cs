using System.Net;
using System.Net.Http.Headers;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// Pushes what the engine cannot: blobs and manifests of another format (an OCI image manifest, an index), straight
/// to a registry's distribution API. A blob the repository already holds is not sent again; a blob is uploaded in one
/// request (POST an upload, PUT its content with the digest). A 401 or 403 is IMG4201 (naming where credentials were
/// looked for, never them); any other refusal or an unreachable registry is IMG4202.
/// </summary>
public sealed class RegistryClient(RegistryCredentials credentials)
{
    readonly RegistryHttp _http = new(credentials);

    /// <summary>True when <paramref name="repository"/> (registry/name) holds the blob <paramref name="digest"/>.</summary>
    public async Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(repository);
        using var response = await SendAsync(image, $"pushing blob {digest} to {repository}",
            address => new HttpRequestMessage(HttpMethod.Head, new Uri(address, $"/v2/{image.Repository}/blobs/{digest}")), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await EnsureAsync(response, image, $"asking {repository} for blob {digest}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Uploads the file <paramref name="path"/> as the blob <paramref name="digest"/> (its sha256, as the caller computed it).</summary>
    public async Task UploadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(repository);
        var what = $"pushing blob {digest} to {repository}";
        Uri location;
        using (var started = await SendAsync(image, what,
                   address => new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/v2/{image.Repository}/blobs/uploads/")), cancellationToken).ConfigureAwait(false))
        {
            await EnsureAsync(started, image, what, cancellationToken).ConfigureAwait(false);
            location = started.Headers.Location ?? throw Failed(image, what, "the registry started an upload but gave no Location");
            if (!location.IsAbsoluteUri) location = new Uri(started.RequestMessage!.RequestUri!, location);
        }
        var put = new UriBuilder(location);
        put.Query = (put.Query.Length > 1 ? put.Query[1..] + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var done = await SendAsync(image, what, _ =>
        {
            var content = new StreamContent(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true), 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(done, image, what, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts <paramref name="manifest"/> (of <paramref name="mediaType"/>) under <paramref name="reference"/>'s tag.</summary>
    public async Task PutManifestAsync(string reference, string mediaType, byte[] manifest, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var what = $"pushing the manifest of '{reference}'";
        using var response = await SendAsync(image, what, address =>
        {
            var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return new HttpRequestMessage(HttpMethod.Put, new Uri(address, $"/v2/{image.Repository}/manifests/{image.Tag ?? image.Digest}")) { Content = content };
        }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, image, what, cancellationToken).ConfigureAwait(false);
    }

    async Task<HttpResponseMessage> SendAsync(ImageReference image, string what, Func<Uri, HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        try { return await _http.SendAsync(image, RegistryOperation.Push, make, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException e) { throw Failed(image, what, $"the registry cannot be reached ({RegistryHttp.WhyUnreachable(e)})"); }
    }

    async Task EnsureAsync(HttpResponseMessage response, ImageReference image, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var said = $"{(int)response.StatusCode} {response.StatusCode}{(body.Length > 0 ? ": " + body.Trim()[..Math.Min(body.Trim().Length, 300)] : "")}";
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            throw RegistryErrors.Unauthorized(RegistryOperation.Push, image.ToString(),
                await _http.FindCredentialsAsync(image, RegistryOperation.Push, cancellationToken).ConfigureAwait(false), said);
        throw Failed(image, what, "the registry answered " + said);
    }

    static ImageTasksException Failed(ImageReference image, string what, string why) => new(ErrorCodes.PushFailed,
        $"{char.ToUpperInvariant(what[0])}{what[1..]} failed: {why}. Check that the registry {image.Registry} is reachable and accepts this repository.");
}
