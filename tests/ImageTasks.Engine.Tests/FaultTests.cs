using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>Two builds at once on one engine share the download-cache volumes: both succeed, and a key gets one image.</summary>
[TestClass]
public sealed class ConcurrentBuildTests : EngineFixture
{
    [TestMethod]
    public async Task Two_builds_with_apt_and_pip_steps_at_once_both_succeed_and_share_their_layers()
    {
        // fresh cache volumes: both builds' apt-get update run against empty lists, as on a new machine
        var options = Options() with { CacheVolumePrefix = CacheRepository + "-concurrent" };
        var definition = Definition(TestBed.BasePython,
            new ShellStep([$"echo {Guid.NewGuid():N} > /marker"]),
            new AptStep([new AptPackage("jq")]),
            new PipStep([PipPackage.Create("imgt-greeting", "2.0.0")], new PipOptions { IndexUrl = TestBed.PypiUrl }));
        var first = BuildAsync(definition, options);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the second starts while the first runs its apt step
        var second = BuildAsync(definition, options);
        var results = await Task.WhenAll(first, second); // before: IMG3001 "E: Could not get lock /var/lib/apt/lists/lock" (exit 100)

        CollectionAssert.AreEqual(results[0].Layers.Select(l => l.ImageId).ToArray(), results[1].Layers.Select(l => l.ImageId).ToArray(),
            "one image per key: the build that finished a step second uses the first one's layer and removes its own copy");
        foreach (var layer in results.SelectMany(r => r.Layers.Where(l => !l.Cached)))
            Assert.IsNotNull(await Backend.InspectImageAsync(layer.ImageId, default), "every layer a build returns is on the engine");
        Assert.AreEqual("42", RunInImage(results[1].ImageId, "jq", "-n", "6 * 7"));
    }
}

/// <summary>
/// The engine dying under a step (its dockerd SIGKILLed) ends the build with a coded error naming what happened, and
/// the next build, once the engine is back, removes what the dead one left and resumes. Runs on the test bed's second
/// engine, which it kills and restarts, so the main engine and other tests are not disturbed.
/// </summary>
[TestClass]
public sealed class EngineDeathTests
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Engine_killed_mid_step_is_IMG4001_naming_the_step_and_the_next_build_cleans_up_and_resumes()
    {
        var host = TestBed.Engine2Host;
        var pidFile = TestBed.Engine2PidFile;
        var run = Guid.NewGuid().ToString("N")[..12];
        var prefix = $"{DockerBackend.BuildContainerPrefix}death-{run}-";
        var options = new BuildOptions { CacheRepository = "imagetasks-test-death-" + run, Network = "host", UseCacheVolumes = false, StateDirectory = null };
        var marker = "step-started-" + run;
        var prepare = new ShellStep([$"echo {run} > /prepared"]);
        var definition = new ImageDefinition(ImageReference.Parse(TestBed.BasePlain), [prepare, new ShellStep([$"echo {marker}; sleep 30"])]);
        StartEngine2(); // an earlier run may have left it killed

        Exception? error;
        using (var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(host), "test bed engine 2")))
        {
            backend.ContainerNamePrefix = prefix;
            var started = new TaskCompletionSource();
            var log = new CollectingLog { OnOutput = line => { if (line == marker) started.TrySetResult(); } };
            var build = new ImageBuilder(backend).BuildAsync(definition, options, log, CancellationToken.None);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(120));
            Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim())).Kill(); // SIGKILL
            var clock = Stopwatch.StartNew();
            error = await Assert.ThrowsAsync<Exception>(() => build);
            Assert.IsLessThan(20, clock.Elapsed.TotalSeconds, "the build ends when the engine dies, not when the step would have");
        }

        var coded = error as Diagnostics.ImageTasksException;
        Assert.IsNotNull(coded, "a coded error, not " + error);
        Console.WriteLine(coded.Message);
        Assert.AreEqual(Diagnostics.ErrorCodes.EngineUnreachable, coded.Code, coded.Message);
        StringAssert.Contains(coded.Message, "Step 2/2", "it names the step");
        StringAssert.Contains(coded.Message, "was lost", "it says what happened");
        StringAssert.Contains(coded.Message, host, "it names the engine");
        Assert.DoesNotContain("   at ", coded.Message, "no stack trace");

        StartEngine2();
        Assert.AreNotEqual("", Engine2("ps", "-a", "-q", "--filter", "name=" + prefix), "the dead engine kept the step's container");
        using (var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(host), "test bed engine 2")))
        {
            backend.ContainerNamePrefix = prefix;
            var next = await new ImageBuilder(backend).BuildAsync(
                new ImageDefinition(ImageReference.Parse(TestBed.BasePlain), [prepare, new ShellStep(["echo resumed"])]), options, new CollectingLog(), CancellationToken.None);
            Assert.IsTrue(next.Layers[0].Cached, "the next build resumes on what the killed one built");
            Assert.AreEqual("", Engine2("ps", "-a", "-q", "--filter", "name=" + prefix), "the next build removed the dead build's container");
            await new LayerCache(backend, options.CacheRepository).PruneAsync(null, null, CancellationToken.None);
        }
    }

    static void StartEngine2()
    {
        var (code, _, stderr) = TestBed.Run("bash", [Path.Combine(TestBed.RepoRoot, "tests", "testbed", "testbed.sh"), "engine2"],
            environment: new Dictionary<string, string?> { ["IMAGETASKS_TESTBED_DIR"] = Path.GetDirectoryName(Path.GetDirectoryName(TestBed.Engine2PidFile)) });
        Assert.AreEqual(0, code, "testbed.sh engine2: " + stderr);
    }

    static string Engine2(params string[] args) => TestBed.Docker(["-H", TestBed.Engine2Host, .. args]).Trim();
}

/// <summary>
/// A build process killed (SIGKILL) during a step with a credentialed index: its secret leaves the engine's disk when
/// pip starts, and the next build removes its container and secrets volume, but never those of a live build.
/// The builds are the product's own process (the out-of-process host, as Visual Studio runs it).
/// </summary>
[TestClass]
public sealed class KilledBuildTests : EngineFixture
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_killed_builds_secret_and_container_are_gone_at_the_next_build_and_a_live_builds_stay()
    {
        // an index that accepts connections and never answers: pip waits in it, with the password in its configuration
        using var index = new TcpListener(IPAddress.Loopback, 0);
        index.Start();
        var connected = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket socket;
                try { socket = await index.AcceptSocketAsync(); }
                catch (Exception e) when (e is SocketException or ObjectDisposedException) { return; }
                lock (connected) connected.Add(socket);
            }
        });
        async Task InPip(int connections) // pip read its configuration and waits in the index
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                lock (connected) if (connected.Count >= connections) return;
                Assert.IsLessThan(120, clock.Elapsed.TotalSeconds, "pip did not reach the index");
                await Task.Delay(100);
            }
        }
        var port = ((IPEndPoint)index.LocalEndpoint).Port;
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var killedPackage = "imgtkilled" + Guid.NewGuid().ToString("N")[..8];
        var livePackage = "imgtlive" + Guid.NewGuid().ToString("N")[..8];

        var children = new List<Process>();
        try
        {
            // a live build in another process, waiting in its pip step
            var live = StartHostBuild(livePackage, $"http://u:{password}@127.0.0.1:{port}/simple", children);
            await InPip(1);
            var liveStep = StepContainer(livePackage);
            Assert.IsNotNull(liveStep.Volume, "the live step has a secrets volume");

            // a build killed in its pip step (its start sweeps too, and leaves the live build alone)
            int before;
            lock (connected) before = connected.Count;
            var killed = StartHostBuild(killedPackage, $"http://u:{password}@127.0.0.1:{port}/simple", children);
            await InPip(before + 1);
            var (killedContainer, killedVolume) = StepContainer(killedPackage);
            Assert.IsNotNull(killedVolume, "the step has a secrets volume");
            // measured: pip's configuration is gone from the volume once pip runs (before: there for the whole step)
            Assert.AreEqual("", ListVolume(killedVolume), "the secret file is deleted once pip has opened it");
            killed.Kill(); // SIGKILL: nothing of the build runs after this
            await killed.WaitForExitAsync();
            Assert.AreNotEqual("", TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + killedContainer).Trim(), "the killed build left its container");
            Assert.AreNotEqual("", TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + liveStep.Name).Trim(), "the killed build's start left the live build alone");

            // the next build, in another process (this one)
            await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {Guid.NewGuid():N}"])));

            Assert.AreEqual("", TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + killedContainer).Trim(), "the killed build's container is removed");
            Assert.AreEqual("", TestBed.Docker("volume", "ls", "-q", "--filter", "name=" + killedVolume).Trim(), "the killed build's secrets volume is removed");
            Assert.AreNotEqual("", TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + liveStep.Name).Trim(), "a live build's container stays");
            Assert.AreNotEqual("", TestBed.Docker("volume", "ls", "-q", "--filter", "name=" + liveStep.Volume).Trim(), "a live build's secrets volume stays");

            live.Kill();
            await live.WaitForExitAsync();
            index.Stop();
            lock (connected) foreach (var socket in connected) socket.Dispose();
            await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {Guid.NewGuid():N}"])));
            Assert.AreEqual("", TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + liveStep.Name).Trim(), "removed once its build is killed too");
        }
        finally
        {
            foreach (var child in children)
            {
                if (!child.HasExited) child.Kill();
                child.Dispose();
            }
        }
    }

    static string ListVolume(string volume)
        => TestBed.Docker("run", "--rm", "--network", "none", "-v", volume + ":/s", "--entrypoint", "", TestBed.BasePlain, "ls", "-A", "/s").Trim();

    /// <summary>The build container running pip for <paramref name="package"/>, and its secrets volume.</summary>
    static (string Name, string? Volume) StepContainer(string package, bool required = true)
    {
        foreach (var line in TestBed.Docker("ps", "-a", "--no-trunc", "--filter", "name=" + DockerBackend.BuildContainerPrefix, "--format", "{{.Names}}\t{{.Command}}")
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split('\t')[0];
            if (!line.Contains(package, StringComparison.Ordinal)) continue;
            var volume = TestBed.Docker("inspect", "--format", "{{range .Mounts}}{{.Name}} {{end}}", name)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(v => v.StartsWith("imagetasks-secrets-", StringComparison.Ordinal));
            return (name, volume);
        }
        if (required) Assert.Fail($"no build container runs pip for {package}");
        return ("", null);
    }

    /// <summary>Starts the product's build process (`dotnet ImageTasks.Tasks.dll request.json`) on a pip step.</summary>
    static Process StartHostBuild(string package, string indexUrl, List<Process> children)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var host = Path.Combine(TestBed.RepoRoot, "src", "Tasks", "bin", configuration, "net8.0", "ImageTasks.Tasks.dll");
        Assert.IsTrue(File.Exists(host), "build the solution first: " + host);
        var request = Path.Combine(Path.GetTempPath(), $"imagetasks-kill-{Guid.NewGuid():N}.json");
        static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
        var lists = string.Join(",", new[] { "Tags", "AppCommand", "AppCommandArgs", "DefaultArgs", "AptPackages", "Commands", "Files", "EnvironmentVariables",
            "Labels", "Ports", "SetupCommands", "DockerfileCommands", "BuildArgs" }.Select(n => $"\"{n}\":[]"));
        File.WriteAllText(request, "{" + lists +
            $",\"Mode\":\"build\",\"ProjectFile\":{Quote(request)},\"BaseImage\":{Quote(TestBed.BasePython)},\"Repository\":\"imagetasks-test/killed\"" +
            $",\"PipPackages\":[{{\"ItemSpec\":{Quote(package)},\"Metadata\":{{}}}}],\"PipIndexUrl\":{Quote(indexUrl)},\"Network\":\"host\"" +
            $",\"CacheRepository\":{Quote(CacheRepository)},\"RuntimeIdentifier\":\"linux-x64\"}}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(request);
        start.Environment["DOCKER_HOST"] = TestBed.DockerHost;
        var process = Process.Start(start)!;
        children.Add(process);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
