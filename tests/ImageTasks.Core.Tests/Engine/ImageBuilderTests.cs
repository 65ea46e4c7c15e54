using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <summary>The builder's cache skipping, tag-after-commit, force, failure, depth and base-check memory, the cache's
/// prune and the publisher's counts, on the in-memory <see cref="FakeBackend"/> (no engine).</summary>
[TestClass]
public sealed class ImageBuilderTests
{
    const string Base = "registry.example.com/debian:bookworm";
    const string Cache = "cache";
    FakeBackend _engine = null!;
    string _state = "";

    [TestInitialize]
    public void Start()
    {
        _engine = new FakeBackend();
        _engine.AddImage(Base);
        _state = Directory.CreateTempSubdirectory("imagetasks-state-").FullName;
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_state, recursive: true);

    static ShellStep Sh(string command) => new([command]);

    BuildOptions Options(params string[] tags) => new() { CacheRepository = Cache, Tags = tags, StateDirectory = _state };

    Task<BuildResult> BuildAsync(BuildOptions options, params BuildStep[] steps) =>
        new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse(Base), steps), options, new Log(), default);

    internal sealed class Log : IBuildLog
    {
        public List<string> Lines { get; } = [];
        public void Info(string message) => Lines.Add(message);
        public void StepOutput(PlannedStep step, string line) => Lines.Add($"{step.Index}: {line}");
        public void Warning(string code, string message) => Lines.Add($"{code}: {message}");
    }

    [TestMethod]
    public async Task A_step_and_the_configuration_step_over_it_are_asked_for_in_one_request_when_both_must_be_built()
    {
        ConfigStep Config(string label) => new() { Labels = [new("stage", label)] };
        var first = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 2"), Config("a"));
        Assert.AreEqual(3, first.Built);
        var (step, then) = _engine.RunsWithConfiguration.Single();
        Assert.AreEqual("echo 2", step.Command![^1]);
        Assert.AreEqual(first.Layers[1].ImageId, then.ParentImage, "the configuration goes over the step's new image");
        Assert.AreEqual("a", then.Config.Labels["stage"]);
        Assert.AreEqual(CacheRecord.For(first.Layers[2].Step), then.Comment, "with its own record");
        Assert.AreEqual(first.ImageId, _engine.Image($"{Cache}:{first.Layers[2].Step.Key}")!.Info.Id, "tagged under its own key");
        Assert.AreEqual(first.ImageId, _engine.Image("app:1")!.Info.Id);

        _engine.RunsWithConfiguration.Clear();
        var relabeled = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 2"), Config("b"));
        Assert.AreEqual(1, relabeled.Built, "only the configuration");
        Assert.AreEqual(0, _engine.RunsWithConfiguration.Count, "the step below is cached: the configuration is built alone");

        var edited = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 3"), Config("a"));
        Assert.AreEqual(2, edited.Built);
        Assert.AreEqual(1, _engine.RunsWithConfiguration.Count);

        _engine.RunsWithConfiguration.Clear();
        var forced = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 3") with { Force = true }, Config("a"));
        Assert.AreEqual(2, forced.Built, "a forced step forces the configuration over it, cached or not");
        Assert.AreEqual(1, _engine.RunsWithConfiguration.Count);
        Assert.AreEqual(forced.Layers[1].ImageId, _engine.Image(forced.ImageId)!.Run!.ParentImage);
    }

    [TestMethod]
    public async Task A_cold_build_runs_every_step_and_tags_each_layer_under_its_key_then_names_the_image()
    {
        var result = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 2"), Sh("echo 3"));
        Assert.AreEqual(3, _engine.Runs.Count);
        Assert.AreEqual(3, result.Built);
        foreach (var layer in result.Layers)
        {
            var tagged = _engine.Image($"{Cache}:{layer.Step.Key}");
            Assert.IsNotNull(tagged, "every layer is tagged under its key");
            Assert.AreEqual(layer.ImageId, tagged.Info.Id);
            CollectionAssert.AreEqual(StepCommands.Shell((ShellStep)layer.Step.Step).ToArray(), tagged.Run!.Command!.ToArray(), "the layer is the commit of its own step");
        }
        Assert.AreEqual(result.ImageId, _engine.Image("app:1")!.Info.Id);
        Assert.AreEqual(result.Layers[1].ImageId, _engine.Runs[2].ParentImage, "each step runs on the layer below");
    }

    [TestMethod]
    public async Task An_unchanged_rebuild_runs_nothing_and_an_edit_reruns_that_step_and_those_above()
    {
        var cold = await BuildAsync(Options(), Sh("echo 1"), Sh("echo 2"), Sh("echo 3"));
        var again = await BuildAsync(Options(), Sh("echo 1"), Sh("echo 2"), Sh("echo 3"));
        Assert.AreEqual(3, _engine.Runs.Count, "nothing ran again");
        Assert.AreEqual(cold.ImageId, again.ImageId);
        var edited = await BuildAsync(Options(), Sh("echo 1"), Sh("echo two"), Sh("echo 3"));
        CollectionAssert.AreEqual(new[] { true, false, false }, edited.Layers.Select(l => l.Cached).ToArray());
        Assert.AreEqual(5, _engine.Runs.Count);
    }

    [TestMethod]
    public async Task A_rebuild_asks_the_engine_for_each_keys_tag_once_before_it_builds_and_again_only_to_tag_a_new_layer()
    {
        ConfigStep Config(string label) => new() { Labels = [new("stage", label)] };
        await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo 2"), Config("a"));
        while (_engine.Inspected.TryDequeue(out _)) { }
        var edited = await BuildAsync(Options("app:1"), Sh("echo 1"), Sh("echo two"), Config("a"));
        var keys = edited.Layers.Select(l => $"{Cache}:{l.Step.Key}").ToArray();
        var asked = _engine.Inspected.Where(keys.Contains).ToArray();
        // the search asks every key's tag at once and answers the loop; the edited step's tag and the configuration's
        // are asked once more each, just before each is tagged (another build may have tagged that key meanwhile)
        var order = string.Join(", ", asked.Select(k => Array.IndexOf(keys, k)));
        CollectionAssert.AreEquivalent(keys, asked.Take(3).ToArray(), order);
        CollectionAssert.AreEqual(new[] { keys[1], keys[2] }, asked.Skip(3).ToArray(), order);
        Assert.AreEqual(2, edited.Built);
    }

    [TestMethod]
    public async Task A_failing_step_is_IMG3001_tags_nothing_and_the_next_build_resumes_there()
    {
        _engine.ExitCodeOf = run => run.Command?.Contains("exit 3") == true ? 3 : 0;
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Options("app:1"), Sh("echo ok"), Sh("exit 3"), Sh("echo after")));
        Assert.AreEqual(ErrorCodes.StepFailed, e.Code);
        StringAssert.Contains(e.Message, "Step 2/3 (run exit 3) failed with exit code 3");
        StringAssert.Contains(e.Message, "failed sh -c exit 3", "its last lines");
        Assert.AreEqual(2, _engine.Runs.Count, "no step after the failed one ran");
        var plan = Planner.Plan(new ImageDefinition(ImageReference.Parse(Base), [Sh("echo ok"), Sh("exit 3")]), _engine.Image(Base)!.Info.Id, new FileDigester());
        Assert.IsNull(_engine.Image($"{Cache}:{plan.Steps[1].Key}"), "the failed step's key is not tagged");
        Assert.IsNull(_engine.Image("app:1"), "the image is not named");

        var resumed = await BuildAsync(Options(), Sh("echo ok"), Sh("echo fixed"));
        CollectionAssert.AreEqual(new[] { true, false }, resumed.Layers.Select(l => l.Cached).ToArray());
    }

    [TestMethod]
    public async Task A_step_that_printed_nothing_says_so()
    {
        _engine.ExitCodeOf = _ => 1;
        _engine.LastLinesOf = _ => [];
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Options(), Sh("false")));
        StringAssert.Contains(e.Message, "failed with exit code 1. It printed nothing.");
    }

    [TestMethod]
    public async Task A_forced_step_runs_again_and_its_layers_replace_the_cached_ones_for_the_next_build()
    {
        var steps = new BuildStep[] { Sh("echo 1"), Sh("apt-get update"), Sh("echo 3") };
        var first = await BuildAsync(Options(), steps);
        var forced = await BuildAsync(Options(), steps[0], steps[1] with { Force = true }, steps[2]);
        CollectionAssert.AreEqual(new[] { true, false, false }, forced.Layers.Select(l => l.Cached).ToArray());
        Assert.AreNotEqual(first.ImageId, forced.ImageId);
        for (var i = 0; i < 3; i++)
            Assert.AreEqual(forced.Layers[i].ImageId, _engine.Image($"{Cache}:{forced.Layers[i].Step.Key}")!.Info.Id, $"layer {i} is under its key");

        var unforced = await BuildAsync(Options(), steps);
        Assert.AreEqual(0, unforced.Built);
        Assert.AreEqual(forced.ImageId, unforced.ImageId, "the forced result, not the layers from before it");

        var all = await BuildAsync(Options() with { ForceAll = true }, steps);
        Assert.AreEqual(3, all.Built);
    }

    [TestMethod]
    public async Task Too_deep_an_image_is_IMG1012_before_any_step_runs()
    {
        _engine.AddImage("deep:1", layers: 120);
        var steps = Enumerable.Range(0, 6).Select(i => (BuildStep)Sh($"echo {i}")).ToArray();
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse("deep:1"), steps), Options(), new Log(), default));
        Assert.AreEqual(ErrorCodes.TooManyLayers, e.Code);
        Assert.AreEqual(0, _engine.Runs.Count);
    }

    [TestMethod]
    public async Task A_missing_base_is_pulled_and_with_pull_policy_never_is_IMG4003()
    {
        var reference = "registry.example.com/other:1";
        _engine.Registry[reference] = new ImageInfo("sha256:" + new string('a', 64), [], default, 1, "linux", "amd64", new ImageConfig());
        var never = Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse(reference), [Sh("true")]), Options() with { Pull = PullPolicy.Never }, new Log(), default));
        Assert.AreEqual(ErrorCodes.BaseImageMissing, (await never).Code);
        await new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse(reference), [Sh("true")]), Options(), new Log(), default);
        CollectionAssert.AreEqual(new[] { reference }, _engine.Pulls);
    }

    [TestMethod]
    public async Task The_base_check_probes_once_per_image_and_remembers_a_pass()
    {
        _engine.ProbeAnswer = command => command.StartsWith("python -c", StringComparison.Ordinal) ? new ProbeResult(0, ["3.11"]) : new ProbeResult(0, []);
        var pip = new PipStep([PipPackage.Create("pandas")]);
        await BuildAsync(Options(), pip);
        var probes = _engine.Probes.Count;
        Assert.IsGreaterThanOrEqualTo(2, probes, "python and pip were probed");
        await BuildAsync(Options(), pip, Sh("echo more"));
        Assert.AreEqual(probes, _engine.Probes.Count, "a passed check is remembered per image id");

        var fresh = new FakeBackend();
        fresh.AddImage(Base);
        fresh.ProbeAnswer = command => command.StartsWith("python -c", StringComparison.Ordinal) ? new ProbeResult(0, ["3.6"]) : new ProbeResult(0, []);
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            new ImageBuilder(fresh).BuildAsync(new ImageDefinition(ImageReference.Parse(Base), [pip]), Options(), new Log(), default));
        Assert.AreEqual(ErrorCodes.BasePythonTooOld, e.Code);
        Assert.AreEqual(0, fresh.Runs.Count, "no step ran on a base that cannot run it");
    }

    [TestMethod]
    public async Task A_base_of_another_platform_is_IMG4101()
    {
        _engine.AddImage("arm:1", architecture: "arm64");
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse("arm:1"), [Sh("true")]), Options(), new Log(), default));
        Assert.AreEqual(ErrorCodes.BasePlatformMismatch, e.Code);
        StringAssert.Contains(e.Message, "linux/arm64");
    }

    [TestMethod]
    public async Task Prune_removes_old_layers_except_those_kept()
    {
        var result = await BuildAsync(Options(), Sh("echo 1"), Sh("echo 2"), Sh("echo 3"));
        var cache = new LayerCache(_engine, Cache);
        Assert.AreEqual(3, (await cache.ListAsync(default)).Count);
        var keep = new HashSet<string> { result.Layers[2].Step.Key };
        Assert.AreEqual(0, (await cache.PruneAsync(DateTimeOffset.UtcNow.AddDays(-1), keep, default)).Count, "nothing is older than a day");
        var removed = await cache.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), keep, default);
        CollectionAssert.AreEquivalent(result.Layers.Take(2).Select(l => l.Step.Key).ToArray(), removed.Select(l => l.Key).ToArray());
        CollectionAssert.AreEqual(new[] { result.Layers[2].Step.Key }, (await cache.ListAsync(default)).Select(l => l.Key).ToArray());
    }

    [TestMethod]
    public async Task Publish_pushes_every_tag_and_counts_each_layer_once()
    {
        var result = await BuildAsync(Options(), Sh("echo 1"), Sh("echo 2"));
        _engine.RegistryLayers.Add(_engine.Image(Base)!.Info.Id[7..19]); // the registry has the base already
        var archive = Path.Combine(_state, "out", "app.tar");
        var published = await ImagePublisher.PublishAsync(_engine, result.ImageId,
            new PublishOptions { Registry = "registry.example.com", Repository = "team/app", Tags = ["1.0", "latest"], ArchivePath = archive }, new Log(), default);
        CollectionAssert.AreEqual(new[] { "registry.example.com/team/app:1.0", "registry.example.com/team/app:latest" }, _engine.Pushes);
        Assert.AreEqual(2, published.LayersPushed, "the two built layers, once though pushed under two tags");
        Assert.AreEqual(1, published.LayersSkipped, "the base, already in the registry");
        Assert.AreEqual(result.ImageId, _engine.Image("registry.example.com/team/app:1.0")!.Info.Id);
        StringAssert.Contains(File.ReadAllText(archive), "registry.example.com/team/app:latest " + result.ImageId);
        Assert.AreEqual(0, Directory.GetFiles(Path.GetDirectoryName(archive)!, "*.tmp").Length, "no temp file left");
    }
}
