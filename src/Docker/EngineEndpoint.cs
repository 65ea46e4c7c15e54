using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageTasks.Diagnostics;

namespace ImageTasks.Backend;

/// <summary>
/// Where the container engine listens, found the way the docker CLI finds it: DOCKER_HOST (with DOCKER_TLS_VERIFY and
/// DOCKER_CERT_PATH), then DOCKER_CONTEXT or the current context of ~/.docker/config.json, then the default socket,
/// then Podman's sockets.
/// </summary>
/// <param name="Source">How it was found, for messages ("DOCKER_HOST", "context 'colima'", "default socket").</param>
/// <param name="TlsCertPath">Folder with ca.pem, cert.pem, key.pem when the connection uses TLS.</param>
public sealed record EngineEndpoint(Uri Uri, string Source, string? TlsCertPath = null)
{
    public const string DefaultSocket = "/var/run/docker.sock";

    /// <summary>The engine the docker CLI would use; with <paramref name="localRegistry"/> "podman" (the .NET SDK's
    /// LocalRegistry property), Podman's (CONTAINER_HOST, then its sockets) before Docker's.</summary>
    public static EngineEndpoint Resolve(string? localRegistry = null) => Resolve(Environment.GetEnvironmentVariable, File.Exists, localRegistry);

    /// <summary>Resolution with the environment and file system passed in, so it can be tested without either.</summary>
    public static EngineEndpoint Resolve(Func<string, string?> env, Func<string, bool> fileExists, string? localRegistry = null)
    {
        var podmanFirst = string.Equals(localRegistry, "podman", StringComparison.OrdinalIgnoreCase);
        if (podmanFirst && env("CONTAINER_HOST") is { Length: > 0 } containerHost) return FromHost(containerHost, "CONTAINER_HOST", null);
        if (podmanFirst && FindPodman(env, fileExists) is { } podman) return podman;

        var host = env("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host))
            return FromHost(host, "DOCKER_HOST", TlsFolder(env));

        var configDir = Registry.RegistryCredentials.ConfigDirectory(env);
        var context = env("DOCKER_CONTEXT") is { Length: > 0 } c ? c : CurrentContext(configDir, fileExists);
        if (context is not null && context != "default")
            return FromContext(configDir, context, fileExists);

        if (fileExists(DefaultSocket)) return new EngineEndpoint(new Uri("unix://" + DefaultSocket), "default socket");
        return FindPodman(env, fileExists) ?? new EngineEndpoint(new Uri("unix://" + DefaultSocket), "default socket");
    }

    static EngineEndpoint? FindPodman(Func<string, string?> env, Func<string, bool> fileExists)
        => PodmanSockets(env).Where(fileExists).Select(s => new EngineEndpoint(new Uri("unix://" + s), "Podman socket")).FirstOrDefault();

    static IEnumerable<string> PodmanSockets(Func<string, string?> env)
    {
        if (env("XDG_RUNTIME_DIR") is { Length: > 0 } runtime) yield return Path.Combine(runtime, "podman", "podman.sock");
        yield return "/run/podman/podman.sock";
    }

    static string? TlsFolder(Func<string, string?> env)
    {
        var verify = env("DOCKER_TLS_VERIFY");
        if (string.IsNullOrEmpty(verify) || verify == "0") return null;
        return env("DOCKER_CERT_PATH") is { Length: > 0 } path ? path
            : Path.Combine(env("HOME") ?? "", ".docker");
    }

    static EngineEndpoint FromHost(string host, string source, string? tls)
    {
        if (!Uri.TryCreate(host, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https" or "npipe"))
            throw new ImageTasksException(ErrorCodes.EngineUnreachable,
                $"{source} is '{host}', which is not an engine address. Use unix:///path/to/docker.sock or tcp://host:port.");
        if (uri.Scheme == "tcp")
            uri = new UriBuilder(uri) { Scheme = tls is null ? "http" : "https", Port = uri.IsDefaultPort ? (tls is null ? 2375 : 2376) : uri.Port }.Uri;
        return new EngineEndpoint(uri, source, tls);
    }

    static string? CurrentContext(string configDir, Func<string, bool> fileExists)
    {
        var config = Path.Combine(configDir, "config.json");
        if (!fileExists(config)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(config));
            return doc.RootElement.TryGetProperty("currentContext", out var current) ? current.GetString() : null;
        }
        catch (JsonException) { return null; } // the CLI's own file; a broken one is the CLI's problem, fall back
    }

    static EngineEndpoint FromContext(string configDir, string context, Func<string, bool> fileExists)
    {
        // The CLI stores a context's metadata under contexts/meta/<sha256 of its name>/meta.json.
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(context))).ToLowerInvariant();
        var meta = Path.Combine(configDir, "contexts", "meta", id, "meta.json");
        if (!fileExists(meta))
            throw new ImageTasksException(ErrorCodes.EngineUnreachable,
                $"The docker context '{context}' is selected but has no metadata at '{meta}'. Run 'docker context use default' or create the context.");
        using var doc = JsonDocument.Parse(File.ReadAllText(meta));
        var host = doc.RootElement.GetProperty("Endpoints").GetProperty("docker").GetProperty("Host").GetString() ?? "";
        var tls = Path.Combine(configDir, "contexts", "tls", id, "docker");
        return FromHost(host, $"docker context '{context}'", Directory.Exists(tls) ? tls : null);
    }
}
