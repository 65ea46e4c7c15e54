using System.Diagnostics;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>Images built from the samples with `dotnet build -p:BuildImage=true` on the test bed, and run.</summary>
[TestClass]
public sealed class ImageTests
{
    [TestMethod]
    [Timeout(900_000)]
    public void Greeting_image_runs_the_pip_package_and_the_apt_tool()
    {
        var sample = Consumer.Copy("Greeting", nameof(Greeting_image_runs_the_pip_package_and_the_apt_tool));
        try
        {
            var build = sample.Build();
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(build.Output, "[2/5 pip] Successfully installed", "a running step's output is logged at high importance, prefixed by the step");

            var output = Docker.RunImage(sample.Image);

            // imgt-greeting 2.x from the local index, with its dependency imgt-colors 2.x; jq from Debian
            StringAssert.Contains(output, "python: hello x in teal (greeting 2.0.0, colors 2.0.0)");
            StringAssert.Contains(output, "jq: {\"tool\":\"jq\",\"answer\":42}");
            CollectionAssert.AreEqual(new[] { "apt", "pip", "runtime", "app", "config" }, sample.Report().Layers.Select(l => l.Kind).ToArray());
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void Data_file_is_copied_into_the_image_and_read_at_run_time()
    {
        // this sample uses the package as an MSBuild project SDK: <Sdk Name="ImageTasks" /> (version from global.json)
        var sample = Consumer.Copy("DataFile", nameof(Data_file_is_copied_into_the_image_and_read_at_run_time));
        try
        {
            var build = sample.Build();
            Assert.AreEqual(0, build.ExitCode, build.ToString());

            StringAssert.Contains(Docker.RunImage(sample.Image), "data: the data file made it into the image");
            CollectionAssert.AreEqual(new[] { "file", "runtime", "app", "config" }, sample.Report().Layers.Select(l => l.Kind).ToArray());
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void Out_of_process_host_builds_the_same_image()
    {
        // the net472 task's path, taken here on purpose: the request goes to `dotnet tasks/net8.0/ImageTasks.Tasks.dll`
        var sample = Consumer.Copy("DataFile", nameof(Out_of_process_host_builds_the_same_image));
        try
        {
            var build = sample.Build("-p:ImageTasksOutOfProcess=true");
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(build.Output, "[1/4] copy message.txt -> /srv/data", "the host's log lines reach MSBuild's log");
            StringAssert.Contains(Docker.RunImage(sample.Image), "data: the data file made it into the image");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    public void Publish_builds_the_image_of_the_publish_output()
    {
        var sample = Consumer.Copy("DataFile", nameof(Publish_builds_the_image_of_the_publish_output));
        try
        {
            // not for the image's platform: ImageTasks publishes the app self-contained for linux-x64 itself
            var publish = sample.Run("publish", sample.TestBedProperties().ToArray());
            Assert.AreEqual(0, publish.ExitCode, publish.ToString());
            StringAssert.Contains(Docker.RunImage(sample.Image), "data: the data file made it into the image");

            // already for the image's platform: the publish output is the app layer as it is
            var own = sample.Run("publish", sample.TestBedProperties().Concat(["-r", "linux-x64", "--self-contained", "-p:InvariantGlobalization=true"]).ToArray());
            Assert.AreEqual(0, own.ExitCode, own.ToString());
            StringAssert.Contains(own.Output, "copy publish -> /app");
            StringAssert.Contains(Docker.RunImage(sample.Image), "data: the data file made it into the image");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(1_200_000)]
    public void Second_build_runs_no_step_then_one_more_pip_package_rebuilds_only_pip_and_app()
    {
        var sample = Consumer.Copy("Greeting", nameof(Second_build_runs_no_step_then_one_more_pip_package_rebuilds_only_pip_and_app));
        try
        {
            var first = sample.Build();
            Assert.AreEqual(0, first.ExitCode, first.ToString());
            var built = sample.Report();

            // up to date: the image target does not run at all (one check that the image is still there)
            var reportTime = File.GetLastWriteTimeUtc(sample.ReportFile);
            var upToDate = sample.Build();
            Assert.AreEqual(0, upToDate.ExitCode, upToDate.ToString());
            Assert.AreEqual(reportTime, File.GetLastWriteTimeUtc(sample.ReportFile), "an up-to-date build wrote no new report:\n" + upToDate);
            Assert.IsFalse(upToDate.Output.Contains("layers reused"), upToDate.ToString());

            // a source touched but not changed: the engine runs, and reuses every layer, the app's too
            File.SetLastWriteTimeUtc(Path.Combine(sample.Directory, "Program.cs"), DateTime.UtcNow);
            var touched = sample.Build();
            Assert.AreEqual(0, touched.ExitCode, touched.ToString());
            var again = sample.Report();
            Assert.AreEqual(0, again.Built, "no step runs:\n" + touched);
            CollectionAssert.AreEqual(built.Layers.Select(l => l.Key).ToArray(), again.Layers.Select(l => l.Key).ToArray());
            Assert.AreEqual(built.ImageId, again.ImageId);

            // one more PipPackage: exactly the pip layer and what is above it (the app, the configuration) run
            sample.Edit("Greeting.csproj", text => text.Replace("<PipPackage Include=\"imgt-greeting\"",
                "<PipPackage Include=\"imgt-colors\" Version=\"2.0.0\" />\n    <PipPackage Include=\"imgt-greeting\""));
            var changed = sample.Build();
            Assert.AreEqual(0, changed.ExitCode, changed.ToString());
            var after = sample.Report();
            var cached = after.Layers.ToDictionary(l => l.Kind, l => l.Cached);
            CollectionAssert.AreEqual(new[] { "apt", "pip", "runtime", "app", "config" }, after.Layers.Select(l => l.Kind).ToArray());
            Assert.IsTrue(cached["apt"], "the apt layer below is reused");
            Assert.AreEqual(built.Layers[0].Key, after.Layers[0].Key);
            Assert.IsFalse(cached["pip"], "the pip layer is rebuilt");
            Assert.IsFalse(cached["runtime"], "the .NET runtime above it is copied again");
            Assert.IsFalse(cached["app"], "the app above it is rebuilt");
            Assert.AreEqual(4, after.Built, "pip, the runtime, the app and the config-only step:\n" + changed);
            StringAssert.Contains(Docker.RunImage(sample.Image), "python: hello x in teal");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(900_000)]
    [DataRow(false, DisplayName = "in process (the .NET SDK's MSBuild)")]
    [DataRow(true, DisplayName = "out of process (the path Visual Studio's .NET Framework MSBuild takes)")]
    public void Cancelled_build_leaves_no_container(bool outOfProcess)
    {
        var sample = Consumer.Copy("SlowStep", nameof(Cancelled_build_leaves_no_container) + (outOfProcess ? "Host" : ""));
        Assert.AreEqual("", Docker.LeftoverBuildContainers(), "no build container before the test");
        using var build = Process.Start(sample.Command("build", sample.TestBedProperties().Append("-p:ImageTasksOutOfProcess=" + outOfProcess)))!;
        var output = new System.Text.StringBuilder();
        var started = new ManualResetEventSlim();
        build.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains("imagetasks-step-started")) started.Set();
        };
        build.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        try
        {
            Assert.IsTrue(started.Wait(TimeSpan.FromMinutes(10)) , "the slow step started:\n" + output);
            Assert.AreNotEqual("", Docker.LeftoverBuildContainers(), "the step runs in a build container");

            // Ctrl+C: SIGINT to `dotnet build`
            using (var kill = Process.Start("kill", ["-INT", build.Id.ToString()])) kill.WaitForExit();
            Assert.IsTrue(build.WaitForExit(TimeSpan.FromMinutes(2)), "the build stopped after Ctrl+C:\n" + output);
            build.WaitForExit();

            Assert.AreNotEqual(0, build.ExitCode);
            Assert.AreEqual("", Docker.LeftoverBuildContainers(), "no container is left:\n" + output);
            Assert.IsFalse(Docker.ImageExists(sample.Image));
        }
        finally
        {
            if (!build.HasExited) build.Kill(entireProcessTree: true);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Bad_pip_name_is_IMG1001_and_builds_no_image()
    {
        var sample = Consumer.Copy("BadPip", nameof(Bad_pip_name_is_IMG1001_and_builds_no_image));

        var build = sample.Build();

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"BadPip\.csproj.*: error IMG1001: .*not a package!"), build.ToString());
        Assert.IsFalse(Docker.ImageExists(sample.Image));
        Assert.IsFalse(File.Exists(sample.ReportFile));
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Build_without_build_image_builds_no_image()
    {
        var sample = Consumer.Copy("Greeting", nameof(Build_without_build_image_builds_no_image));

        var build = sample.Run("build", "-p:ContainerRepository=" + sample.Repository);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.IsFalse(Directory.Exists(Path.Combine(sample.Directory, "obj", "imagetasks")), build.ToString());
        Assert.IsFalse(Docker.ImageExists(sample.Image));
    }

    [TestMethod]
    [Timeout(900_000)]
    public void A_dockerfile_is_the_base_and_setup_commands_and_items_go_on_top()
    {
        var sample = Consumer.Copy("FromDockerfile", nameof(A_dockerfile_is_the_base_and_setup_commands_and_items_go_on_top));
        try
        {
            // the Dockerfile's image is the base: no ContainerBaseImage
            string[] properties = [.. sample.TestBedProperties().Where(p => !p.StartsWith("-p:ContainerBaseImage=", StringComparison.Ordinal)),
                "-p:DockerfileBase=" + TestBed.BasePlain];
            var build = sample.Run("build", properties);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            var output = Docker.RunImage(sample.Image);
            StringAssert.Contains(output, "/etc/dockerfile-marker: dockerfile-ran");
            StringAssert.Contains(output, "/etc/hello.txt: hello from the Dockerfile's context");
            StringAssert.Contains(output, "/etc/setup-marker: setup-ran");
            StringAssert.Contains(output, "/etc/command-marker: command-ran");
            StringAssert.Contains(output, "IMAGE_STAGE=dockerfile");
            StringAssert.Contains(output, "FROM_ITEM=dockerfile-line");
            CollectionAssert.AreEqual(new[] { "setup", "command", "dockerfile", "runtime", "app", "config" }, sample.Report().Layers.Select(l => l.Kind).ToArray());

            // an edit of the Dockerfile's context file rebuilds from there up; the Dockerfile's earlier layers stay
            sample.Edit("image/hello.txt", _ => "hello again\n");
            var again = sample.Run("build", properties);
            Assert.AreEqual(0, again.ExitCode, again.ToString());
            StringAssert.Contains(Docker.RunImage(sample.Image), "/etc/hello.txt: hello again");
            StringAssert.Matches(again.Output, new System.Text.RegularExpressions.Regex(@"\[1/\d+\] run .*dockerfile-marker.* cached"), again.ToString());
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Pull_policy_never_with_a_missing_base_is_IMG4003()
    {
        var sample = Consumer.Copy("DataFile", nameof(Pull_policy_never_with_a_missing_base_is_IMG4003));
        var missing = $"{TestBed.Registry}/imagetasks-tests/never-pulled:{Consumer.RunId}";
        var build = sample.Run("build", [.. sample.TestBedProperties(), "-p:ContainerBaseImage=" + missing, "-p:ImagePullPolicy=never"]);
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"error IMG4003: .*never-pulled"), build.ToString());
        Assert.IsFalse(Docker.ImageExists(sample.Image));
    }

    [TestMethod]
    [Timeout(900_000)]
    public void Prune_image_cache_removes_the_layers_the_last_build_does_not_use()
    {
        var sample = Consumer.Copy("DataFile", nameof(Prune_image_cache_removes_the_layers_the_last_build_does_not_use));
        var cache = Consumer.CacheRepository + "-prune";
        string[] properties = [.. sample.TestBedProperties(), "-p:ImageCacheRepository=" + cache];
        string[] Tags() => TestBed.Docker("images", "--format", "{{.Tag}}", cache).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            Assert.AreEqual(0, sample.Run("build", properties).ExitCode);
            sample.Edit("data/message.txt", _ => "a new message\n"); // the file layer and all above it get new keys
            Assert.AreEqual(0, sample.Run("build", properties).ExitCode);
            var last = sample.Report().Layers.Select(l => l.Key).ToHashSet();
            Assert.IsGreaterThan(last.Count, Tags().Length, "the first build's layers are still cached");

            var list = sample.Run("msbuild", [.. properties, "-t:ListImageCache"]);
            StringAssert.Contains(list.Output, $"{Tags().Length} layers in {cache}", list.ToString());

            var prune = sample.Run("msbuild", [.. properties, "-t:PruneImageCache", "-p:ImageCachePruneDays=0"]);
            Assert.AreEqual(0, prune.ExitCode, prune.ToString());
            CollectionAssert.AreEquivalent(last.ToArray(), Tags(), "exactly the last build's layers are left");
        }
        finally
        {
            Docker.RemoveImage(sample.Image);
            Docker.RemoveRepository(cache);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void An_engine_refusal_is_IMG4002_naming_the_value()
    {
        var sample = Consumer.Copy("Greeting", nameof(An_engine_refusal_is_IMG4002_naming_the_value));
        var build = sample.Build("-p:ImageBuildNetwork=imagetasks-no-such-network", "-p:ImageForceBuild=true");
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Matches(build.Output, new System.Text.RegularExpressions.Regex(@"error IMG4002: .*imagetasks-no-such-network"), build.ToString());
        Assert.AreEqual("", Docker.LeftoverBuildContainers(), "the refused step left no container");
    }
}
