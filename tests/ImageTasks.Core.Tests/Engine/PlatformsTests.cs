using System.Text;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <summary>Several platforms without an engine: keys per platform (linux/amd64's unchanged), the base pulled by its
/// platform's digest from its index, steps created on their platform, the index written, archive names.</summary>
[TestClass]
public sealed class PlatformsTests
{
    const string Base = "registry.example.com/debian:bookworm";
    const string BaseId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const string Amd64Digest = "sha256:aaaa000000000000000000000000000000000000000000000000000000000000";
    const string Arm64Digest = "sha256:bbbb000000000000000000000000000000000000000000000000000000000000";

    static string[] Keys(string? platform, params BuildStep[] steps) =>
        Planner.Plan(new ImageDefinition(ImageReference.Parse("python:3.12-slim"), steps), BaseId, new FileDigester(),
            platform is null ? null : new PlanOptions { Platform = platform }).Steps.Select(s => s.Key).ToArray();

    [TestMethod]
    public void Linux_amd64_keys_are_the_keys_of_before_platforms_so_existing_caches_stay_valid()
    {
        var step = new ShellStep(["echo hello"]);
        // the pinned key of PlannerTests (no platform field): the same with linux/amd64 given, in any case
        Assert.AreEqual("49f869ef834b441929f6b7bf48b26bfcfc749eb01ded65bbc3e95b1bd2c7dd7a", Keys(null, step)[0]);
        Assert.AreEqual(Keys(null, step)[0], Keys("linux/amd64", step)[0]);
        Assert.AreEqual(Keys(null, step)[0], Keys("LINUX/AMD64", step)[0]);
    }

    [TestMethod]
    public void Every_key_of_another_platform_carries_it()
    {
        BuildStep[] steps = [new AptStep([new AptPackage("jq")]), new PipStep([PipPackage.Create("numpy")]), new ShellStep(["uname -m"])];
        var amd64 = Keys("linux/amd64", steps);
        var arm64 = Keys("linux/arm64", steps);
        var arm = Keys("linux/arm/v7", steps);
        for (var i = 0; i < steps.Length; i++)
        {
            Assert.AreNotEqual(amd64[i], arm64[i], $"step {i}");
            Assert.AreNotEqual(arm64[i], arm[i], $"step {i}");
        }
        // SHA-256 of the length-prefixed fields "imagetasks-layer-v2", the base id, "platform", "linux/arm64", "sh", "1",
        // "echo hello", "0"; checked with Python's hashlib
        Assert.AreEqual("b639785b95a56b9366ed9fbbb7f6d11f7bdb28051dc3010586b57f8c858e7582", Keys("linux/arm64", new ShellStep(["echo hello"]))[0]);
    }

    static byte[] Index(params (string Platform, string Digest)[] entries) =>
        ImageIndex.Write(ImageIndex.DockerManifestList, entries.Select(e => new IndexEntry("application/vnd.docker.distribution.manifest.v2+json", e.Digest, 500, e.Platform)).ToArray());

    [TestMethod]
    public void An_index_is_written_in_order_and_read_back_and_a_platform_found_by_os_arch_and_variant()
    {
        var json = Index(("linux/amd64", Amd64Digest), ("linux/arm64", Arm64Digest), ("linux/arm/v7", "sha256:cc"));
        var text = Encoding.UTF8.GetString(json);
        StringAssert.Contains(text, "\"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\"");
        StringAssert.Contains(text, "\"variant\": \"v7\"");
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64", "linux/arm/v7" }, ImageIndex.Read(json).Select(e => e.Platform).ToArray());
        Assert.AreEqual(Arm64Digest, ImageIndex.Find(json, "linux/arm64"));
        Assert.AreEqual("sha256:cc", ImageIndex.Find(json, "linux/arm/v7"));
        Assert.IsNull(ImageIndex.Find(json, "linux/arm/v6"));
        Assert.IsNull(ImageIndex.Find(json, "linux/s390x"));
        Assert.IsTrue(ImageIndex.Matches("linux/arm64/v8", "linux/arm64"), "a variant listed but not asked for");
        Assert.IsTrue(ImageIndex.IsIndex(ImageIndex.OciIndex));
        Assert.IsFalse(ImageIndex.IsIndex("application/vnd.docker.distribution.manifest.v2+json"));
    }

    static (FakeBackend Engine, string State) EngineWithIndexedBase()
    {
        var engine = new FakeBackend();
        engine.AddImage(Base); // the engine's tag: amd64, left alone
        engine.Manifests[Base] = new RegistryManifest(ImageIndex.DockerManifestList, "sha256:index", Index(("linux/amd64", Amd64Digest), ("linux/arm64", Arm64Digest)));
        engine.Registry[$"registry.example.com/debian@{Arm64Digest}"] = new ImageInfo("sha256:" + new string('2', 64), [], DateTimeOffset.UtcNow, 1000, "linux", "arm64", new ImageConfig()) { LayerCount = 1 };
        return (engine, Directory.CreateTempSubdirectory("imagetasks-state-").FullName);
    }

    static Task<BuildResult> BuildAsync(FakeBackend engine, string state, string platform, bool several, params BuildStep[] steps) =>
        new ImageBuilder(engine).BuildAsync(new ImageDefinition(ImageReference.Parse(Base), steps),
            new BuildOptions { CacheRepository = "cache", StateDirectory = state, Platform = platform, OneOfSeveralPlatforms = several }, new ImageBuilderTests.Log(), default);

    [TestMethod]
    public async Task One_platform_of_several_pulls_the_base_by_its_digest_in_the_index_and_creates_its_steps_on_that_platform()
    {
        var (engine, state) = EngineWithIndexedBase();
        try
        {
            var result = await BuildAsync(engine, state, "linux/arm64", several: true, new ShellStep(["uname -m"]));
            CollectionAssert.AreEqual(new[] { $"registry.example.com/debian@{Arm64Digest}" }, engine.Pulls, "pulled by digest: the engine's tag of the base keeps its platform");
            Assert.AreEqual("sha256:" + new string('2', 64), result.BaseImageId);
            Assert.AreEqual("linux/arm64", engine.Runs.Single().Platform);
            Assert.AreEqual("amd64", engine.Image(Base)!.Info.Architecture, "the base's tag is not moved");
        }
        finally { Directory.Delete(state, true); }
    }

    [TestMethod]
    public async Task A_linux_amd64_build_creates_its_steps_as_before_without_a_platform()
    {
        var (engine, state) = EngineWithIndexedBase();
        try
        {
            await BuildAsync(engine, state, "linux/amd64", several: false, new ShellStep(["true"]));
            Assert.IsNull(engine.Runs.Single().Platform);
            Assert.AreEqual(0, engine.Pulls.Count, "a single platform uses the base by its tag, as before");
        }
        finally { Directory.Delete(state, true); }
    }

    [TestMethod]
    public async Task A_base_whose_index_lacks_the_platform_is_IMG4333_naming_what_it_has()
    {
        var (engine, state) = EngineWithIndexedBase();
        try
        {
            var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(engine, state, "linux/arm/v7", several: true, new ShellStep(["true"])));
            Assert.AreEqual(ErrorCodes.BasePlatformMissing, e.Code);
            StringAssert.Contains(e.Message, "linux/arm/v7");
            StringAssert.Contains(e.Message, "linux/amd64, linux/arm64");
            Assert.AreEqual(0, engine.Runs.Count, "nothing ran");
        }
        finally { Directory.Delete(state, true); }
    }

    [TestMethod]
    public async Task A_step_failing_on_one_platform_of_several_names_the_platform()
    {
        var (engine, state) = EngineWithIndexedBase();
        engine.ExitCodeOf = run => run.Platform == "linux/arm64" ? 2 : 0;
        try
        {
            var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(engine, state, "linux/arm64", several: true, new ShellStep(["make"])));
            Assert.AreEqual(ErrorCodes.StepFailed, e.Code);
            StringAssert.Contains(e.Message, "failed with exit code 2 on linux/arm64 (the image of that platform only)");
        }
        finally { Directory.Delete(state, true); }
    }

    [TestMethod]
    public async Task The_index_lists_each_platform_image_pushed_under_its_suffixed_tag_and_goes_under_every_plain_tag()
    {
        var engine = new FakeBackend();
        var x64 = new RegistryManifest("application/vnd.docker.distribution.manifest.v2+json", Amd64Digest, new byte[321]);
        var arm64 = new RegistryManifest("application/vnd.docker.distribution.manifest.v2+json", Arm64Digest, new byte[123]);
        engine.Manifests["localhost:5000/team/app:v1-linux-x64"] = x64;
        engine.Manifests["localhost:5000/team/app:v1-linux-arm64"] = arm64;
        var digest = await IndexPublisher.PublishAsync(engine, "localhost:5000", "team/app", ["v1", "stable"],
            [new PlatformImage("linux-x64", "linux/amd64"), new PlatformImage("linux-arm64", "linux/arm64")], ImageIndex.OciIndex, new ImageBuilderTests.Log(), default);
        CollectionAssert.AreEqual(new[] { "localhost:5000/team/app:v1", "localhost:5000/team/app:stable" }, engine.ManifestPuts.Select(p => p.Reference).ToArray());
        var put = engine.ManifestPuts[0];
        Assert.AreEqual(ImageIndex.OciIndex, put.MediaType, "the media type is the caller's");
        Assert.AreEqual(digest, engine.Manifests["localhost:5000/team/app:v1"].Digest);
        CollectionAssert.AreEqual(new[] { ("linux/amd64", Amd64Digest), ("linux/arm64", Arm64Digest) }, ImageIndex.Read(put.Content).ToArray());
        StringAssert.Contains(Encoding.UTF8.GetString(put.Content), "\"size\": 321");
    }

    [TestMethod]
    public async Task A_platform_image_missing_from_the_registry_is_IMG4332_and_no_index_is_written()
    {
        var engine = new FakeBackend();
        engine.Manifests["localhost:5000/app:latest-linux-x64"] = new RegistryManifest("application/vnd.docker.distribution.manifest.v2+json", Amd64Digest, new byte[1]);
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => IndexPublisher.PublishAsync(engine, "localhost:5000", "app", ["latest"],
            [new PlatformImage("linux-x64", "linux/amd64"), new PlatformImage("linux-arm64", "linux/arm64")], ImageIndex.DockerManifestList, new ImageBuilderTests.Log(), default));
        Assert.AreEqual(ErrorCodes.PlatformImageMissing, e.Code);
        StringAssert.Contains(e.Message, "localhost:5000/app:latest-linux-arm64");
        Assert.AreEqual(0, engine.ManifestPuts.Count);
    }

    [TestMethod]
    public void Each_platform_writes_its_own_archive()
    {
        var folder = Path.GetTempPath();
        Assert.AreEqual(Path.Combine(folder, "team-app-linux-arm64.tar.gz"), ImagePublisher.ArchiveFile(folder, "team/app", "linux-arm64"));
        Assert.AreEqual(Path.GetFullPath("/out/app-linux-x64.tar.gz"), ImagePublisher.ArchiveFile("/out/app.tar.gz", "app", "linux-x64"));
        Assert.AreEqual(Path.GetFullPath("/out/app-linux-x64.tar"), ImagePublisher.ArchiveFile("/out/app.tar", "app", "linux-x64"));
        Assert.AreEqual(Path.GetFullPath("/out/image-linux-x64"), ImagePublisher.ArchiveFile("/out/image", "app", "linux-x64"));
        Assert.AreEqual(Path.GetFullPath("/out/app.tar.gz"), ImagePublisher.ArchiveFile("/out/app.tar.gz", "app"), "one platform: the name as given");
    }
}
