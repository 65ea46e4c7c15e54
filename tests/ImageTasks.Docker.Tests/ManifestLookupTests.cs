using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageTasks.Backend.Registry;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>
/// Manifest requests of the shared layer cache against a registry played by an HttpListener on loopback (plain HTTP,
/// which a loopback registry may be): a Bearer token realm as Docker Hub and GHCR ask for one, 404, 401, a closed port.
/// </summary>
[TestClass]
public sealed class ManifestLookupTests
{
    const string User = "robot", Secret = "s3cret-value";

    /// <summary>A registry that wants a Bearer token from its realm, which wants Basic credentials: requests are logged.</summary>
    sealed class TokenRegistry : IDisposable
    {
        readonly HttpListener _listener = new();
        public int Port { get; }
        public List<string> Requests { get; } = [];
        /// <summary>What GET answers for a path (a manifest or an index).</summary>
        public Dictionary<string, byte[]> Bodies { get; } = new(StringComparer.Ordinal);

        public TokenRegistry()
        {
            Port = FreePort();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception) { return; }
                var request = context.Request;
                var authorization = request.Headers["Authorization"] ?? "";
                lock (Requests) Requests.Add($"{request.HttpMethod} {request.Url!.PathAndQuery} {authorization.Split(' ')[0]}");
                var response = context.Response;
                if (request.Url.AbsolutePath == "/token")
                {
                    var ok = authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Secret}"));
                    response.StatusCode = ok ? 200 : 401;
                    if (ok) await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("{\"token\":\"the-token\"}"));
                }
                else if (authorization != "Bearer the-token")
                {
                    response.StatusCode = 401;
                    response.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://127.0.0.1:{Port}/token\",service=\"test-registry\",scope=\"repository:team/cache:pull\"");
                }
                else if (Bodies.TryGetValue(request.Url.AbsolutePath, out var body))
                {
                    response.StatusCode = 200;
                    await response.OutputStream.WriteAsync(body);
                }
                else response.StatusCode = request.Url.AbsolutePath.EndsWith("/manifests/present", StringComparison.Ordinal) ? 200 : 404;
                response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }

    [TestMethod]
    public async Task A_manifest_request_of_the_registry_client_to_a_closed_port_is_IMG4330_naming_the_registry()
    {
        using var config = new TempFolder();
        var port = FreePort();
        var client = new RegistryClient(new RegistryCredentials(config.Path, name => name == RegistryCredentials.OwnVariables.Password ? Secret : name == RegistryCredentials.OwnVariables.User ? User : null));
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => client.GetManifestAsync($"localhost:{port}/team/base:1", default));
        Assert.AreEqual(ErrorCodes.IndexRegistryUnreachable, error.Code);
        StringAssert.Contains(error.Message, $"localhost:{port}");
        StringAssert.Contains(error.Message, "build again");
        Assert.IsFalse(error.ToString().Contains(Secret));
    }

    static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    static ManifestLookup Lookup(TempFolder config, bool withCredentials) => new(new RegistryCredentials(config.Path, name =>
        !withCredentials ? null : name == RegistryCredentials.OwnVariables.User ? User : name == RegistryCredentials.OwnVariables.Password ? Secret : null));

    [TestMethod]
    public async Task A_bearer_realm_gets_a_token_with_the_credentials_and_the_answer_is_found_or_not()
    {
        using var registry = new TokenRegistry();
        using var config = new TempFolder();
        var lookup = Lookup(config, withCredentials: true);
        Assert.IsTrue(await lookup.ExistsAsync($"127.0.0.1:{registry.Port}/team/cache:present", RegistryOperation.Pull, default));
        Assert.IsFalse(await lookup.ExistsAsync($"127.0.0.1:{registry.Port}/team/cache:absent", RegistryOperation.Pull, default));
        CollectionAssert.Contains(registry.Requests, "GET /token?scope=repository%3Ateam%2Fcache%3Apull&service=test-registry Basic");
        CollectionAssert.Contains(registry.Requests, "HEAD /v2/team/cache/manifests/present Bearer");
    }

    [TestMethod]
    public async Task Without_credentials_a_refusal_is_IMG4302_naming_the_registry_and_what_to_do()
    {
        using var registry = new TokenRegistry();
        using var config = new TempFolder();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            Lookup(config, withCredentials: false).ExistsAsync($"127.0.0.1:{registry.Port}/team/cache:present", RegistryOperation.Pull, default));
        Assert.AreEqual(ErrorCodes.CacheRegistryRefused, error.Code);
        StringAssert.Contains(error.Message, $"127.0.0.1:{registry.Port}");
        StringAssert.Contains(error.Message, "docker login");
    }

    [TestMethod]
    public async Task A_closed_port_is_IMG4301_and_no_secret_is_in_the_message()
    {
        using var config = new TempFolder();
        var port = FreePort();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            Lookup(config, withCredentials: true).ExistsAsync($"localhost:{port}/team/cache:x", RegistryOperation.Push, default));
        Assert.AreEqual(ErrorCodes.CacheRegistryUnreachable, error.Code);
        StringAssert.Contains(error.Message, $"localhost:{port}");
        Assert.IsFalse(error.ToString().Contains(Secret));
    }

    static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();

    [TestMethod]
    public async Task A_tag_resolves_to_the_digest_of_what_the_registry_answers_and_the_platforms_image_in_an_index()
    {
        using var registry = new TokenRegistry();
        using var config = new TempFolder();
        var config1 = "sha256:" + new string('c', 64);
        var amd64 = Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"{{config1}}","size":1},"layers":[]}""");
        var index = Encoding.UTF8.GetBytes($$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
              {"digest":"sha256:{{{new string('a', 64)}}}","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
              {"digest":"{{{Digest(amd64)}}}","size":{{{amd64.Length}}},"platform":{"os":"linux","architecture":"amd64"}}]}
            """);
        registry.Bodies["/v2/team/base/manifests/3.11"] = index;
        registry.Bodies[$"/v2/team/base/manifests/{Digest(amd64)}"] = amd64;
        registry.Bodies["/v2/team/single/manifests/1"] = amd64;
        var lookup = Lookup(config, withCredentials: true);

        var resolved = await lookup.ResolveAsync($"127.0.0.1:{registry.Port}/team/base:3.11", "linux/amd64", default);
        Assert.AreEqual(new ImageTasks.Engine.BaseManifest(Digest(index), Digest(amd64), config1), resolved);
        var single = await lookup.ResolveAsync($"127.0.0.1:{registry.Port}/team/single:1", "linux/amd64", default);
        Assert.AreEqual(new ImageTasks.Engine.BaseManifest(Digest(amd64), Digest(amd64), config1), single);
        CollectionAssert.Contains(registry.Requests, "GET /v2/team/base/manifests/3.11 Bearer");

        var missing = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => lookup.ResolveAsync($"127.0.0.1:{registry.Port}/team/base:3.11", "linux/s390x", default));
        Assert.AreEqual(ErrorCodes.CacheRegistryRefused, missing.Code);
        StringAssert.Contains(missing.Message, "linux/s390x");
        var absent = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => lookup.ResolveAsync($"127.0.0.1:{registry.Port}/team/base:9", "linux/amd64", default));
        StringAssert.Contains(absent.Message, "404");
    }

    [TestMethod]
    public void Challenge_parameters_and_loopback_hosts_are_read_as_the_engine_reads_them()
    {
        var parameters = RegistryHttp.Parameters("realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=repository:library/ubuntu:pull");
        Assert.AreEqual("https://auth.docker.io/token", parameters["realm"]);
        Assert.AreEqual("registry.docker.io", parameters["service"]);
        Assert.AreEqual("repository:library/ubuntu:pull", parameters["scope"]);
        foreach (var host in new[] { "localhost:5000", "127.0.0.1", "127.1.2.3:80", "[::1]:5000" }) Assert.IsTrue(RegistryHttp.IsLoopback(host), host);
        foreach (var host in new[] { "ghcr.io", "10.0.0.1:5000", "localhost.example.com" }) Assert.IsFalse(RegistryHttp.IsLoopback(host), host);
    }
}
