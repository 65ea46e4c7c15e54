using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

[TestClass]
public sealed class LayeredBuildTests : EngineFixture
{
    static ShellStep Write(string file, string text) => new([$"echo {text} > /{file}"]);

    [TestMethod]
    public async Task Rebuilds_only_what_changed()
    {
        var tag = $"imagetasks-test/three:{Guid.NewGuid():N}";
        var cold = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1"), Write("two", "2"), Write("three", "3")), Options(tag));
        Assert.AreEqual(3, cold.Built, "a cold build runs every step");
        Assert.AreEqual("1 2 3", RunInImage(tag, "sh", "-c", "echo $(cat /one /two /three)"));

        var again = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1"), Write("two", "2"), Write("three", "3")), Options(tag));
        Assert.AreEqual(0, again.Built, "nothing changed: no step runs");
        Assert.AreEqual(cold.ImageId, again.ImageId);

        var lastChanged = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1"), Write("two", "2"), Write("three", "3b")), Options(tag));
        CollectionAssert.AreEqual(new[] { true, true, false }, lastChanged.Layers.Select(l => l.Cached).ToArray(), "only the last step runs");
        Assert.AreEqual("1 2 3b", RunInImage(tag, "sh", "-c", "echo $(cat /one /two /three)"));

        var firstChanged = await BuildAsync(Definition(TestBed.BasePlain, Write("one", "1b"), Write("two", "2"), Write("three", "3b")), Options(tag));
        Assert.AreEqual(3, firstChanged.Built, "a changed first step changes every key above it");
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task Force_rebuilds_the_step_and_everything_after_it_and_the_next_build_keeps_the_forced_result()
    {
        // the second step writes something new on every run (as a forced `apt-get update` would)
        var steps = new[] { Write("f1", "a"), new ShellStep(["date +%s%N > /f2"]), Write("f3", "c") };
        var tag = $"imagetasks-test/force:{Guid.NewGuid():N}";
        var first = await BuildAsync(Definition(TestBed.BasePlain, steps), Options(tag));
        var before = RunInImage(tag, "cat", "/f2");

        var forced = await BuildAsync(Definition(TestBed.BasePlain, steps[0], steps[1] with { Force = true }, steps[2]), Options(tag));
        CollectionAssert.AreEqual(new[] { true, false, false }, forced.Layers.Select(l => l.Cached).ToArray());
        var after = RunInImage(tag, "cat", "/f2");
        Assert.AreNotEqual(before, after, "the forced step ran again");

        // the flag removed: the forced result is what the cache holds, not the layers from before the force
        var unforced = await BuildAsync(Definition(TestBed.BasePlain, steps), Options(tag));
        Assert.AreEqual(0, unforced.Built);
        Assert.AreEqual(forced.ImageId, unforced.ImageId);
        Assert.AreEqual(after, RunInImage(tag, "cat", "/f2"));
        Assert.AreNotEqual(first.ImageId, unforced.ImageId);

        var all = await BuildAsync(Definition(TestBed.BasePlain, steps), Options(tag) with { ForceAll = true });
        Assert.AreEqual(3, all.Built);
        Assert.AreEqual(all.ImageId, (await BuildAsync(Definition(TestBed.BasePlain, steps), Options(tag))).ImageId, "ForceAll leaves its result in the cache too");
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task A_failing_step_stops_the_build_tags_nothing_and_leaves_no_container()
    {
        var ok = Write("ok", "fine");
        var failing = new ShellStep(["echo about to fail; echo the reason >&2; exit 3"]);
        var log = new CollectingLog();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePlain, ok, failing), log: log));
        Assert.AreEqual(ErrorCodes.StepFailed, error.Code);
        StringAssert.Contains(error.Message, "exit code 3");
        StringAssert.Contains(error.Message, "the reason", "the last lines of the output are in the error");
        CollectionAssert.Contains(log.Output.Select(o => o.Line).ToArray(), "about to fail", "output is streamed as it happens");
        Assert.AreEqual(0, BuildContainers().Length, "no build container is left");

        var baseId = (await Backend.InspectImageAsync(TestBed.BasePlain, default))!.Id;
        var failedKey = Planning.Planner.Plan(Definition(TestBed.BasePlain, ok, failing), baseId, new Planning.FileDigester()).Steps[1].Key;
        Assert.IsNull(await Backend.InspectImageAsync($"{CacheRepository}:{failedKey}", default), "the failed step's layer is not tagged");

        // the step before is cached; the build resumes at the failed step
        var resumed = await BuildAsync(Definition(TestBed.BasePlain, ok, Write("fixed", "yes")));
        CollectionAssert.AreEqual(new[] { true, false }, resumed.Layers.Select(l => l.Cached).ToArray());
    }

    [TestMethod]
    public async Task Cancel_in_a_long_step_leaves_no_container_and_no_layer()
    {
        using var cts = new CancellationTokenSource();
        var log = new CollectingLog { OnOutput = line => { if (line == "started") cts.CancelAfter(500); } };
        var sleeper = new ShellStep(["echo started; sleep 120"]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<OperationCanceledException>(() => BuildAsync(Definition(TestBed.BasePlain, sleeper), log: log, cancellationToken: cts.Token));
        Assert.IsLessThan(60, clock.Elapsed.TotalSeconds, "cancel does not wait for the step");
        Assert.AreEqual(0, BuildContainers().Length, "the build container is removed on cancel");
        var again = await BuildAsync(Definition(TestBed.BasePlain, new ShellStep(["echo started; sleep 1"])));
        Assert.AreEqual(1, again.Built);
    }

    [TestMethod]
    public async Task Files_and_configuration_land_in_the_image()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-files-");
        File.WriteAllText(Path.Combine(folder.FullName, "greeting.txt"), "hello from the host\n");
        Directory.CreateDirectory(Path.Combine(folder.FullName, "sub"));
        File.WriteAllText(Path.Combine(folder.FullName, "sub", "run.sh"), "#!/bin/sh\necho run $GREETING\n");
        File.SetUnixFileMode(Path.Combine(folder.FullName, "sub", "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var tag = $"imagetasks-test/files:{Guid.NewGuid():N}";
        var definition = Definition(TestBed.BasePlain,
            new CopyStep([new CopySource(folder.FullName)], "/app"),
            new ConfigStep
            {
                Environment = [new("GREETING", "world")],
                WorkingDirectory = "/app",
                Command = ["sub/run.sh"],
                Labels = [new("org.example.team", "images")],
                ExposedPorts = ["8080"],
            });
        var result = await BuildAsync(definition, Options(tag));
        Assert.AreEqual(2, result.Built);
        Assert.AreEqual("hello from the host", RunInImage(tag, "cat", "/app/greeting.txt"));
        Assert.AreEqual("700", RunInImage(tag, "stat", "-c", "%a", "/app/sub/run.sh"), "the host's mode is kept");
        Assert.AreEqual("run world", TestBed.Docker("run", "--rm", tag).Trim(), "docker run IMAGE runs the configured command");
        var config = (await Backend.InspectImageAsync(tag, default))!.Config;
        Assert.AreEqual("/app", config.WorkingDir);
        Assert.AreEqual("images", config.Labels["org.example.team"]);
        CollectionAssert.Contains(config.ExposedPorts.ToArray(), "8080/tcp");
        Assert.AreEqual(result.Layers[0].ImageId is var copyId ? Layers(copyId) : -1, Layers(result.ImageId), "a configuration step adds no filesystem layer");

        File.SetLastWriteTimeUtc(Path.Combine(folder.FullName, "greeting.txt"), DateTime.UtcNow.AddHours(-5));
        Assert.AreEqual(0, (await BuildAsync(definition, Options(tag))).Built, "a new mtime alone rebuilds nothing");
        File.WriteAllText(Path.Combine(folder.FullName, "greeting.txt"), "changed\n");
        Assert.AreEqual(2, (await BuildAsync(definition, Options(tag))).Built, "new content rebuilds the copy and what is above it");
        Assert.AreEqual("changed", RunInImage(tag, "cat", "/app/greeting.txt"));
        TestBed.Docker("rmi", tag);
        folder.Delete(recursive: true);
    }

    [TestMethod]
    public async Task Too_deep_an_image_is_refused_before_any_step_runs()
    {
        // a base of 26 layers (built here), then 100 steps: 126 layers, one more than an engine stacks
        var deepTag = $"imagetasks-test/deep:{Guid.NewGuid():N}";
        await BuildAsync(Definition(TestBed.BasePlain, Enumerable.Range(0, 25).Select(i => (BuildStep)Write($"d{i}", "x")).ToArray()), Options(deepTag));
        var steps = Enumerable.Range(0, ImageDefinition.MaxSteps).Select(i => (BuildStep)Write($"s{i}", "y")).ToArray();
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(deepTag, steps)));
        Assert.AreEqual(ErrorCodes.TooManyLayers, error.Code);
        StringAssert.Contains(error.Message, "26 layers");
        Assert.AreEqual(0, BuildContainers().Length, "nothing ran");
        TestBed.Docker("rmi", deepTag);
    }

    static int Layers(string image) => TestBed.Docker("image", "inspect", "--format", "{{len .RootFS.Layers}}", image).Trim() is var n ? int.Parse(n) : 0;
}
