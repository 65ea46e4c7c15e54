using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;

namespace ImageTasks.Core.Tests;

/// <summary>The labels the engine adds to the final configuration step (ContainerGenerateLabels): the base's registry
/// digest, its name, the created time; on <see cref="FakeBackend"/>.</summary>
[TestClass]
public sealed class StandardLabelsTests
{
    const string Base = "registry.example.com/python:3.11-slim-bookworm";
    const string RegistryDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    FakeBackend _engine = null!;
    ImageInfo _base = null!;
    string _state = "";

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [TestInitialize]
    public void Start()
    {
        _engine = new FakeBackend();
        _base = _engine.AddImage(Base);
        _state = Directory.CreateTempSubdirectory("imagetasks-state-").FullName;
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_state, recursive: true);

    ImageDefinition Definition(GeneratedLabels labels, string version = "1.0", string? reference = null) =>
        new(ImageReference.Parse(reference ?? Base), [new ShellStep(["echo 1"]), new ShellStep(["echo 2"]),
            new ConfigStep { Labels = [new("org.opencontainers.image.version", version)], WorkingDirectory = "/app" }])
        { GeneratedLabels = labels };

    async Task<(BuildResult Result, IReadOnlyDictionary<string, string> Labels, RecordingLog Log)> BuildAsync(ImageDefinition definition, TimeProvider? time = null)
    {
        var log = new RecordingLog();
        var result = await new ImageBuilder(_engine).BuildAsync(definition,
            new BuildOptions { CacheRepository = "cache", StateDirectory = _state, Time = time ?? TimeProvider.System }, log, default);
        return (result, _engine.Image(result.ImageId)!.Run!.Config.Labels, log);
    }

    [TestMethod]
    public async Task The_base_digest_is_what_the_registry_holds_for_the_reference_and_created_follows_SOURCE_DATE_EPOCH()
    {
        _engine.BaseManifests[Base] = new BaseManifest(RegistryDigest, "sha256:" + new string('2', 64), _base.Id);
        var (_, labels, log) = await BuildAsync(Definition(new GeneratedLabels(DateTimeOffset.FromUnixTimeSeconds(1700000000), false, true, true)));
        Assert.AreEqual(RegistryDigest, labels[GeneratedLabels.BaseDigestLabel], "the registry's digest of the reference, not the engine's image id");
        Assert.AreEqual(Base, labels[GeneratedLabels.BaseNameLabel]);
        Assert.AreEqual("2023-11-14T22:13:20Z", labels[GeneratedLabels.CreatedLabel]);
        Assert.AreEqual("1.0", labels["org.opencontainers.image.version"]);
        Assert.AreEqual(0, log.Warnings.Count, string.Join("\n", log.Warnings));
    }

    [TestMethod]
    public async Task The_base_digest_is_asked_once_per_base_image_and_remembered_for_the_next_builds()
    {
        _engine.BaseManifests[Base] = new BaseManifest(RegistryDigest, RegistryDigest, _base.Id);
        var labels = new GeneratedLabels(null, false, true, true);
        var (_, first, _) = await BuildAsync(Definition(labels));
        var (_, edited, _) = await BuildAsync(Definition(labels, version: "2.0"));
        Assert.AreEqual(1, _engine.ManifestResolutions.Count, "the second build asks no registry");
        Assert.AreEqual(RegistryDigest, first[GeneratedLabels.BaseDigestLabel]);
        Assert.AreEqual(RegistryDigest, edited[GeneratedLabels.BaseDigestLabel]);

        // another base image under the same reference (pulled again): asked again
        _base = _engine.AddImage(Base);
        _engine.BaseManifests[Base] = new BaseManifest("sha256:" + new string('4', 64), "sha256:" + new string('4', 64), _base.Id);
        var (_, moved, _) = await BuildAsync(Definition(labels, version: "3.0"));
        Assert.AreEqual(2, _engine.ManifestResolutions.Count);
        Assert.AreEqual("sha256:" + new string('4', 64), moved[GeneratedLabels.BaseDigestLabel]);
    }

    [TestMethod]
    public async Task A_base_given_by_digest_is_its_own_label_and_asks_no_registry()
    {
        var pinned = "registry.example.com/python@" + RegistryDigest;
        _engine.AddImage(pinned);
        var (_, labels, _) = await BuildAsync(Definition(new GeneratedLabels(null, false, true, true), reference: pinned));
        Assert.AreEqual(RegistryDigest, labels[GeneratedLabels.BaseDigestLabel]);
        Assert.AreEqual(0, _engine.ManifestResolutions.Count);
    }

    [TestMethod]
    public async Task An_unreachable_registry_leaves_the_digest_out_with_IMG4320_and_a_moved_tag_with_IMG4321()
    {
        var (_, labels, log) = await BuildAsync(Definition(new GeneratedLabels(null, false, true, true)));
        Assert.IsFalse(labels.ContainsKey(GeneratedLabels.BaseDigestLabel));
        Assert.AreEqual(1, log.Warnings.Count(w => w.StartsWith(ErrorCodes.BaseDigestUnresolved + ":", StringComparison.Ordinal)), string.Join("\n", log.Warnings));
        StringAssert.Contains(log.Warnings[0], Base);

        _engine.BaseManifests[Base] = new BaseManifest(RegistryDigest, RegistryDigest, "sha256:" + new string('3', 64));
        (_, labels, log) = await BuildAsync(Definition(new GeneratedLabels(null, false, true, true)));
        Assert.IsFalse(labels.ContainsKey(GeneratedLabels.BaseDigestLabel));
        Assert.AreEqual(1, log.Warnings.Count(w => w.StartsWith(ErrorCodes.BaseDigestMismatch + ":", StringComparison.Ordinal)), string.Join("\n", log.Warnings));
    }

    [TestMethod]
    public async Task Without_SOURCE_DATE_EPOCH_created_is_the_first_build_of_the_final_configuration_so_an_unchanged_rebuild_keeps_its_image()
    {
        var clock = new FixedTime(DateTimeOffset.Parse("2026-01-02T03:04:05Z"));
        var labels = new GeneratedLabels(null, true, true, false);
        var first = await BuildAsync(Definition(labels), clock);
        Assert.AreEqual("2026-01-02T03:04:05Z", first.Labels[GeneratedLabels.CreatedLabel]);
        clock.Now = clock.Now.AddHours(5);
        var again = await BuildAsync(Definition(labels), clock);
        Assert.AreEqual(first.Result.ImageId, again.Result.ImageId, "nothing was rebuilt");
        Assert.AreEqual(first.Result.Layers.Count, again.Result.Reused);

        // an edited label rebuilds the configuration step only, which takes the new time
        var edited = await BuildAsync(Definition(labels, version: "2.0"), clock);
        CollectionAssert.AreEqual(first.Result.Layers.Select(l => l.Step.Key).SkipLast(1).ToArray(), edited.Result.Layers.Select(l => l.Step.Key).SkipLast(1).ToArray());
        CollectionAssert.AreEqual(new[] { true, true, false }, edited.Result.Layers.Select(l => l.Cached).ToArray());
        Assert.AreEqual("2026-01-02T08:04:05Z", edited.Labels[GeneratedLabels.CreatedLabel]);
        Assert.AreEqual("2.0", edited.Labels["org.opencontainers.image.version"]);
    }

    [TestMethod]
    public void The_labels_go_first_into_the_final_configuration_step_so_a_ContainerLabel_of_the_same_name_wins()
    {
        var definition = new ImageDefinition(ImageReference.Parse(Base), [new ShellStep(["true"]),
            new ConfigStep { Labels = [new(GeneratedLabels.BaseNameLabel, "mine")] }]);
        var applied = new GeneratedLabels(null, true, true, true).ApplyTo(definition, RegistryDigest);
        Assert.AreEqual(definition.Steps[0], applied.Steps[0], "step layers are untouched");
        var config = (ConfigStep)applied.Steps[^1];
        Assert.AreEqual(GeneratedLabels.CreatedLabel, config.StampedLabel);
        var merged = ImageConfigs.Apply(new ImageConfig(), config).Labels;
        Assert.AreEqual("mine", merged[GeneratedLabels.BaseNameLabel]);
        Assert.AreEqual(RegistryDigest, merged[GeneratedLabels.BaseDigestLabel]);
    }
}
