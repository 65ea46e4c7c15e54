using ImageTasks.Definition;
using ImageTasks.Engine;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The test bed itself: engine, registry, base images and package index work as the other tests need.</summary>
[TestClass]
public sealed class TestBedTests : EngineFixture
{
    [TestMethod]
    public async Task A_container_runs_on_the_local_base_image()
    {
        var image = await Backend.InspectImageAsync(TestBed.BasePython, default);
        Assert.IsNotNull(image, $"{TestBed.BasePython} is on the engine");
        Assert.AreEqual("linux", image.Os);
        var lines = new List<string>();
        var config = image.Config;
        await Backend.RunStepAsync(new StepRun(image.Id, ["python3", "-c", "import sys; print('python', sys.version_info[0])"], config, null, null,
            new Dictionary<string, string>()), lines.Add, default);
        CollectionAssert.AreEqual(new[] { "python 3" }, lines);
    }

    [TestMethod]
    public async Task An_image_is_pulled_from_the_local_registry()
    {
        var name = $"{TestBed.Registry}/imagetasks-tests/pull:{Guid.NewGuid():N}";
        TestBed.Docker("tag", TestBed.BasePlain, name);
        TestBed.Docker("push", "-q", name);
        TestBed.Docker("rmi", name);
        Assert.IsNull(await Backend.InspectImageAsync(name, default), "removed locally before the pull");
        var progress = new List<string>();
        await Backend.PullImageAsync(name, progress.Add, default);
        Assert.IsNotNull(await Backend.InspectImageAsync(name, default));
        Assert.IsTrue(progress.Count > 0, "pull progress is reported");
        TestBed.Docker("rmi", name);
    }

    [TestMethod]
    public async Task Pip_installs_a_package_and_its_dependency_from_the_local_index()
    {
        var tag = $"imagetasks-test/pip:{Guid.NewGuid():N}";
        var pip = new PipStep([PipPackage.Create("imgt-greeting", "==1.0.0")], new PipOptions { IndexUrl = TestBed.PypiUrl, ExtraOptions = ["--trusted-host=127.0.0.1"] });
        var log = new CollectingLog();
        var result = await BuildAsync(Definition(TestBed.BasePython, pip), Options(tag), log);
        Assert.AreEqual(1, result.Built);
        Assert.AreEqual("hello x in blue (greeting 1.0.0, colors 1.0.0)",
            RunInImage(tag, "python3", "-c", "import imgt_greeting; print(imgt_greeting.greet('x'))"));
        Assert.IsTrue(log.Output.Any(o => o.Line.Contains("imgt-colors", StringComparison.OrdinalIgnoreCase) || o.Line.Contains("imgt_colors")),
            "pip's output (resolving the dependency) is streamed");

        // the download cache lives in a volume, outside the layer (pip caches http:// downloads only from trusted hosts)
        var volume = CacheRepository + "-pip";
        var cached = TestBed.Docker("run", "--rm", "-v", volume + ":/cache", TestBed.BasePlain, "sh", "-c", "find /cache -type f | wc -l").Trim();
        Assert.IsTrue(int.Parse(cached) > 0, "pip's cache volume holds the downloads");
        Assert.AreEqual("absent", RunInImage(tag, "sh", "-c", $"test -e {StepCommands.PipCacheDir}/http && echo present || echo absent"),
            "the download cache is not part of the layer");
        TestBed.Docker("rmi", tag);
    }
}

/// <summary>apt steps: the package lands in the layer, apt's lists and caches do not.</summary>
[TestClass]
public sealed class AptStepTests : EngineFixture
{
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task Apt_installs_the_package_and_leaves_no_apt_state_in_the_layer(bool cacheVolumes)
    {
        var tag = $"imagetasks-test/apt:{Guid.NewGuid():N}";
        var result = await BuildAsync(Definition(TestBed.BasePlain, new AptStep([new AptPackage("jq")]) { Force = true }), Options(tag) with { UseCacheVolumes = cacheVolumes, Network = null });
        Assert.AreEqual("42", RunInImage(tag, "jq", "-n", "6 * 7"));
        Assert.AreEqual("", RunInImage(tag, "find", "/var/lib/apt/lists", "/var/cache/apt", "-type", "f", "!", "-name", "lock"),
            "no apt lists, package caches or downloaded packages in the image");
        Assert.IsLessThan(10 * 1024 * 1024, result.Layers[0].Size, "the layer holds jq, not apt's caches");
        TestBed.Docker("rmi", tag);
    }
}
