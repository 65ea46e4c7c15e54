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
    internal static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    ];

    internal static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), AllowAutoRedirect = true })
        { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>True when the registry has <paramref name="reference"/>, false on 404. Otherwise IMG4301 (cannot be
    /// reached) or IMG4302 (refused: 401, 403, another status).</summary>
    public async Task<bool> ExistsAsync(string reference, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var lookup = await credentials.FindAsync(image.Registry, operation, cancellationToken).ConfigureAwait(false);
        var path = $"/v2/{image.Repository}/manifests/{image.Tag ?? image.Digest}";
        return await OverSchemesAsync(image.Registry, ErrorCodes.CacheRegistryUnreachable,
            origin => ExistsAsync(new Uri(origin + path), image, lookup, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Sends to https://host, and, for a loopback registry that does not speak TLS, to http://host as the engine
    /// does. A registry that cannot be reached is <paramref name="unreachableCode"/>.</summary>
    internal static async Task<T> OverSchemesAsync<T>(string registry, string unreachableCode, Func<string, Task<T>> send)
    {
        var host = registry == ImageReference.DockerHub ? "registry-1.docker.io" : registry;
        Exception? tlsFailure = null;
        foreach (var scheme in IsLoopback(host) ? new[] { "https", "http" } : ["https"])
        {
            try { return await send($"{scheme}://{host}").ConfigureAwait(false); }
            catch (HttpRequestException e) when (scheme == "https" && IsLoopback(host) && IsTlsFailure(e)) { tlsFailure = e; }
            catch (HttpRequestException e) { throw Unreachable(registry, e, unreachableCode); }
        }
        throw Unreachable(registry, tlsFailure!, unreachableCode);
    }

    async Task<bool> ExistsAsync(Uri uri, ImageReference image, CredentialLookup lookup, CancellationToken cancellationToken)
    {
        using var first = await HeadAsync(uri, null, cancellationToken).ConfigureAwait(false);
        var response = first;
        HttpResponseMessage? second = null;
        try
        {
            if (first.StatusCode == HttpStatusCode.Unauthorized && first.Headers.WwwAuthenticate.FirstOrDefault() is { } challenge)
                response = second = await HeadAsync(uri, await AuthorizationAsync(challenge, image, lookup.Credential, cancellationToken).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => true,
                HttpStatusCode.NotFound => false,
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => throw new ImageTasksException(ErrorCodes.CacheRegistryRefused,
                    $"the registry {image.Registry} refused access to {image.Repository} ({(int)response.StatusCode} {response.StatusCode}) with " +
                    $"{(lookup.Credential is null ? "no credentials (none were found)" : lookup.Credential.ToString())}; " +
                    $"run 'docker login {image.Registry}' or set {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password}"),
                var status => throw new ImageTasksException(ErrorCodes.CacheRegistryRefused,
                    $"the registry {image.Registry} answered {(int)status} {status} to a manifest request for {image.Repository}"),
            };
        }
        finally { second?.Dispose(); }
    }

    static async Task<HttpResponseMessage> HeadAsync(Uri uri, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
        request.Headers.Authorization = authorization;
        return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Authorization a 401's challenge asks for: Basic with the credentials, or a Bearer token from its realm
    /// for <paramref name="actions"/> on the repository ("pull", or "pull,push" to write).</summary>
    internal static async Task<AuthenticationHeaderValue?> AuthorizationAsync(AuthenticationHeaderValue challenge, ImageReference image, RegistryCredential? credential,
        CancellationToken cancellationToken, string actions = "pull")
    {
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return credential is null || credential.IsIdentityToken ? null : Basic(credential);
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return null;
        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm)) return null;
        var query = $"scope={Uri.EscapeDataString($"repository:{image.Repository}:{actions}")}" +
                    (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : "");
        using var request = credential is { IsIdentityToken: true }
            ? new HttpRequestMessage(HttpMethod.Post, realm)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token", ["refresh_token"] = credential.Secret, ["client_id"] = "imagetasks",
                    ["scope"] = $"repository:{image.Repository}:{actions}", ["service"] = service ?? "",
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

    static ImageTasksException Unreachable(string registry, Exception e, string code)
    {
        var inner = e;
        while (inner.InnerException is { } next) inner = next;
        var why = inner is SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : inner.Message;
        return new ImageTasksException(code, $"the registry {registry} cannot be reached ({why.TrimEnd('.')})", e);
    }
}
