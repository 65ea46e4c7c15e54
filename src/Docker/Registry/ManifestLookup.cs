using System.Net;
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
    internal static readonly string[] ManifestTypes =
    [
        MediaTypes.OciManifest, MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.DockerManifestList,
    ];

    readonly RegistryHttp _http = new(credentials);

    /// <summary>True when the registry has <paramref name="reference"/>, false on 404. Otherwise IMG4301 (cannot be
    /// reached) or IMG4302 (refused: 401, 403, another status).</summary>
    public async Task<bool> ExistsAsync(string reference, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        HttpResponseMessage response;
        try { response = await HeadAsync(image, operation, cancellationToken).ConfigureAwait(false); }
        catch (HttpRequestException e)
        {
            throw new ImageTasksException(ErrorCodes.CacheRegistryUnreachable, $"the registry {image.Registry} cannot be reached ({RegistryHttp.WhyUnreachable(e)})", e);
        }
        using var _ = response;
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK: return true;
            case HttpStatusCode.NotFound: return false;
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                var lookup = await _http.FindCredentialsAsync(image, operation, cancellationToken).ConfigureAwait(false);
                throw new ImageTasksException(ErrorCodes.CacheRegistryRefused,
                    $"the registry {image.Registry} refused access to {image.Repository} ({(int)response.StatusCode} {response.StatusCode}) with " +
                    $"{(lookup.Credential is null ? "no credentials (none were found)" : lookup.Credential.ToString())}; " +
                    $"run 'docker login {image.Registry}' or set {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password}");
            default:
                throw new ImageTasksException(ErrorCodes.CacheRegistryRefused,
                    $"the registry {image.Registry} answered {(int)response.StatusCode} {response.StatusCode} to a manifest request for {image.Repository}");
        }
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
        => _http.SendAsync(image, operation, address =>
        {
            var request = new HttpRequestMessage(HttpMethod.Head, new Uri(address, $"/v2/{image.Repository}/manifests/{image.Tag ?? image.Digest}"));
            foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
            return request;
        }, cancellationToken);
}
