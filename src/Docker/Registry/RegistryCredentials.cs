using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageTasks.Backend.Registry;

/// <summary>
/// Finds registry credentials the way the docker CLI does, after the .NET SDK's CI variables:
/// <list type="number">
/// <item>environment variables, with the .NET SDK container support's names (<see cref="PullVariables"/>,
/// <see cref="PushVariables"/>);</item>
/// <item>config.json in DOCKER_CONFIG or ~/.docker: the registry's <c>credHelpers</c> entry, else <c>credsStore</c>,
/// asked through the <c>docker-credential-&lt;name&gt; get</c> protocol;</item>
/// <item>its <c>auths</c> entry (base64 <c>auth</c>, or <c>username</c>/<c>password</c>, <c>identitytoken</c>).</item>
/// </list>
/// The config directory and the environment are passed in, so the lookup can be tested without touching the user's.
/// </summary>
public sealed class RegistryCredentials(string configDirectory, Func<string, string?> environment)
{
    /// <summary>The key the docker CLI files Docker Hub's credentials under.</summary>
    public const string DockerHubServer = "https://index.docker.io/v1/";
    public const string TokenUser = "<token>";
    static readonly TimeSpan HelperTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// ImageTasks' own names, looked at first: MSBuild writes every DOTNET_* variable into binary logs (-bl), so the
    /// .NET SDK's names below put a password into a binlog; these do not.
    /// </summary>
    public static (string User, string Password) OwnVariables { get; } = ("IMAGETASKS_REGISTRY_USER", "IMAGETASKS_REGISTRY_PASSWORD");

    /// <summary>Base images: the SDK reads only its pull variables (a base often comes from another registry).</summary>
    public static IReadOnlyList<(string User, string Password)> PullVariables { get; } =
        [OwnVariables, ("DOTNET_CONTAINER_PULL_REGISTRY_UNAME", "DOTNET_CONTAINER_PULL_REGISTRY_PWORD")];

    /// <summary>Push: the SDK's push variables, then its general ones, then the names before SDK 8.0.400.</summary>
    public static IReadOnlyList<(string User, string Password)> PushVariables { get; } =
    [
        OwnVariables,
        ("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME", "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"),
        ("DOTNET_CONTAINER_REGISTRY_UNAME", "DOTNET_CONTAINER_REGISTRY_PWORD"),
        ("SDK_CONTAINER_REGISTRY_UNAME", "SDK_CONTAINER_REGISTRY_PWORD"),
    ];

    /// <summary>This process's: DOCKER_CONFIG or ~/.docker, and its environment variables.</summary>
    public static RegistryCredentials FromEnvironment()
        => new(ConfigDirectory(Environment.GetEnvironmentVariable), Environment.GetEnvironmentVariable);

    public static string ConfigDirectory(Func<string, string?> env) => env("DOCKER_CONFIG") is { Length: > 0 } dir ? dir
        : Path.Combine(env("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    public string ConfigPath { get; } = Path.Combine(configDirectory, "config.json");

    /// <summary>The address credentials are filed under and sent with: Docker Hub's old index URL, else the host.</summary>
    public static string ServerAddress(string registry) => Host(registry) == "docker.io" ? DockerHubServer : registry;

    public async Task<CredentialLookup> FindAsync(string registry, RegistryOperation operation, CancellationToken cancellationToken)
    {
        var searched = new List<string>();
        foreach (var (user, password) in operation == RegistryOperation.Pull ? PullVariables : PushVariables)
        {
            if (environment(user) is { Length: > 0 } u && environment(password) is { Length: > 0 } p)
                return new CredentialLookup(registry, new RegistryCredential(u, p, false, $"the environment variables {user} and {password}"), searched);
            searched.Add($"the environment variables {user} and {password} (not set)");
        }

        var config = ReadConfig(searched);
        if (config is null) return new CredentialLookup(registry, null, searched);
        var host = Host(registry);
        var server = ServerAddress(registry);

        var (helper, setting) = Match(config.CredHelpers, host) is { Length: > 0 } named ? (named, "credHelpers")
            : config.CredsStore is { Length: > 0 } store ? (store, "credsStore") : (null, null);
        if (helper is not null
            && await AskHelperAsync(helper, setting!, server, searched, cancellationToken).ConfigureAwait(false) is { } fromHelper)
            return new CredentialLookup(registry, fromHelper, searched);

        var source = $"{ConfigPath} (auths)";
        var entry = Match(config.Auths, host);
        var credential = entry is null ? null : FromAuthEntry(entry, source);
        searched.Add(credential is null ? $"{source}: no entry for {server}" : $"{source}: the entry for {server}");
        return new CredentialLookup(registry, credential, searched);
    }

    ConfigFile? ReadConfig(List<string> searched)
    {
        if (!File.Exists(ConfigPath))
        {
            searched.Add($"{ConfigPath} (does not exist)");
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(ConfigPath)) ?? new ConfigFile();
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // The CLI's own file: say it is broken where credentials are reported, and carry on anonymously.
            searched.Add($"{ConfigPath} (could not be read: {e.Message})");
            return null;
        }
    }

    static RegistryCredential? FromAuthEntry(AuthEntry entry, string source)
    {
        var (user, password) = (entry.Username, entry.Password);
        if (entry.Auth is { Length: > 0 } auth)
        {
            string decoded;
            try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth)); }
            catch (FormatException) { return null; }
            var colon = decoded.IndexOf(':');
            if (colon > 0) (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        if (entry.IdentityToken is { Length: > 0 } token) return new RegistryCredential(user ?? "", token, true, source);
        return user is { Length: > 0 } && password is { Length: > 0 } ? new RegistryCredential(user, password, false, source) : null;
    }

    /// <summary>
    /// Runs <c>docker-credential-&lt;name&gt; get</c> with the server address on stdin and reads
    /// {"Username","Secret"} from stdout. Nothing secret is passed as an argument. A helper that is missing, fails or
    /// has nothing for the server is noted in <paramref name="searched"/> and the lookup goes on.
    /// </summary>
    async Task<RegistryCredential?> AskHelperAsync(string name, string setting, string server, List<string> searched, CancellationToken cancellationToken)
    {
        var program = "docker-credential-" + name;
        var where = $"the credential helper {program} ({setting} in {ConfigPath})";
        var path = FindOnPath(program);
        if (path is null)
        {
            searched.Add($"{where}: not found on PATH");
            return null;
        }

        using var process = Process.Start(HelperStart(path))!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HelperTimeout);
        try
        {
            await process.StandardInput.WriteAsync(server).ConfigureAwait(false);
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var message = FirstLine(output) ?? FirstLine(await stderr.ConfigureAwait(false)) ?? $"exit code {process.ExitCode}";
                searched.Add(message.Contains("credentials not found", StringComparison.OrdinalIgnoreCase)
                    ? $"{where}: nothing for {server}" : $"{where}: failed ({message})");
                return null;
            }
            var reply = JsonSerializer.Deserialize<HelperReply>(output);
            if (reply is not { Username.Length: > 0, Secret.Length: > 0 })
            {
                searched.Add($"{where}: nothing for {server}");
                return null;
            }
            searched.Add($"{where}: credentials for {server}");
            return new RegistryCredential(reply.Username, reply.Secret, reply.Username == TokenUser, where);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            searched.Add($"{where}: no answer within {HelperTimeout.TotalSeconds:0}s");
            return null;
        }
        catch (JsonException)
        {
            searched.Add($"{where}: its answer is not JSON");
            return null;
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    string? FindOnPath(string program)
    {
        var names = OperatingSystem.IsWindows() ? new[] { program + ".exe", program + ".cmd", program } : [program];
        foreach (var dir in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return null;
    }

    static string? FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .FirstOrDefault() is { } line ? (line.Length > 200 ? line[..200] : line) : null;

    /// <summary>An entry whose key names the host, as the CLI matches them: "https://host/v1/" and "host" alike.</summary>
    static T? Match<T>(Dictionary<string, T>? entries, string host) where T : class
        => entries?.FirstOrDefault(e => Host(e.Key) == host).Value;

    /// <summary>The host of a registry or a config key: no scheme, no path; Docker Hub's aliases as docker.io.</summary>
    static string Host(string key)
    {
        var host = key.Contains("://", StringComparison.Ordinal) ? key[(key.IndexOf("://", StringComparison.Ordinal) + 3)..] : key;
        host = host.Split('/')[0].ToLowerInvariant();
        return host is "index.docker.io" or "registry-1.docker.io" ? "docker.io" : host;
    }

    /// <summary>A helper's process: "get" as its only argument, stdin and stdout redirected, the lookup's PATH.</summary>
    ProcessStartInfo HelperStart(string path)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add("get");
        if (environment("PATH") is { } searchPath) start.Environment["PATH"] = searchPath;
        return start;
    }

    sealed class ConfigFile
    {
        [JsonPropertyName("auths")] public Dictionary<string, AuthEntry>? Auths { get; set; }
        [JsonPropertyName("credsStore")] public string? CredsStore { get; set; }
        [JsonPropertyName("credHelpers")] public Dictionary<string, string>? CredHelpers { get; set; }
    }

    sealed class AuthEntry
    {
        [JsonPropertyName("auth")] public string? Auth { get; set; }
        [JsonPropertyName("username")] public string? Username { get; set; }
        [JsonPropertyName("password")] public string? Password { get; set; }
        [JsonPropertyName("identitytoken")] public string? IdentityToken { get; set; }
    }

    sealed class HelperReply
    {
        public string? Username { get; set; }
        public string? Secret { get; set; }
    }
}
