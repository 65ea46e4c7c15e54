using System.Security.Cryptography;
using System.Text;
using ImageTasks.Backend;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Docker.Tests;

/// <summary>Finding the engine as the docker CLI does; no engine needed.</summary>
[TestClass]
public sealed class EngineEndpointTests
{
    static EngineEndpoint Resolve(Dictionary<string, string> env, params string[] files) => ResolveFor(null, env, files);

    static EngineEndpoint ResolveFor(string? localRegistry, Dictionary<string, string> env, params string[] files)
        => EngineEndpoint.Resolve(name => env.GetValueOrDefault(name), path => files.Contains(path) || File.Exists(path) && path.Contains("imagetasks-ctx"), localRegistry);

    [TestMethod]
    public void DOCKER_HOST_wins_unix_and_tcp()
    {
        Assert.AreEqual("unix:///run/user/1000/docker.sock", Resolve(new() { ["DOCKER_HOST"] = "unix:///run/user/1000/docker.sock" }).Uri.ToString());
        var tcp = Resolve(new() { ["DOCKER_HOST"] = "tcp://10.0.0.5:2375" });
        Assert.AreEqual("http://10.0.0.5:2375/", tcp.Uri.ToString());
        Assert.IsNull(tcp.TlsCertPath);
    }

    [TestMethod]
    public void TLS_variables_make_an_https_endpoint_with_the_cert_folder()
    {
        var tls = Resolve(new() { ["DOCKER_HOST"] = "tcp://engine.example:2376", ["DOCKER_TLS_VERIFY"] = "1", ["DOCKER_CERT_PATH"] = "/certs" });
        Assert.AreEqual("https", tls.Uri.Scheme);
        Assert.AreEqual("/certs", tls.TlsCertPath);
    }

    [TestMethod]
    public void A_bad_DOCKER_HOST_is_a_coded_error_naming_it()
    {
        var error = Assert.ThrowsExactly<ImageTasksException>(() => Resolve(new() { ["DOCKER_HOST"] = "ftp://nope" }));
        Assert.AreEqual(ErrorCodes.EngineUnreachable, error.Code);
        StringAssert.Contains(error.Message, "ftp://nope");
    }

    [TestMethod]
    public async Task No_engine_on_the_socket_is_IMG4001_naming_the_socket_and_where_it_came_from()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"imagetasks-none-{Guid.NewGuid():N}.sock");
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            ImageTasks.Backend.DockerBackend.ConnectAsync(new EngineEndpoint(new Uri("unix://" + socket), "test's endpoint")));
        Assert.AreEqual(ErrorCodes.EngineUnreachable, error.Code);
        StringAssert.StartsWith(error.Message, $"No container engine answers at unix://{socket} (found from the test's endpoint): ");
        StringAssert.Contains(error.Message, "Start Docker (or Podman)");
        Assert.DoesNotContain("..", error.Message, "one full stop between the cause and what to do");
    }

    [TestMethod]
    public void The_current_context_of_the_cli_config_is_used()
    {
        var dir = Directory.CreateTempSubdirectory("imagetasks-ctx-").FullName;
        File.WriteAllText(Path.Combine(dir, "config.json"), """{ "currentContext": "remote" }""");
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("remote"))).ToLowerInvariant();
        var meta = Path.Combine(dir, "contexts", "meta", id);
        Directory.CreateDirectory(meta);
        File.WriteAllText(Path.Combine(meta, "meta.json"), """{ "Name": "remote", "Endpoints": { "docker": { "Host": "tcp://192.0.2.1:2375" } } }""");
        var endpoint = Resolve(new() { ["DOCKER_CONFIG"] = dir });
        Assert.AreEqual("http://192.0.2.1:2375/", endpoint.Uri.ToString());
        StringAssert.Contains(endpoint.Source, "remote");
        Assert.AreEqual("unix:///var/run/docker.sock", Resolve(new() { ["DOCKER_CONFIG"] = dir, ["DOCKER_CONTEXT"] = "default" }, EngineEndpoint.DefaultSocket).Uri.ToString(),
            "DOCKER_CONTEXT overrides the config file");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void Without_docker_the_podman_socket_is_found()
    {
        var endpoint = Resolve(new() { ["HOME"] = "/nonexistent", ["XDG_RUNTIME_DIR"] = "/run/user/1000" }, "/run/user/1000/podman/podman.sock");
        Assert.AreEqual("unix:///run/user/1000/podman/podman.sock", endpoint.Uri.ToString());
    }

    [TestMethod]
    public void LocalRegistry_podman_prefers_podman_over_docker()
    {
        const string podman = "/run/podman/podman.sock";
        Assert.AreEqual("unix:///var/run/docker.sock", Resolve(new(), EngineEndpoint.DefaultSocket, podman).Uri.ToString());
        Assert.AreEqual("unix://" + podman, ResolveFor("Podman", new(), EngineEndpoint.DefaultSocket, podman).Uri.ToString());
        Assert.AreEqual("unix:///run/user/1000/podman/podman.sock",
            ResolveFor("podman", new() { ["CONTAINER_HOST"] = "unix:///run/user/1000/podman/podman.sock", ["DOCKER_HOST"] = "unix:///x.sock" }).Uri.ToString());
    }
}
