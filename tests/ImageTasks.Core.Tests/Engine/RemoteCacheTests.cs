using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;

namespace ImageTasks.Core.Tests;

/// <summary>The layer cache shared through a registry (ImageCacheFrom / ImageCacheTo) on two in-memory engines that
/// share one fake registry: what is looked up, pulled, pushed and reported; failures are warnings.</summary>
[TestClass]
public sealed class RemoteCacheTests
{
    const string Base = "registry.example.com/debian:bookworm";
    const string Shared = "registry.example.com/team/cache";
    FakeBackend _a = null!, _b = null!;
    string _state = "";

    [TestInitialize]
    public void Start()
    {
        _a = new FakeBackend();
        _b = new FakeBackend();
        _a.AddImage(Base);
        _b.Registry[Base] = _a.Image(Base)!.Info; // engine B pulls the same base
        _state = Directory.CreateTempSubdirectory("imagetasks-state-").FullName;
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_state, recursive: true);

    BuildOptions Options(string? from, string? to) => new() { CacheRepository = "cache", StateDirectory = _state, RemoteCache = RemoteCacheOptions.Parse(from, to) };

    static BuildStep[] Steps(string app = "app 1") => [new ShellStep(["echo apt"]), new ShellStep(["echo pip"]), new ShellStep(["echo " + app])];

    static async Task<(BuildResult Result, RecordingLog Log)> BuildAsync(FakeBackend engine, BuildOptions options, BuildStep[] steps)
    {
        var log = new RecordingLog();
        var result = await new ImageBuilder(engine).BuildAsync(new ImageDefinition(ImageReference.Parse(Base), steps), options, log, default);
        return (result, log);
    }

    /// <summary>Engine A's pushes reach engine B's registry (one registry for both).</summary>
    void Share()
    {
        foreach (var (reference, image) in _a.Registry) _b.Registry[reference] = image;
    }

    [TestMethod]
    public async Task Engine_A_pushes_every_layer_and_engine_B_pulls_the_deepest_and_builds_only_the_changed_step()
    {
        var (a, _) = await BuildAsync(_a, Options(Shared, Shared), Steps());
        CollectionAssert.AreEqual(a.Layers.Select(l => $"{Shared}:{l.Step.Key}").ToArray(), _a.Pushes.ToArray(), "every layer, bottom up");
        Share();

        var (b, log) = await BuildAsync(_b, Options(Shared, null), Steps("app 2"));
        CollectionAssert.AreEqual(new[] { LayerSource.PulledFromCache, LayerSource.PulledFromCache, LayerSource.Built }, b.Layers.Select(l => l.Source).ToArray());
        Assert.AreEqual(1, _b.Runs.Count, "only the changed step ran");
        CollectionAssert.AreEqual(new[] { Base, $"{Shared}:{a.Layers[1].Step.Key}" }, _b.Pulls.ToArray(), "the base, then one pull: the deepest entry");
        CollectionAssert.AreEqual(new[] { $"{Shared}:{b.Layers[2].Step.Key}", $"{Shared}:{a.Layers[1].Step.Key}" },
            _b.ManifestRequests.Select(r => r.Reference).ToArray(), "top down, stopping at the first entry found");
        Assert.AreEqual(a.Layers[1].ImageId, _b.Image($"cache:{a.Layers[1].Step.Key}")!.Info.Id, "the pulled layer is A's, tagged under its key");
        Assert.AreEqual(a.Layers[1].ImageId, _b.Runs[0].ParentImage, "the changed step runs on the pulled layer");
        Assert.AreEqual(0, _b.Pushes.Count, "read-only: nothing pushed");
        Assert.AreEqual(0, log.Warnings.Count, string.Join("\n", log.Warnings));
        StringAssert.Contains(log.Lines.First(l => l.StartsWith("[1/3]")), "pulled from cache");
        StringAssert.Contains(log.Lines.First(l => l.StartsWith("[3/3]")), "built");

        var (again, _) = await BuildAsync(_b, Options(Shared, null), Steps("app 2"));
        Assert.IsTrue(again.Layers.All(l => l.Source == LayerSource.Cached), "B's next build finds its layers on the engine");
        Assert.AreEqual(2, _b.ManifestRequests.Count, "a key tagged on the engine ends the lookup before any request");
    }

    [TestMethod]
    public async Task A_warm_engine_pushes_what_the_registry_lacks_and_stops_at_the_first_layer_it_holds()
    {
        var (first, _) = await BuildAsync(_a, Options(null, null), Steps());
        await BuildAsync(_a, Options(Shared, Shared), Steps());
        Assert.AreEqual(3, _a.Pushes.Count, "layers cached locally before the cache was set are pushed too");
        _a.Pushes.Clear();
        _a.ManifestRequests.Clear();
        var (changed, _) = await BuildAsync(_a, Options(Shared, Shared), Steps("app 2"));
        CollectionAssert.AreEqual(new[] { $"{Shared}:{changed.Layers[2].Step.Key}" }, _a.Pushes.ToArray());
        Assert.AreEqual(first.Layers[1].ImageId, changed.Layers[1].ImageId);
    }

    [TestMethod]
    public async Task A_registry_that_cannot_be_reached_is_one_warning_and_the_build_goes_on_locally()
    {
        _b.RegistryFailure = ErrorCodes.CacheRegistryUnreachable;
        var (b, log) = await BuildAsync(_b, Options(Shared, Shared), Steps());
        Assert.AreEqual(3, b.Built);
        Assert.AreEqual(1, _b.ManifestRequests.Count, "one lookup that failed: no more requests to that registry, not even to push");
        Assert.AreEqual(1, log.Warnings.Count(w => w.StartsWith(ErrorCodes.CacheRegistryUnreachable)), string.Join("\n", log.Warnings));
        Assert.AreEqual(0, _b.Pushes.Count);
    }

    [TestMethod]
    public async Task A_registry_slower_than_the_lookup_timeout_is_a_warning_and_the_build_goes_on_locally()
    {
        _b.ManifestDelay = TimeSpan.FromSeconds(30);
        var options = Options(Shared, null) with { RemoteCache = new RemoteCacheOptions(Shared, null) { LookupTimeout = TimeSpan.FromMilliseconds(200) } };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (b, log) = await BuildAsync(_b, options, Steps());
        Assert.IsTrue(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.AreEqual(3, b.Built);
        Assert.AreEqual(1, _b.ManifestRequests.Count, "no request after the first one timed out");
        StringAssert.Contains(log.Warnings.Single(), "did not answer within");
        StringAssert.StartsWith(log.Warnings.Single(), ErrorCodes.CacheRegistryUnreachable);
    }

    [TestMethod]
    public async Task An_entry_whose_record_is_not_its_key_is_not_used_and_the_next_one_down_is()
    {
        var (a, _) = await BuildAsync(_a, Options(null, Shared), Steps());
        Share();
        var top = $"{Shared}:{a.Layers[2].Step.Key}";
        _b.Registry[top] = _b.Registry[top] with { Comment = CacheRecord.For(a.Layers[1].Step) }; // another layer pushed under this key

        var (b, log) = await BuildAsync(_b, Options(Shared, null), Steps());
        Assert.AreEqual(1, log.Warnings.Count(w => w.StartsWith(ErrorCodes.CacheEntryMismatch)), string.Join("\n", log.Warnings));
        CollectionAssert.AreEqual(new[] { LayerSource.PulledFromCache, LayerSource.PulledFromCache, LayerSource.Built }, b.Layers.Select(l => l.Source).ToArray());
        Assert.IsNull(_b.Image(top), "the mismatching entry is not kept");
        Assert.AreNotEqual(a.Layers[2].ImageId, b.ImageId);
    }

    [TestMethod]
    public async Task Forced_steps_are_not_looked_up_and_are_pushed_again()
    {
        await BuildAsync(_a, Options(Shared, Shared), Steps());
        _a.Pushes.Clear();
        _a.ManifestRequests.Clear();
        var (forced, _) = await BuildAsync(_a, Options(Shared, Shared) with { ForceAll = true }, Steps());
        Assert.AreEqual(3, forced.Built);
        Assert.AreEqual(0, _a.ManifestRequests.Count);
        Assert.AreEqual(3, _a.Pushes.Count);
    }

    [TestMethod]
    [DataRow("registry.example.com/cache:latest")]
    [DataRow("registry.example.com/cache@sha256:0123456789012345678901234567890123456789012345678901234567890123")]
    [DataRow("Registry Example/cache")]
    public void A_cache_reference_that_is_not_a_repository_is_IMG4306(string value)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => RemoteCacheOptions.Parse(value, null));
        Assert.AreEqual(ErrorCodes.InvalidCacheReference, e.Code);
        StringAssert.Contains(e.Message, value);
        StringAssert.Contains(e.Message, "ImageCacheFrom");
    }

    [TestMethod]
    public void No_cache_reference_is_no_shared_cache() => Assert.IsNull(RemoteCacheOptions.Parse(" ", null));
}
