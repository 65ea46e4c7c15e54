using System.Diagnostics;
using System.Security.Cryptography;
using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Engine;
using ImageTasks.Planning;

// Each benchmark runs its baseline and the measured variant in this process and prints the ratio.
// usage: dotnet run -c Release --project tests/Benchmarks [hashing|rebuild|cache|client-start] ...  (default: all)
if (args is ["client-start-once", var client]) return await ClientStartOnceAsync(client);
var which = args.Length > 0 ? args : ["hashing", "rebuild", "cache", "client-start"];
var env = TestBedEnv.Load();
foreach (var name in which)
{
    switch (name)
    {
        case "hashing": Hashing(); break;
        case "rebuild": await RebuildAsync(env); break;
        case "cache": await CacheVolumesAsync(env); break;
        case "client-start": ClientStart(env); break;
        default: Console.Error.WriteLine($"unknown benchmark {name}"); return 2;
    }
}
return 0;

// Hashing a tree: the baseline reads and hashes every file on one thread, as a naive digester would.
static void Hashing()
{
    const int files = 4000, size = 48 * 1024;
    var root = Directory.CreateTempSubdirectory("imagetasks-bench-").FullName;
    var random = new Random(1);
    var buffer = new byte[size];
    for (var i = 0; i < files; i++)
    {
        var dir = Path.Combine(root, $"d{i % 40}");
        Directory.CreateDirectory(dir);
        random.NextBytes(buffer);
        File.WriteAllBytes(Path.Combine(dir, $"f{i}.bin"), buffer);
    }
    var step = new CopyStep([new CopySource(root)], "/app");
    var index = Path.Combine(root, "..", Path.GetFileName(root) + ".index");

    var baseline = Measure(() =>
    {
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            SHA256.HashData(File.ReadAllBytes(f));
    });
    var cold = Measure(() => new FileDigester().Digest(step));
    new FileDigester(index).Digest(step); // fill the index
    var warm = Measure(() => new FileDigester(index).Digest(step));
    Console.WriteLine($"hashing {files} files of {size / 1024} kB ({files * (long)size / 1024 / 1024} MB, page cache warm), best of 5:");
    Report("  sequential read+hash (baseline)", baseline, baseline);
    Report("  FileDigester, parallel, no index", cold, baseline);
    Report("  FileDigester, index, unchanged tree", warm, baseline);
    Directory.Delete(root, recursive: true);
    File.Delete(index);
}

// A rebuild with nothing changed against the cold build of the same definition.
static async Task RebuildAsync(TestBedEnv env)
{
    using var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(env.DockerHost), "test bed"));
    var repo = "imagetasks-bench-" + Guid.NewGuid().ToString("N")[..8];
    var options = new BuildOptions { CacheRepository = repo, CacheVolumePrefix = repo, StateDirectory = null };
    var definition = new ImageDefinition(ImageReference.Parse(env.BasePlain),
        Enumerable.Range(1, 5).Select(i => new ShellStep([$"echo layer {i} > /layer{i}"])));
    var builder = new ImageBuilder(backend);
    var cold = await MeasureAsync(() => builder.BuildAsync(definition, options, new QuietLog(), default), runs: 1);
    var warm = await MeasureAsync(() => builder.BuildAsync(definition, options, new QuietLog(), default), runs: 5);
    Console.WriteLine("engine, 5 shell steps on the test bed's Debian image:");
    Report("  cold build (baseline)", cold, cold);
    Report("  rebuild, nothing changed", warm, cold);
    await new LayerCache(backend, repo).PruneAsync(null, null, default);
}

// A forced rebuild of a pip and an apt step with and without the download-cache volumes.
static async Task CacheVolumesAsync(TestBedEnv env)
{
    using var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(env.DockerHost), "test bed"));
    var builder = new ImageBuilder(backend);
    var repo = "imagetasks-bench-" + Guid.NewGuid().ToString("N")[..8];
    var pip = new PipStep([PipPackage.Create("imgt-greeting", "2.0.0"), PipPackage.Create("setuptools")],
        new PipOptions { IndexUrl = env.PypiUrl, ExtraOptions = ["--trusted-host=127.0.0.1"] });
    var apt = new AptStep([new AptPackage("jq"), new AptPackage("libxml2"), new AptPackage("file")]);
    foreach (var (label, step, network) in new (string, BuildStep, string?)[] { ("pip, local index", pip, "host"), ("apt, Debian mirror", apt, null) })
    {
        var definition = new ImageDefinition(ImageReference.Parse(env.BasePython), [step with { Force = true }]);
        BuildOptions Options(bool volumes) => new()
            { CacheRepository = repo, CacheVolumePrefix = repo, UseCacheVolumes = volumes, Network = network, StateDirectory = null };
        await builder.BuildAsync(definition, Options(true), new QuietLog(), default); // fill the volume
        var without = await MeasureAsync(() => builder.BuildAsync(definition, Options(false), new QuietLog(), default), runs: 3);
        var with = await MeasureAsync(() => builder.BuildAsync(definition, Options(true), new QuietLog(), default), runs: 3);
        Console.WriteLine($"forced rebuild of one {label} step, best of 3:");
        Report("  without cache volume (baseline)", without, without);
        Report("  with cache volume", with, without);
    }
    await new LayerCache(backend, repo).PruneAsync(null, null, default);
    foreach (var suffix in new[] { "-pip", "-apt", "-apt-lists" })
        Process.Start("docker", ["volume", "rm", "-f", repo + suffix])!.WaitForExit();
}

// A build's first requests in a fresh process (what an edit's build pays each time): ping, version and one image
// inspect, through the Docker client library (the baseline) and through EngineHttp. Each run is a new process of this
// program (client-start-once), alternating; prints the medians and the ratio.
static void ClientStart(TestBedEnv env)
{
    const int runs = 9;
    var times = new Dictionary<string, List<double>> { ["library"] = [], ["http"] = [] };
    for (var i = 0; i < runs; i++)
        foreach (var client in times.Keys)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            if (!Environment.ProcessPath!.EndsWith("ImageTasks.Benchmarks", StringComparison.Ordinal)) start.ArgumentList.Add(typeof(TestBedEnv).Assembly.Location);
            foreach (var arg in new[] { "client-start-once", client }) start.ArgumentList.Add(arg);
            start.Environment["DOCKER_HOST"] = env.DockerHost;
            start.Environment["IMAGETASKS_BENCH_IMAGE"] = env.BasePlain;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"client-start-once {client} failed: {output}");
            times[client].Add(double.Parse(output, System.Globalization.CultureInfo.InvariantCulture));
        }
    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
    var (library, http) = (Median(times["library"]), Median(times["http"]));
    Console.WriteLine($"client start (ping, version, one inspect in a fresh process, median of {runs}): library {library:0.0} ms, EngineHttp {http:0.0} ms, ratio {http / library:0.00}");
}

static async Task<int> ClientStartOnceAsync(string client)
{
    var endpoint = EngineEndpoint.Resolve();
    var image = Environment.GetEnvironmentVariable("IMAGETASKS_BENCH_IMAGE")!;
    var clock = Stopwatch.StartNew();
    if (client == "library")
    {
        using var docker = new Docker.DotNet.DockerClientBuilder().WithEndpoint(endpoint.Uri).Build();
        await docker.System.PingAsync();
        await docker.System.GetVersionAsync();
        _ = (await docker.Images.InspectImageAsync(image)).ID;
    }
    else
    {
        var http = new EngineHttp(endpoint);
        await http.RequestAsync("GET", "/_ping", CancellationToken.None);
        _ = EngineJson.IsPodmanVersion((await http.RequestAsync("GET", "/version", CancellationToken.None))!);
        _ = EngineJson.Image((await http.RequestAsync("GET", $"/images/{EngineHttp.Escape(image)}/json", CancellationToken.None))!).Id;
    }
    Console.Write(clock.Elapsed.TotalMilliseconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

static (TimeSpan Time, long Allocated) Measure(Action action, int runs = 5)
{
    var best = TimeSpan.MaxValue;
    long allocated = 0;
    for (var i = 0; i < runs; i++)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        action();
        var elapsed = clock.Elapsed;
        if (elapsed < best) (best, allocated) = (elapsed, GC.GetTotalAllocatedBytes(precise: true) - before);
    }
    return (best, allocated);
}

static async Task<(TimeSpan Time, long Allocated)> MeasureAsync(Func<Task> action, int runs)
{
    var best = TimeSpan.MaxValue;
    for (var i = 0; i < runs; i++)
    {
        var clock = Stopwatch.StartNew();
        await action();
        if (clock.Elapsed < best) best = clock.Elapsed;
    }
    return (best, 0);
}

static void Report(string label, (TimeSpan Time, long Allocated) value, (TimeSpan Time, long Allocated) baseline)
    => Console.WriteLine($"{label,-42} {value.Time.TotalMilliseconds,9:0} ms  x{value.Time / baseline.Time,7:0.000} of baseline" +
                         (value.Allocated > 0 ? $"  {value.Allocated / 1024.0 / 1024.0,7:0.0} MB allocated" : ""));

sealed class QuietLog : IBuildLog
{
    public void Info(string message) { }
    public void StepOutput(PlannedStep step, string line) { }
    public void Warning(string code, string message) { }
}

sealed record TestBedEnv(string DockerHost, string BasePlain, string BasePython, string PypiUrl)
{
    public static TestBedEnv Load()
    {
        string Get(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(value)) return value;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var file = Path.Combine(dir.FullName, ".testbed", "env");
                if (!File.Exists(file)) continue;
                var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith($"export {name}=", StringComparison.Ordinal));
                if (line is not null) return line[(line.IndexOf('=') + 1)..].Trim('\'');
            }
            return "";
        }
        return new(Get("IMAGETASKS_DOCKER_HOST"), Get("IMAGETASKS_BASE_PLAIN"), Get("IMAGETASKS_BASE_PYTHON"), Get("IMAGETASKS_PYPI_URL"));
    }
}
