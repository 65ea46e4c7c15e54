using System.Net.Http.Headers;
using System.Text.Json;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>
/// ContainerRuntimeIdentifiers="linux-x64;linux-arm64" (testprojects/Platforms): one image per platform, the arm64 one
/// built under QEMU (the test bed registers it and has arm64 variants of its bases), pushed with one image index. The
/// build is made once for the class (the emulated apt and pip steps take minutes); the tests read what it left.
/// </summary>
[TestClass]
public sealed class PlatformsTests
{
    static Sample _sample = null!;
    static BuildOutput _first = null!;
    static BuildOutput _second = null!;
    static Dictionary<string, BuildReport> _firstReports = null!;
    static readonly string[] Rids = ["linux-x64", "linux-arm64"];

    [ClassInitialize]
    [Timeout(1_500_000)]
    public static void BuildBothPlatformsTwice(TestContext _)
    {
        _sample = Consumer.Copy("Platforms", nameof(PlatformsTests));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _first = _sample.Build("-p:ContainerRegistry=" + TestBed.Registry, "-p:ContainerImageTag=v1");
        Console.WriteLine($"first build (both platforms, cold): {clock.Elapsed.TotalSeconds:0} s");
        _firstReports = _first.ExitCode == 0 ? Rids.ToDictionary(r => r, Report) : [];
        clock.Restart();
        // unchanged but for its tag: the build runs (a new tag is a new request) and finds every layer of both platforms
        _second = _sample.Build("-p:ContainerRegistry=" + TestBed.Registry, "-p:ContainerImageTag=v2");
        Console.WriteLine($"second build (both platforms, every layer reused): {clock.Elapsed.TotalSeconds:0} s");
    }

    [ClassCleanup]
    public static void RemoveImages()
    {
        if (_first is null) return; // nothing was built (the test bed is not up)
        foreach (var tag in new[] { "v1", "v2" })
            foreach (var rid in Rids)
                Docker.RemoveImage($"{TestBed.Registry}/{_sample.Repository}:{tag}-{rid}");
    }

    static BuildReport Report(string rid) => JsonSerializer.Deserialize<BuildReport>(
        File.ReadAllText(Path.Combine(_sample.Directory, "obj", "imagetasks", $"last-build-{rid}.json")), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    [TestMethod]
    [Timeout(60_000)]
    public async Task The_pushed_index_lists_both_platforms_under_the_plain_tag()
    {
        Assert.AreEqual(0, _first.ExitCode, _first.ToString());
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.docker.distribution.manifest.list.v2+json"));
        foreach (var tag in new[] { "v1", "v2" })
        {
            var response = await http.GetAsync($"http://{TestBed.Registry.Replace("localhost", "127.0.0.1")}/v2/{_sample.Repository}/manifests/{tag}");
            Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, $"{_sample.Repository}:{tag} is in the registry");
            using var index = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.AreEqual("application/vnd.docker.distribution.manifest.list.v2+json", index.RootElement.GetProperty("mediaType").GetString());
            var platforms = index.RootElement.GetProperty("manifests").EnumerateArray()
                .Select(m => m.GetProperty("platform").GetProperty("os").GetString() + "/" + m.GetProperty("platform").GetProperty("architecture").GetString()).ToArray();
            CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64" }, platforms, $"{tag}: {index.RootElement}");
        }
    }

    [TestMethod]
    [Timeout(120_000)]
    public void Each_platform_image_runs_on_its_architecture_and_its_steps_ran_there()
    {
        Assert.AreEqual(0, _first.ExitCode, _first.ToString());
        foreach (var (rid, machine) in new[] { ("linux-x64", "x86_64"), ("linux-arm64", "aarch64") })
        {
            var image = $"{TestBed.Registry}/{_sample.Repository}:v1-{rid}";
            var (code, stdout, stderr) = TestBed.Run("docker", ["run", "--rm", "--entrypoint", "sh", image, "-c", "uname -m; cat /built-on.txt; jq -n 1; python3 -c 'import imgt_colors'"]);
            Assert.AreEqual(0, code, $"{image}: {stdout}\n{stderr}");
            CollectionAssert.AreEqual(new[] { machine, machine, "1" }, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), $"{image}: {stdout}");
            Assert.AreEqual(rid == "linux-x64" ? "amd64" : "arm64", TestBed.Docker("image", "inspect", "--format", "{{.Architecture}}", image).Trim(), image);
        }
    }

    [TestMethod]
    [Timeout(60_000)]
    public void The_platforms_have_their_own_keys_and_an_unchanged_rebuild_reuses_every_layer_of_both()
    {
        Assert.AreEqual(0, _second.ExitCode, _second.ToString());
        var x64 = Report("linux-x64");
        var arm64 = Report("linux-arm64");
        foreach (var (rid, report) in new[] { ("linux-x64", x64), ("linux-arm64", arm64) })
        {
            Assert.AreEqual(0, report.Built, $"{rid}: nothing is built again:\n{_second}");
            Assert.IsTrue(report.Layers.All(l => l.Cached), rid);
            CollectionAssert.IsSubsetOf(new[] { "apt", "pip", "command" }, report.Layers.Select(l => l.Kind).ToArray(), rid);
            // the first build's steps may come from the engine's cache: these keys are the same in every run on a machine
            var first = _firstReports[rid];
            Console.WriteLine($"{rid}, first build: " + string.Join(", ", first.Layers.Select(l => $"{l.Kind} {l.Seconds:0.0} s")));
        }
        Assert.AreEqual(0, x64.Layers.Select(l => l.Key).Intersect(arm64.Layers.Select(l => l.Key)).Count(), "no layer key is shared between the platforms");
    }
}
