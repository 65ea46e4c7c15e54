using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// One manifest request (HEAD /v2/&lt;repository&gt;/manifests/&lt;tag&gt;, the OCI distribution API) from this process
/// to a registry: does it hold that tag? What the engine's distribution endpoint would do, but with the credentials
/// the engine gets for a pull or push (that endpoint takes none from this client library). Authentication as
/// registries ask for it: Basic, or a Bearer token from the realm the 401 names (with the credentials as Basic, or an
/// identity token as a refresh token). As the engine does, a loopback registry (localhost, 127.0.0.0/8, ::1) that does
/// not speak TLS is asked over plain HTTP. Credentials go in request headers only: no message, URL or log holds them.
/// </summary>
public sealed class ManifestLookup(RegistryCredentials credentials)
{
    static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), AllowAutoRedirect = true })
        { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>True when the registry has <paramref name="reference"/>, false on 404. Otherwise IMG4301 (cannot be
    /// reached) or IMG4302 (refused: 401, 403, another status).</summary>
    public async Task<bool> ExistsAsync(string reference, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var (response, lookup) = await RequestAsync(HttpMethod.Head, image, image.Tag ?? image.Digest!, operation, cancellationToken).ConfigureAwait(false);
        using (response)
            return response.StatusCode switch
            {
                HttpStatusCode.OK => true,
                HttpStatusCode.NotFound => false,
                _ => throw Refused(image, response.StatusCode, lookup),
            };
    }

    /// <summary>
    /// What the registry holds under <paramref name="reference"/>: the digest of the manifest or index (the SHA-256 of
    /// the bytes it answers with) and, for <paramref name="platform"/> ("linux/amd64", "linux/arm/v7"), the image
    /// manifest's digest and its configuration digest (one more request for an index). Errors as <see cref="ExistsAsync"/>;
    /// a 404 or a platform the index lacks is IMG4302.
    /// </summary>
    public async Task<Engine.RegistryManifest> ResolveAsync(string reference, string platform, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var (digest, json) = await GetManifestAsync(image, image.Tag ?? image.Digest!, cancellationToken).ConfigureAwait(false);
        using (json)
        {
            if (!json.RootElement.TryGetProperty("manifests", out var manifests))
                return new Engine.RegistryManifest(digest, digest, ConfigDigest(json, image));
            var wanted = platform.Split('/');
            var entry = manifests.EnumerateArray().FirstOrDefault(m => m.TryGetProperty("platform", out var p)
                && p.TryGetProperty("os", out var os) && os.GetString() == wanted[0]
                && p.TryGetProperty("architecture", out var arch) && arch.GetString() == wanted.ElementAtOrDefault(1)
                && (wanted.Length < 3 || (p.TryGetProperty("variant", out var variant) && variant.GetString() == wanted[2])));
            if (entry.ValueKind != JsonValueKind.Object || entry.GetProperty("digest").GetString() is not { } platformDigest)
                throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} holds no {platform} image under {reference}");
            var (manifestDigest, manifest) = await GetManifestAsync(image, platformDigest, cancellationToken).ConfigureAwait(false);
            using (manifest) return new Engine.RegistryManifest(digest, manifestDigest, ConfigDigest(manifest, image));
        }
    }

    static string ConfigDigest(JsonDocument manifest, ImageReference image) =>
        manifest.RootElement.TryGetProperty("config", out var config) && config.TryGetProperty("digest", out var digest) && digest.GetString() is { } text
            ? text
            : throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} answered with a manifest without a configuration for {image}");

    async Task<(string Digest, JsonDocument Json)> GetManifestAsync(ImageReference image, string tagOrDigest, CancellationToken cancellationToken)
    {
        var (response, lookup) = await RequestAsync(HttpMethod.Get, image, tagOrDigest, RegistryOperation.Pull, cancellationToken).ConfigureAwait(false);
        using var _ = response;
        if (response.StatusCode != HttpStatusCode.OK) throw Refused(image, response.StatusCode, lookup);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var digest = "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
        try { return (digest, JsonDocument.Parse(bytes)); }
        catch (JsonException) { throw new ImageTasksException(ErrorCodes.CacheRegistryRefused, $"the registry {image.Registry} answered a manifest request for {image.Repository} with something that is not JSON"); }
    }

    static ImageTasksException Refused(ImageReference image, HttpStatusCode status, CredentialLookup lookup) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new ImageTasksException(ErrorCodes.CacheRegistryRefused,
            $"the registry {image.Registry} refused access to {image.Repository} ({(int)status} {status}) with " +
            $"{(lookup.Credential is null ? "no credentials (none were found)" : lookup.Credential.ToString())}; " +
            $"run 'docker login {image.Registry}' or set {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password}"),
        _ => new ImageTasksException(ErrorCodes.CacheRegistryRefused,
            $"the registry {image.Registry} answered {(int)status} {status} to a manifest request for {image.Repository}"),
    };

    /// <summary>One manifest request, over HTTPS (or plain HTTP for a loopback registry without TLS), authenticated as
    /// the registry's 401 asks. The caller disposes the response.</summary>
    async Task<(HttpResponseMessage Response, CredentialLookup Lookup)> RequestAsync(HttpMethod method, ImageReference image, string tagOrDigest,
        RegistryOperation operation, CancellationToken cancellationToken)
    {
        var lookup = await credentials.FindAsync(image.Registry, operation, cancellationToken).ConfigureAwait(false);
        var host = image.Registry == ImageReference.DockerHub ? "registry-1.docker.io" : image.Registry;
        var path = $"/v2/{image.Repository}/manifests/{tagOrDigest}";
        Exception? tlsFailure = null;
        foreach (var scheme in IsLoopback(host) ? new[] { "https", "http" } : ["https"])
        {
            try { return (await RequestAsync(method, new Uri($"{scheme}://{host}{path}"), image, lookup, cancellationToken).ConfigureAwait(false), lookup); }
            catch (HttpRequestException e) when (scheme == "https" && IsLoopback(host) && IsTlsFailure(e)) { tlsFailure = e; }
            catch (HttpRequestException e) { throw Unreachable(image.Registry, e); }
        }
        throw Unreachable(image.Registry, tlsFailure!);
    }

    async Task<HttpResponseMessage> RequestAsync(HttpMethod method, Uri uri, ImageReference image, CredentialLookup lookup, CancellationToken cancellationToken)
    {
        var first = await SendAsync(method, uri, null, cancellationToken).ConfigureAwait(false);
        if (first.StatusCode != HttpStatusCode.Unauthorized || first.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge) return first;
        using (first)
            return await SendAsync(method, uri, await AuthorizationAsync(challenge, image, lookup.Credential, cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
    }

    static async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
        request.Headers.Authorization = authorization;
        return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Authorization a 401's challenge asks for: Basic with the credentials, or a Bearer token from its realm.</summary>
    static async Task<AuthenticationHeaderValue?> AuthorizationAsync(AuthenticationHeaderValue challenge, ImageReference image, RegistryCredential? credential,
        CancellationToken cancellationToken)
    {
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return credential is null || credential.IsIdentityToken ? null : Basic(credential);
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return null;
        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm)) return null;
        var query = $"scope={Uri.EscapeDataString($"repository:{image.Repository}:pull")}" +
                    (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : "");
        using var request = credential is { IsIdentityToken: true }
            ? new HttpRequestMessage(HttpMethod.Post, realm)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token", ["refresh_token"] = credential.Secret, ["client_id"] = "imagetasks",
                    ["scope"] = $"repository:{image.Repository}:pull", ["service"] = service ?? "",
                }),
            }
            : new HttpRequestMessage(HttpMethod.Get, $"{realm}{(realm.Contains('?') ? '&' : '?')}{query}") { Headers = { Authorization = credential is null ? null : Basic(credential) } };
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null; // the manifest request then fails with 401, said as such
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return json.RootElement.TryGetProperty("token", out var token) || json.RootElement.TryGetProperty("access_token", out token)
            ? new AuthenticationHeaderValue("Bearer", token.GetString())
            : null;
    }

    static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Secret}")));

    /// <summary>The key="value" pairs of a challenge (realm="https://auth.docker.io/token",service="registry.docker.io").</summary>
    public static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"(\w+)=(?:""([^""]*)""|([^,\s]*))"))
            result[m.Groups[1].Value] = m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
        return result;
    }

    public static bool IsLoopback(string host)
    {
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return name == "localhost" || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }

    static bool IsTlsFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is AuthenticationException or IOException) return true;
        return false;
    }

    static ImageTasksException Unreachable(string registry, Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next) inner = next;
        var why = inner is SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : inner.Message;
        return new ImageTasksException(ErrorCodes.CacheRegistryUnreachable, $"the registry {registry} cannot be reached ({why.TrimEnd('.')})", e);
    }
}
