using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>
/// The engine tier's core scenarios on Podman (the test bed's `testbed.sh podman`: Podman's Docker-compatible API
/// service on a socket of its own, with a store of its own): the bases are pulled into Podman's store from the test bed
/// registry by the builder's normal pull. Everything this class makes is named for its run and removed after it.
/// Inconclusive without the test bed's Podman on a developer machine; a failure with CI=true.
/// </summary>
[TestClass]
public sealed class PodmanTests
{
    static readonly string Run = Guid.NewGuid().ToString("N")[..12];
    static readonly string CacheRepository = "imagetasks-test-podman-" + Run;
    static DockerBackend Podman = null!;

    static string PodmanHost => TestBed.PodmanHost;

    [ClassInitialize]
    public static async Task Connect(TestContext _)
    {
        try { Podman = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(PodmanHost), "test bed Podman")); }
        catch (ImageTasksException e)
        {
            var message = $"The test bed's Podman does not answer at {PodmanHost} (bash tests/testbed/testbed.sh podman starts it): {e.Message}";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
            Assert.Inconclusive(message);
        }
        Podman.ContainerNamePrefix = DockerBackend.BuildContainerPrefix + CacheRepository + "-";
    }

    [ClassCleanup]
    public static async Task Cleanup()
    {
        if (Podman is null) return;
        await new LayerCache(Podman, CacheRepository).PruneAsync(null, null, CancellationToken.None);
        foreach (var volume in PodmanCli("volume", "ls", "-q", "--filter", "name=" + CacheRepository).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            PodmanCli("volume", "rm", "-f", volume);
        Podman.Dispose();
    }

    /// <summary>The docker CLI on Podman's socket (for setting up and checking, never in the product).</summary>
    static string PodmanCli(params string[] args) => TestBed.Docker(["-H", PodmanHost, .. args]);

    static string RunInImage(string image, params string[] command)
        => PodmanCli(["run", "--rm", "--network", "host", "--entrypoint", "", image, .. command]).Trim();

    static BuildOptions Options(params string[] tags) => new()
    {
        CacheRepository = CacheRepository,
        CacheVolumePrefix = CacheRepository,
        Tags = tags,
        Network = "host", // the test bed's package index listens on 127.0.0.1
        StateDirectory = null,
    };

    static Task<BuildResult> BuildAsync(ImageDefinition definition, BuildOptions options, CollectingLog? log = null)
        => new ImageBuilder(Podman).BuildAsync(definition, options, log ?? new CollectingLog(), CancellationToken.None);

    static ImageDefinition Definition(string baseImage, params BuildStep[] steps) => new(ImageReference.Parse(baseImage), steps);

    static string Tag(string name) => $"imagetasks-test/podman-{name}:{Run}";

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void The_engine_is_recognised_as_Podman() => Assert.IsTrue(Podman.IsPodman, "the version response names a Podman Engine component");

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Apt_pip_commands_files_and_configuration_build_on_Podman_and_a_rebuild_runs_no_step()
    {
        using var folder = new TempFolder();
        folder.File("app/hello.txt", "hello from the host\n");
        folder.File("app/sub/data.txt", "data\n");
        ImageDefinition Image() => Definition(TestBed.BasePython,
            new AptStep([new AptPackage("jq")]),
            new PipStep([PipPackage.Create("imgt-greeting", "1.0.0")], new PipOptions { IndexUrl = TestBed.PypiUrl }),
            new ShellStep(["echo built on podman > /built.txt", "jq -n '{a: 1}' -c > /jq.txt"]),
            new CopyStep([new CopySource(Path.Combine(folder.Path, "app"))], "/app"),
            new ConfigStep
            {
                Environment = [new("GREETING", "a b $HOME \"q\"")],
                WorkingDirectory = "/app",
                Labels = [new("org.example.kind", "podman test")],
                Command = ["python", "-c", "print('cmd')"],
            });
        var tag = Tag("core");
        var log = new CollectingLog();
        var cold = await BuildAsync(Image(), Options(tag), log);
        Assert.AreEqual(5, cold.Built, string.Join("\n", log.Lines));
        Assert.AreEqual("""
            built on podman
            {"a":1}
            hello from the host
            data
            1.0.0
            """.ReplaceLineEndings("\n"),
            RunInImage(tag, "sh", "-c", "cat /built.txt /jq.txt hello.txt sub/data.txt && python -c 'import importlib.metadata as m; print(m.version(\"imgt-greeting\"))'"));

        var config = (await Podman.InspectImageAsync(tag, default))!.Config;
        CollectionAssert.Contains(config.Env.ToArray(), "GREETING=a b $HOME \"q\"", "the value is kept as written");
        // the README's word: Podman adds these to every container, and its commit keeps them (a change cannot remove one)
        CollectionAssert.IsSubsetOf(new[] { "TERM=xterm", "container=podman" }, config.Env.ToArray());
        Assert.AreEqual("/app", config.WorkingDir);
        Assert.AreEqual("podman test", config.Labels["org.example.kind"]);
        CollectionAssert.AreEqual(new[] { "python", "-c", "print('cmd')" }, config.Cmd!.ToArray(), "the image's command, not the last step's");
        Assert.AreEqual(0, config.Entrypoint?.Count ?? 0, "no entrypoint (the steps' cleared one is not kept)");
        Assert.AreEqual("cmd", PodmanCli("run", "--rm", tag).Trim());

        var again = await BuildAsync(Image(), Options(tag));
        Assert.AreEqual(0, again.Built, "nothing changed: no step runs");
        Assert.AreEqual(cold.ImageId, again.ImageId);
        var listed = await new LayerCache(Podman, CacheRepository).ListAsync(default);
        CollectionAssert.IsSubsetOf(cold.Layers.Select(l => l.Step.Key).ToArray(), listed.Select(l => l.Key).ToArray(), "the cache lists every layer by its key");
        PodmanCli("rmi", tag);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Steps_on_the_default_network_share_one_namespace_on_Podman_and_a_changed_step_reruns_only_itself()
    {
        ShellStep Write(string file, string text) => new([$"echo {text} > /{file}"]);
        var tag = Tag("network");
        var options = Options(tag) with { Network = null };
        var cold = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1"), Write("two", "2"), new ShellStep(["hostname > /host"])), options);
        Assert.AreEqual(3, cold.Built);
        Assert.AreEqual("1 2", RunInImage(tag, "sh", "-c", "echo $(cat /one /two)"));

        var changed = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1"), Write("two", "2b"), new ShellStep(["hostname > /host"])), options);
        CollectionAssert.AreEqual(new[] { true, false, false }, changed.Layers.Select(l => l.Cached).ToArray());
        Assert.AreEqual("1 2b", RunInImage(tag, "sh", "-c", "echo $(cat /one /two)"));
        Assert.AreEqual("", PodmanCli("ps", "-a", "-q", "--filter", "name=" + DockerBackend.BuildContainerPrefix + CacheRepository).Trim(), "no build container is left");
        PodmanCli("rmi", tag);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task An_image_built_on_Podman_is_pushed_to_the_test_bed_registry_and_pulled_back()
    {
        var repository = $"imagetasks-tests/podman-{Run}";
        var remote = $"{TestBed.Registry}/{repository}:v1";
        var built = await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {Run} > /run-id"])), Options());
        try
        {
            var log = new CollectingLog();
            var published = await Publishing.ImagePublisher.PublishAsync(Podman, built.ImageId,
                new Publishing.PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["v1"] }, log, default);
            Assert.IsNotNull(published.Digest, "the push reports the manifest's digest");
            Assert.IsTrue(log.Lines.Any(l => l.Contains("the engine does not report which layers it sent")), string.Join("\n", log.Lines));
            PodmanCli("rmi", remote);
            Assert.IsNull(await Podman.InspectImageAsync(remote, default));

            await Podman.PullImageAsync(remote, _ => { }, default);
            Assert.AreEqual(Run, RunInImage(remote, "cat", "/run-id"));
            Assert.AreEqual(built.ImageId, (await Podman.InspectImageAsync(remote, default))!.Id, "the same image came back");
        }
        finally
        {
            await Registries.DeleteAsync(TestBed.Registry, repository, "v1");
            TestBed.Run("docker", ["-H", PodmanHost, "rmi", remote]);
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Podman_pulls_from_the_shared_cache_the_layers_Docker_pushed_and_builds_only_the_changed_one()
    {
        var shared = $"{TestBed.Registry}/imagetasks-tests/cache-podman-{Run}";
        ImageDefinition Chain(string app) => Definition(TestBed.BasePlain,
            new ShellStep([$"echo {Run} > /first"]),
            new ShellStep(["dd if=/dev/urandom of=/second bs=1M count=2 2>/dev/null"]),
            new ShellStep([$"echo {app} > /app"]));
        using var docker = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        docker.ContainerNamePrefix = Podman.ContainerNamePrefix;
        var dockerCache = "imagetasks-test-podman-docker-" + Run;
        var a = await new ImageBuilder(docker).BuildAsync(Chain("app 1"),
            new BuildOptions { CacheRepository = dockerCache, Network = "host", StateDirectory = null, RemoteCache = new RemoteCacheOptions(shared, shared) },
            new CollectingLog(), default);
        try
        {
            var log = new CollectingLog();
            var b = await BuildAsync(Chain("app 2"), Options() with { RemoteCache = new RemoteCacheOptions(shared, null) }, log);
            CollectionAssert.AreEqual(new[] { LayerSource.PulledFromCache, LayerSource.PulledFromCache, LayerSource.Built }, b.Layers.Select(l => l.Source).ToArray(),
                string.Join("\n", log.Lines));
            Assert.AreEqual(a.Layers[1].ImageId, b.Layers[1].ImageId, "Podman has Docker's very image for the unchanged layers");
            Assert.AreEqual($"{Run}\napp 2", RunInImage(b.ImageId, "sh", "-c", "cat /first /app"));
        }
        finally
        {
            foreach (var layer in a.Layers) await Registries.DeleteAsync(TestBed.Registry, $"imagetasks-tests/cache-podman-{Run}", layer.Step.Key);
            await new LayerCache(docker, dockerCache).PruneAsync(null, null, CancellationToken.None);
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task LocalRegistry_podman_with_CONTAINER_HOST_reaches_Podman_even_when_DOCKER_HOST_is_set()
    {
        var environment = new Dictionary<string, string?> { ["CONTAINER_HOST"] = PodmanHost, ["DOCKER_HOST"] = TestBed.DockerHost };
        var endpoint = EngineEndpoint.Resolve(name => environment.GetValueOrDefault(name), File.Exists, "podman");
        using var backend = await DockerBackend.ConnectAsync(endpoint);
        Assert.IsTrue(backend.IsPodman);
        using var docker = await DockerBackend.ConnectAsync(EngineEndpoint.Resolve(name => environment.GetValueOrDefault(name), File.Exists));
        Assert.IsFalse(docker.IsPodman, "without LocalRegistry, DOCKER_HOST wins");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_health_check_is_IMG4401_on_Podman_naming_what_it_cannot_commit()
    {
        var log = new CollectingLog();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePlain,
            new ShellStep(["echo ran > /ran"]),
            new ConfigStep { Healthcheck = new Healthcheck(["CMD", "true"]) }), Options(), log));
        Assert.AreEqual(ErrorCodes.PodmanCommitUnsupported, error.Code);
        StringAssert.StartsWith(error.Message, "Step 2/2 (config: healthcheck CMD true): ");
        StringAssert.Contains(error.Message, "cannot record HEALTHCHECK");
        StringAssert.Contains(error.Message, "build this image on Docker");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_label_Podman_would_record_otherwise_is_IMG4402_and_not_cached()
    {
        var step = new ConfigStep { Labels = [new("quoted", "\"v\"")] };
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePlain, step), Options()));
        Assert.AreEqual(ErrorCodes.PodmanCommitMismatch, error.Code);
        StringAssert.StartsWith(error.Message, "Step 1/1 (config: labels quoted): ");
        StringAssert.Contains(error.Message, "'quoted'");
        StringAssert.Contains(error.Message, "'\"v\"' was asked");
        var baseId = (await Podman.InspectImageAsync(TestBed.BasePlain, default))!.Id;
        var key = Planning.Planner.Plan(Definition(TestBed.BasePlain, step), baseId, new Planning.FileDigester()).Steps[0].Key;
        Assert.IsNull(await Podman.InspectImageAsync($"{CacheRepository}:{key}", default), "nothing tagged for the step");
    }
}
