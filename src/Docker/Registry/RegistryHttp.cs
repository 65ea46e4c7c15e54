using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using ImageTasks.Definition;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// Requests from this process to a registry's distribution API (/v2/...), authenticated as registries ask for it:
/// Basic, or a Bearer token from the realm a 401 names (with the credentials as Basic, or an identity token as a
/// refresh token), scoped to the repository and the operation. As the engine does, a loopback registry (localhost,
/// 127.0.0.0/8, ::1) that does not speak TLS is asked over plain HTTP. Credentials go in request headers only: no
/// message, URL or log holds them. The authorization a challenge gave is kept for the next requests of this
/// instance to the same repository, so a push's many blob requests cost one token.
/// </summary>
public sealed class RegistryHttp(RegistryCredentials credentials)
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), AllowAutoRedirect = true })
        { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The scheme that answered per loopback host ("http" when it does not speak TLS).</summary>
    static readonly ConcurrentDictionary<string, string> Schemes = new(StringComparer.OrdinalIgnoreCase);

    readonly ConcurrentDictionary<(string Registry, string Repository, RegistryOperation Operation), AuthenticationHeaderValue?> _authorizations = new();

    /// <summary>Where the credentials were found for a registry (for messages: never the secret itself).</summary>
    public Task<CredentialLookup> FindCredentialsAsync(ImageReference image, RegistryOperation operation, CancellationToken cancellationToken)
        => credentials.FindAsync(image.Registry, operation, cancellationToken);

    /// <summary>
    /// Sends the request <paramref name="make"/> builds for a base address (https://host, or http://host for a loopback
    /// registry without TLS), answering a 401 once with the authorization its challenge asks for. <paramref name="make"/>
    /// is called again for that retry, so a request with content must make new content each time. Throws
    /// <see cref="HttpRequestException"/> when the registry cannot be reached.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(ImageReference image, RegistryOperation operation, Func<Uri, HttpRequestMessage> make,
        CancellationToken cancellationToken)
    {
        var host = image.Registry == ImageReference.DockerHub ? "registry-1.docker.io" : image.Registry;
        var key = (image.Registry, image.Repository, operation);
        _authorizations.TryGetValue(key, out var known);
        var response = await SendOnceAsync(host, make, known, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge) return response;
        response.Dispose();
        var lookup = await credentials.FindAsync(image.Registry, operation, cancellationToken).ConfigureAwait(false);
        var authorization = await AuthorizationAsync(challenge, image, operation, lookup.Credential, cancellationToken).ConfigureAwait(false);
        _authorizations[key] = authorization;
        return await SendOnceAsync(host, make, authorization, cancellationToken).ConfigureAwait(false);
    }

    static async Task<HttpResponseMessage> SendOnceAsync(string host, Func<Uri, HttpRequestMessage> make, AuthenticationHeaderValue? authorization,
        CancellationToken cancellationToken)
    {
        if (Schemes.TryGetValue(host, out var known)) return await SendToAsync(new Uri($"{known}://{host}"), make, authorization, cancellationToken).ConfigureAwait(false);
        if (!IsLoopback(host)) return await SendToAsync(new Uri($"https://{host}"), make, authorization, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await SendToAsync(new Uri($"https://{host}"), make, authorization, cancellationToken).ConfigureAwait(false);
            Schemes[host] = "https";
            return response;
        }
        catch (HttpRequestException e) when (IsTlsFailure(e))
        {
            var response = await SendToAsync(new Uri($"http://{host}"), make, authorization, cancellationToken).ConfigureAwait(false);
            Schemes[host] = "http";
            return response;
        }
    }

    static async Task<HttpResponseMessage> SendToAsync(Uri baseAddress, Func<Uri, HttpRequestMessage> make, AuthenticationHeaderValue? authorization,
        CancellationToken cancellationToken)
    {
        using var request = make(baseAddress);
        request.Headers.Authorization = authorization;
        return await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A request for the manifest (or index) <paramref name="reference"/> (a tag or digest) names, accepting
    /// every manifest type of either format.</summary>
    public static HttpRequestMessage ManifestRequest(HttpMethod method, Uri address, ImageReference image, string reference)
    {
        var request = new HttpRequestMessage(method, new Uri(address, $"/v2/{image.Repository}/manifests/{reference}"));
        foreach (var type in ManifestTypes) request.Headers.Accept.ParseAdd(type);
        return request;
    }

    static readonly string[] ManifestTypes =
    [
        Engine.Publishing.MediaTypes.OciManifest, Engine.Publishing.MediaTypes.DockerManifest,
        Engine.Publishing.MediaTypes.OciIndex, Engine.Publishing.MediaTypes.DockerManifestList,
    ];

    /// <summary>What a 401 or 403 from the registry means, with where credentials came from (never them) and what to do.</summary>
    public async Task<string> RefusedAsync(ImageReference image, HttpStatusCode status, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var lookup = await FindCredentialsAsync(image, operation, cancellationToken).ConfigureAwait(false);
        return $"the registry {image.Registry} refused access to {image.Repository} ({(int)status} {status}) with " +
               $"{(lookup.Credential is null ? "no credentials (none were found)" : lookup.Credential.ToString())}; " +
               $"run 'docker login {image.Registry}' or set {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password}";
    }

    /// <summary>The Authorization a 401's challenge asks for: Basic with the credentials, or a Bearer token from its realm.</summary>
    static async Task<AuthenticationHeaderValue?> AuthorizationAsync(AuthenticationHeaderValue challenge, ImageReference image, RegistryOperation operation,
        RegistryCredential? credential, CancellationToken cancellationToken)
    {
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return credential is null || credential.IsIdentityToken ? null : Basic(credential);
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return null;
        var parameters = Parameters(challenge.Parameter ?? "");
        if (!parameters.TryGetValue("realm", out var realm)) return null;
        var scope = $"repository:{image.Repository}:{(operation == RegistryOperation.Push ? "pull,push" : "pull")}";
        var query = $"scope={Uri.EscapeDataString(scope)}" +
                    (parameters.TryGetValue("service", out var service) ? $"&service={Uri.EscapeDataString(service)}" : "");
        using var request = credential is { IsIdentityToken: true }
            ? new HttpRequestMessage(HttpMethod.Post, realm)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token", ["refresh_token"] = credential.Secret, ["client_id"] = "imagetasks",
                    ["scope"] = scope, ["service"] = service ?? "",
                }),
            }
            : new HttpRequestMessage(HttpMethod.Get, $"{realm}{(realm.Contains('?') ? '&' : '?')}{query}") { Headers = { Authorization = credential is null ? null : Basic(credential) } };
        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null; // the request then fails with 401, said as such
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

    /// <summary>Why a registry could not be reached, from the innermost exception ("ConnectionRefused: Connection refused").</summary>
    public static string WhyUnreachable(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next) inner = next;
        return (inner is SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : inner.Message).TrimEnd('.');
    }
}
