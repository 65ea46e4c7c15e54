using System.Net;
using System.Net.Sockets;
using ImageTasks.Backend;
using ImageTasks.Backend.Registry;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>
/// The layer cache shared through a registry, on the test bed: the main engine (A) builds with the cache read-write to
/// the test bed registry, the second engine (B: its own store, only the plain Debian base) builds the same definition
/// read-only and pulls. Every repository, tag and image is named for this run and removed after it.
/// </summary>
[TestClass]
public sealed class SharedCacheTests : EngineFixture
{
    static readonly string Run = Guid.NewGuid().ToString("N")[..12];

    /// <summary>A registry repository of this run (localhost:5000/imagetasks-tests/cache-&lt;run&gt;-&lt;name&gt;).</summary>
    static string SharedRepository(string name, string? registry = null) => $"{registry ?? TestBed.Registry}/imagetasks-tests/cache-{Run}-{name}";

    static ImageDefinition Chain(string app) => Definition(TestBed.BasePlain,
        new ShellStep([$"echo {Run} > /first"]),
        new ShellStep(["dd if=/dev/urandom of=/second bs=1M count=4 2>/dev/null"]),
        new ShellStep([$"echo {app} > /app"]));

    static string[] DiffIds(string? host, string image)
    {
        var text = TestBed.Docker([.. host is null ? [] : new[] { "-H", host }, "image", "inspect", "-f", "{{range .RootFS.Layers}}{{.}} {{end}}", image]);
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    static async Task<DockerBackend> Engine2Async()
    {
        Engine2.Start();
        var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.Engine2Host), "test bed engine 2"));
        backend.ContainerNamePrefix = DockerBackend.BuildContainerPrefix + "cache-" + Run + "-";
        return backend;
    }

    static async Task<bool> InRegistryAsync(string reference, DockerBackend? backend = null) =>
        await (backend ?? Backend).ManifestExistsAsync(reference, false, default);

    static async Task DeleteAsync(string repository, IEnumerable<string> keys, (string, string)? login = null)
    {
        var image = ImageReference.Parse(repository);
        foreach (var key in keys) await Registries.DeleteAsync(image.Registry, image.Repository, key, login);
    }

    static string[] Warnings(CollectingLog log, string code) => log.Lines.Where(l => l.StartsWith($"warning {code}:", StringComparison.Ordinal)).ToArray();

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task Engine_B_pulls_every_unchanged_layer_that_engine_A_pushed_with_the_same_diff_ids_and_runs_it()
    {
        var shared = SharedRepository("ab");
        var localB = $"imagetasks-test-cache-{Run}-b";
        using var engineB = await Engine2Async();
        var a = await BuildAsync(Chain("app 1"), Options() with { RemoteCache = new RemoteCacheOptions(shared, shared) });
        try
        {
            Assert.AreEqual(3, a.Built);
            foreach (var layer in a.Layers) Assert.IsTrue(await InRegistryAsync($"{shared}:{layer.Step.Key}"), $"step {layer.Step.Index + 1} pushed under its key");

            var log = new CollectingLog();
            var b = await new ImageBuilder(engineB).BuildAsync(Chain("app 2"),
                new BuildOptions { CacheRepository = localB, Network = "host", StateDirectory = null, RemoteCache = new RemoteCacheOptions(shared, null) }, log, default);

            CollectionAssert.AreEqual(new[] { LayerSource.PulledFromCache, LayerSource.PulledFromCache, LayerSource.Built }, b.Layers.Select(l => l.Source).ToArray(),
                string.Join("\n", log.Lines));
            Assert.AreEqual(2, log.Lines.Count(l => l.Contains(" pulled from cache ")), string.Join("\n", log.Lines));
            Assert.AreEqual(a.Layers[1].ImageId, b.Layers[1].ImageId, "B has A's very image for the unchanged layers");
            var aLayers = DiffIds(null, a.Layers[1].ImageId);
            CollectionAssert.AreEqual(aLayers, DiffIds(TestBed.Engine2Host, b.Layers[1].ImageId), "the same layer diff ids");
            Assert.AreEqual(string.Join(" ", aLayers), string.Join(" ", DiffIds(TestBed.Engine2Host, b.ImageId).Take(aLayers.Length)), "B's image is built on them");
            Assert.AreEqual($"{Run}\napp 2", TestBed.Docker("-H", TestBed.Engine2Host, "run", "--rm", "--entrypoint", "", b.ImageId, "sh", "-c", "cat /first /app").Trim());
            Assert.IsFalse(await InRegistryAsync($"{shared}:{b.Layers[2].Step.Key}"), "read-only: B pushed nothing");
            Assert.AreEqual(0, log.Lines.Count(l => l.StartsWith("warning", StringComparison.Ordinal)), string.Join("\n", log.Lines));
        }
        finally
        {
            await new LayerCache(engineB, localB).PruneAsync(null, null, default);
            await DeleteAsync(shared, a.Layers.Select(l => l.Step.Key));
        }
    }

    [TestMethod]
    public async Task A_cache_registry_on_a_closed_port_is_a_warning_and_the_build_goes_on_locally()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var shared = $"localhost:{port}/imagetasks-tests/cache-{Run}-down";
        var log = new CollectingLog();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {Run} down > /down"])),
            Options() with { RemoteCache = new RemoteCacheOptions(shared, shared) }, log);
        Assert.AreEqual(1, result.Built);
        var warnings = Warnings(log, ErrorCodes.CacheRegistryUnreachable);
        Assert.AreEqual(1, warnings.Length, string.Join("\n", log.Lines)); // the lookup; no push is tried on a registry that failed
        StringAssert.Contains(warnings[0], $"localhost:{port}");
        StringAssert.Contains(warnings[0], "ImageCacheFrom");
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [TestMethod]
    public async Task An_entry_whose_record_is_not_its_key_is_ignored_with_a_warning()
    {
        var shared = SharedRepository("mismatch");
        var definition = Definition(TestBed.BasePlain, new ShellStep([$"echo {Run} one > /one"]), new ShellStep([$"echo {Run} two > /two"]));
        var a = await BuildAsync(definition, Options() with { RemoteCache = new RemoteCacheOptions(null, shared) });
        var wrong = $"{shared}:{a.Layers[1].Step.Key}";
        try
        {
            // the second key's tag now holds the first layer: its record names the first key
            TestBed.Docker("tag", a.Layers[0].ImageId, wrong);
            TestBed.Docker("push", wrong);
            TestBed.Docker("rmi", wrong);

            var log = new CollectingLog();
            var fresh = Options() with { CacheRepository = CacheRepository + "-fresh", RemoteCache = new RemoteCacheOptions(shared, null) };
            var b = await BuildAsync(definition, fresh, log);
            var warning = Warnings(log, ErrorCodes.CacheEntryMismatch).Single();
            StringAssert.Contains(warning, wrong);
            StringAssert.Contains(warning, a.Layers[0].Step.Key, "what the entry records");
            CollectionAssert.AreEqual(new[] { LayerSource.PulledFromCache, LayerSource.Built }, b.Layers.Select(l => l.Source).ToArray());
            Assert.AreEqual("two", RunInImage(b.ImageId, "sh", "-c", "cat /two").Split(' ').Last());
            await new LayerCache(Backend, fresh.CacheRepository).PruneAsync(null, null, default);
        }
        finally { await DeleteAsync(shared, a.Layers.Select(l => l.Step.Key)); }
    }

    [TestMethod]
    public async Task The_htpasswd_registry_works_with_credentials_from_the_variables_and_the_password_shows_nowhere()
    {
        var shared = SharedRepository("auth", TestBed.AuthRegistry);
        var (user, password) = (Registries.AuthUser, Registries.AuthPassword);
        using var config = new TempFolder();
        using var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        backend.Credentials = new RegistryCredentials(config.Path, name => name == RegistryCredentials.OwnVariables.User ? user
            : name == RegistryCredentials.OwnVariables.Password ? password : null);
        var definition = Definition(TestBed.BasePlain, new ShellStep([$"echo {Run} auth > /auth"]));
        var logs = new[] { new CollectingLog(), new CollectingLog() };
        var a = await new ImageBuilder(backend).BuildAsync(definition, Options() with { RemoteCache = new RemoteCacheOptions(shared, shared) }, logs[0], default);
        try
        {
            Assert.IsTrue(await InRegistryAsync($"{shared}:{a.Layers[0].Step.Key}", backend));
            var fresh = Options() with { CacheRepository = CacheRepository + "-auth", RemoteCache = new RemoteCacheOptions(shared, null) };
            var b = await new ImageBuilder(backend).BuildAsync(definition, fresh, logs[1], default);
            Assert.AreEqual(LayerSource.PulledFromCache, b.Layers[0].Source, string.Join("\n", logs[1].Lines));
            foreach (var line in logs.SelectMany(l => l.Lines))
            {
                Assert.IsFalse(line.StartsWith("warning", StringComparison.Ordinal), line);
                Assert.IsFalse(line.Contains(password) || line.Contains(Registries.Base64($"{user}:{password}")), $"the password leaked into: {line}");
            }
            await new LayerCache(Backend, fresh.CacheRepository).PruneAsync(null, null, default);

            // without credentials: a coded warning naming the registry, and a local build
            using var anonymous = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
            anonymous.Credentials = new RegistryCredentials(config.Path, _ => null);
            var log = new CollectingLog();
            await new ImageBuilder(anonymous).BuildAsync(definition, fresh, log, default);
            StringAssert.Contains(Warnings(log, ErrorCodes.CacheRegistryRefused).Single(), TestBed.AuthRegistry);
            await new LayerCache(Backend, fresh.CacheRepository).PruneAsync(null, null, default);
        }
        finally { await DeleteAsync(shared, a.Layers.Select(l => l.Step.Key), (user, password)); }
    }
}
