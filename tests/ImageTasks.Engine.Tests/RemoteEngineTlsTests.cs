using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>
/// The test bed's second engine as a remote engine: tcp://127.0.0.1:23760 with --tlsverify, reached as the docker CLI
/// reaches it (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).
/// </summary>
[TestClass]
public sealed class RemoteEngineTlsTests
{
    static readonly string Run = Guid.NewGuid().ToString("N")[..12];
    static string Tls => Path.Combine(Path.GetDirectoryName(TestBed.Engine2PidFile)!, "tls");
    static string TlsHost => Environment.GetEnvironmentVariable("IMAGETASKS_TESTBED_ENGINE2_TLS_HOST") is { Length: > 0 } host ? host : "tcp://127.0.0.1:23760";

    static EngineEndpoint Endpoint(string certs) => EngineEndpoint.Resolve(name => name switch
    {
        "DOCKER_HOST" => TlsHost,
        "DOCKER_TLS_VERIFY" => "1",
        "DOCKER_CERT_PATH" => certs,
        _ => null,
    }, File.Exists);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_build_runs_on_the_remote_engine_over_TLS()
    {
        Engine2.Start();
        var endpoint = Endpoint(Path.Combine(Tls, "client"));
        StringAssert.StartsWith(endpoint.Uri.ToString(), "https://127.0.0.1:");
        using var backend = await DockerBackend.ConnectAsync(endpoint);
        backend.ContainerNamePrefix = DockerBackend.BuildContainerPrefix + "tls-" + Run + "-";
        var options = new BuildOptions { CacheRepository = "imagetasks-test-tls-" + Run, Network = "host", StateDirectory = null, Tags = [$"imagetasks-test-tls-{Run}:v1"] };
        var definition = new ImageDefinition(ImageReference.Parse(TestBed.BasePlain), [new ShellStep([$"echo {Run} > /tls"])]);
        try
        {
            var result = await new ImageBuilder(backend).BuildAsync(definition, options, new CollectingLog(), default);
            Assert.AreEqual(1, result.Built);
            Assert.AreEqual(Run, TestBed.Docker("-H", TestBed.Engine2Host, "run", "--rm", "--entrypoint", "", $"imagetasks-test-tls-{Run}:v1", "cat", "/tls").Trim());
        }
        finally
        {
            await backend.RemoveImageAsync($"imagetasks-test-tls-{Run}:v1", default);
            await new LayerCache(backend, options.CacheRepository).PruneAsync(null, null, default);
        }
    }

    [TestMethod]
    public async Task A_client_certificate_of_another_CA_is_IMG4308_saying_what_to_check()
    {
        Engine2.Start();
        var wrong = Path.Combine(Tls, "wrong");
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => DockerBackend.ConnectAsync(Endpoint(wrong)));
        Assert.AreEqual(ErrorCodes.EngineTlsRefused, error.Code, error.Message);
        StringAssert.Contains(error.Message, Path.Combine(wrong, "cert.pem"));
        StringAssert.Contains(error.Message, "--tlscacert");
        Assert.IsFalse(error.Message.Contains("   at "), "no stack trace in the message");
    }

    [TestMethod]
    public async Task Unreadable_certificates_are_IMG4308_naming_the_folder()
    {
        using var empty = new TempFolder();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => DockerBackend.ConnectAsync(Endpoint(empty.Path)));
        Assert.AreEqual(ErrorCodes.EngineTlsRefused, error.Code, error.Message);
        StringAssert.Contains(error.Message, empty.Path);
        StringAssert.Contains(error.Message, "DOCKER_CERT_PATH");
    }

    [TestMethod]
    public async Task An_engine_certificate_not_issued_by_ca_pem_is_refused_with_IMG4308()
    {
        Engine2.Start();
        using var certs = new TempFolder();
        foreach (var file in new[] { "cert.pem", "key.pem" }) File.Copy(Path.Combine(Tls, "client", file), Path.Combine(certs.Path, file));
        File.Copy(Path.Combine(Tls, "wrong", "cert.pem"), Path.Combine(certs.Path, "ca.pem")); // another CA
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => DockerBackend.ConnectAsync(Endpoint(certs.Path)));
        Assert.AreEqual(ErrorCodes.EngineTlsRefused, error.Code, error.Message);
        StringAssert.Contains(error.Message, Path.Combine(certs.Path, "ca.pem"));
    }
}
