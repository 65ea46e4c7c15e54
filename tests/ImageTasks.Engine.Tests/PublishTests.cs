using ImageTasks.Definition;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>Publishing a built image: push to the test bed's registry with several tags, and the archive output.</summary>
[TestClass]
public sealed class PublishTests : EngineFixture
{
    /// <summary>Builds a one-layer image holding /marker with a text of its own; returns its id and the text.</summary>
    static async Task<(string ImageId, string Marker)> BuildMarkedAsync()
    {
        var marker = "published-" + Guid.NewGuid().ToString("N")[..12];
        var result = await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {marker} > /marker"])));
        return (result.ImageId, marker);
    }

    static string Repository(string what) => $"imagetasks-tests/{what}-{Guid.NewGuid():N}";

    [TestMethod]
    public async Task Pushes_every_tag_and_the_image_pulls_and_runs_after_removing_it_locally()
    {
        var (id, marker) = await BuildMarkedAsync();
        var repository = Repository("push");
        var options = new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["1.0", "latest"] };
        var log = new CollectingLog();
        try
        {
            var result = await ImagePublisher.PublishAsync(Backend, id, options, log, default);
            CollectionAssert.AreEqual(new[] { $"{TestBed.Registry}/{repository}:1.0", $"{TestBed.Registry}/{repository}:latest" }, result.Pushed.ToArray());
            Assert.IsTrue(result.LayersPushed >= 1, "the built layer is new to the registry");
            StringAssert.StartsWith(result.Digest, "sha256:");
            Assert.IsTrue(log.Lines.Any(l => l.Contains($"{result.LayersPushed} layers pushed, {result.LayersSkipped} skipped")), string.Join("\n", log.Lines));

            TestBed.Docker("rmi", "-f", id);
            Assert.IsNull(await Backend.InspectImageAsync(id, default), "gone from the engine before the pull");
            foreach (var tag in options.Tags)
            {
                TestBed.Docker("pull", "-q", $"{TestBed.Registry}/{repository}:{tag}");
                Assert.AreEqual(marker, TestBed.Docker("run", "--rm", $"{TestBed.Registry}/{repository}:{tag}", "cat", "/marker").Trim());
            }
        }
        finally
        {
            await CleanUpAsync(repository, options.Tags);
        }
    }

    [TestMethod]
    public async Task Pushing_the_same_image_again_skips_every_layer()
    {
        var (id, _) = await BuildMarkedAsync();
        var repository = Repository("again");
        var options = new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["v1"] };
        try
        {
            var first = await ImagePublisher.PublishAsync(Backend, id, options, new CollectingLog(), default);
            var log = new CollectingLog();
            var again = await ImagePublisher.PublishAsync(Backend, id, options, log, default);
            Assert.AreEqual(0, again.LayersPushed, "nothing is sent twice");
            Assert.AreEqual(first.LayersPushed + first.LayersSkipped, again.LayersSkipped, "every layer is reported skipped");
            Assert.AreEqual(first.Digest, again.Digest);
            Assert.IsTrue(log.Lines.Any(l => l.Contains("Layer already exists")), "the engine's own word is in the log");
            Assert.IsTrue(log.Lines.Any(l => l.Contains($"0 layers pushed, {again.LayersSkipped} skipped (already in the registry)")), string.Join("\n", log.Lines));
        }
        finally
        {
            await CleanUpAsync(repository, options.Tags);
        }
    }

    [TestMethod]
    public async Task The_archive_loads_with_docker_load_and_runs_under_every_tag()
    {
        var (id, marker) = await BuildMarkedAsync();
        var repository = Repository("archive");
        using var folder = new TempFolder();
        var options = new PublishOptions { Repository = repository, Tags = ["v1", "v2"], ArchivePath = Path.Combine(folder.Path, "out", "image.tar") };
        try
        {
            var result = await ImagePublisher.PublishAsync(Backend, id, options, new CollectingLog(), default);
            Assert.AreEqual(options.ArchivePath, result.ArchivePath);
            Assert.AreEqual(0, result.Pushed.Count, "no registry, no push");
            CollectionAssert.AreEqual(new[] { "image.tar" }, Directory.GetFiles(Path.Combine(folder.Path, "out")).Select(Path.GetFileName).ToArray(),
                "the temp file is gone");

            TestBed.Docker("rmi", "-f", id);
            StringAssert.Contains(TestBed.Docker("load", "-i", options.ArchivePath), $"{repository}:v1");
            foreach (var tag in options.Tags)
                Assert.AreEqual(marker, TestBed.Docker("run", "--rm", $"{repository}:{tag}", "cat", "/marker").Trim());
        }
        finally
        {
            foreach (var tag in options.Tags) TestBed.Run("docker", ["rmi", $"{repository}:{tag}"]);
        }
    }

    [TestMethod]
    public async Task An_archive_folder_gets_a_gzipped_tarball_named_after_the_repository()
    {
        var (id, marker) = await BuildMarkedAsync();
        var repository = Repository("gz");
        using var folder = new TempFolder();
        var options = new PublishOptions { Repository = repository, ArchivePath = folder.Path + Path.DirectorySeparatorChar };
        try
        {
            var result = await ImagePublisher.PublishAsync(Backend, id, options, new CollectingLog(), default);
            Assert.AreEqual(Path.Combine(folder.Path, repository.Replace('/', '-') + ".tar.gz"), result.ArchivePath);
            TestBed.Docker("rmi", "-f", id);
            TestBed.Docker("load", "-q", "-i", result.ArchivePath!);
            Assert.AreEqual(marker, TestBed.Docker("run", "--rm", $"{repository}:latest", "cat", "/marker").Trim());
        }
        finally
        {
            TestBed.Run("docker", ["rmi", $"{repository}:latest"]);
        }
    }

    static async Task CleanUpAsync(string repository, IReadOnlyList<string> tags)
    {
        foreach (var tag in tags)
        {
            TestBed.Run("docker", ["rmi", $"{TestBed.Registry}/{repository}:{tag}"]);
            await Registries.DeleteAsync(TestBed.Registry, repository, tag);
        }
    }
}
