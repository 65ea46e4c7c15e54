using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// Manifests read and written from this process (the OCI distribution API: GET and PUT /v2/&lt;repository&gt;/manifests/&lt;reference&gt;):
/// a base image's manifest for one platform, and the image index of a build for several platforms. Authentication as
/// <see cref="ManifestLookup"/> (the credentials the engine would get, Basic or a Bearer token for the repository;
/// "pull,push" to write), a loopback registry without TLS over plain HTTP. Credentials go in request headers only: no
/// message, URL or log holds them.
/// </summary>
public sealed class RegistryClient(RegistryCredentials credentials)
{
    /// <summary>The manifest (or index) under a tag or digest; null on 404. IMG4330 when the registry cannot be reached,
    /// IMG4331 when it refuses.</summary>
    public async Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        using var response = await SendAsync(image, RegistryOperation.Pull, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "");
            foreach (var type in ManifestLookup.ManifestTypes) request.Headers.Accept.ParseAdd(type);
            return request;
        }, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        Refused(response, image, "reading the manifest of");
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        return new RegistryManifest(mediaType, DigestOf(content), content);
    }

    /// <summary>Writes a manifest (or index) under the reference's tag or digest; returns its digest. The manifests it
    /// lists must be in the repository already. IMG4330 / IMG4331 as <see cref="GetManifestAsync"/>.</summary>
    public async Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        using var response = await SendAsync(image, RegistryOperation.Push, () => new HttpRequestMessage(HttpMethod.Put, "")
        {
            Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } },
        }, cancellationToken).ConfigureAwait(false);
        Refused(response, image, "writing");
        return DigestOf(content);
    }

    public static string DigestOf(byte[] content) => "sha256:" + Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();

    /// <summary>Sends the request, and once more with the Authorization a 401's challenge asks for.</summary>
    async Task<HttpResponseMessage> SendAsync(ImageReference image, RegistryOperation operation, Func<HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        var lookup = await credentials.FindAsync(image.Registry, operation, cancellationToken).ConfigureAwait(false);
        var path = $"/v2/{image.Repository}/manifests/{image.Digest ?? image.Tag ?? "latest"}";
        var actions = operation == RegistryOperation.Push ? "pull,push" : "pull";
        return await ManifestLookup.OverSchemesAsync(image.Registry, ErrorCodes.IndexRegistryUnreachable, async origin =>
        {
            var uri = new Uri(origin + path);
            HttpRequestMessage At() { var request = make(); request.RequestUri = uri; return request; }
            using var first = At();
            var response = await ManifestLookup.Http.SendAsync(first, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge) return response;
            response.Dispose();
            using var second = At();
            second.Headers.Authorization = await ManifestLookup.AuthorizationAsync(challenge, image, lookup.Credential, cancellationToken, actions).ConfigureAwait(false);
            var answer = await ManifestLookup.Http.SendAsync(second, cancellationToken).ConfigureAwait(false);
            if (answer.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)) return answer;
            answer.Dispose();
            throw new ImageTasksException(ErrorCodes.IndexRegistryRefused,
                $"The registry {image.Registry} refused access to {image.Repository} ({(int)answer.StatusCode} {answer.StatusCode}) with " +
                $"{(lookup.Credential is null ? "no credentials (none were found)" : lookup.Credential.ToString())}. " +
                $"Run 'docker login {image.Registry}' or set {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password}, and build again.");
        }).ConfigureAwait(false);
    }

    static void Refused(HttpResponseMessage response, ImageReference image, string doing)
    {
        if (response.IsSuccessStatusCode) return;
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        throw new ImageTasksException(ErrorCodes.IndexRegistryRefused,
            $"The registry {image.Registry} answered {(int)response.StatusCode} {response.StatusCode} to {doing} {image}: " +
            $"{(body.Length > 300 ? body[..300] + "..." : body).Trim()}. Check that the registry accepts image indexes (manifest lists) and that you may push to {image.Repository}.");
    }
}
