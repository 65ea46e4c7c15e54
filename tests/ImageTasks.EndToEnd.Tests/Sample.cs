using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>
/// One run's isolated consumer setup: a throw-away folder with a nuget.config of its own (the local feed and nuget.org
/// only) and a fresh NuGet package cache, so no ImageTasks from another build can be picked up.
/// </summary>
internal static class Consumer
{
    public static readonly string RunId = Guid.NewGuid().ToString("N")[..8];
    public static readonly string Root = Path.Combine(Path.GetTempPath(), "imagetasks-e2e-" + RunId);
    public static readonly string Packages = Path.Combine(Root, "packages");
    public static string Feed => Path.Combine(TestBed.RepoRoot, "artifacts", "feed");
    /// <summary>The packed package the run consumes: the feed's ImageTasks.*.nupkg (the newest, should there be several).</summary>
    public static string Package => Packed.Value.Path;
    /// <summary>Its version, as its nuspec has it (from git: MinVer), which every sample asks for.</summary>
    public static string Version => Packed.Value.Version;
    /// <summary>The run's own layer cache, so that "built" and "reused" mean this run's builds, not an earlier run's.</summary>
    public static readonly string CacheRepository = "imagetasks-e2e-cache-" + RunId;

    private static readonly Lazy<(string Path, string Version)> Packed = new(() =>
    {
        if (FindPackage() is not { } package)
        {
            // run.sh packs before the tests; a developer running the tests alone gets the package made here
            var (code, output) = Exec("dotnet", ["pack", Path.Combine(TestBed.RepoRoot, "src", "Sdk"), "-c", "Release", "-o", Feed, "-nologo"]);
            Assert.AreEqual(0, code, "dotnet pack src/Sdk failed:\n" + output);
            package = FindPackage() ?? throw new InvalidOperationException("dotnet pack src/Sdk made no ImageTasks package in " + Feed + ":\n" + output);
        }
        return (package, Nuspec(package).Elements().Single(e => e.Name.LocalName == "version").Value);
    });

    /// <summary>Runs a tool (dotnet, git) in the repository, no engine involved; its exit code and output (stdout, then stderr).</summary>
    public static (int Code, string Output) Exec(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestBed.RepoRoot };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static string? FindPackage() => Directory.Exists(Feed)
        ? new DirectoryInfo(Feed).EnumerateFiles("ImageTasks.*.nupkg").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault()?.FullName
        : null;

    /// <summary>The metadata element of a package's nuspec.</summary>
    public static XElement Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/'));
        using var stream = nuspec.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static readonly Lazy<bool> Setup = new(() =>
    {
        Directory.CreateDirectory(Packages);
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        // the version the samples ask for, as a user's repository would pin it: Directory.Build.props for their
        // PackageReference (Version="$(ImageTasksVersion)"), global.json for the project SDK form (<Sdk Name="ImageTasks" />)
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), $"""
            <Project>
              <PropertyGroup>
                <ImageTasksVersion>{Version}</ImageTasksVersion>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(Root, "global.json"), $$"""
            { "msbuild-sdks": { "ImageTasks": "{{Version}}" } }
            """);
        return true;
    });

    /// <summary>A fresh copy of testprojects/NAME in its own folder under the run's root.</summary>
    public static Sample Copy(string name, string testName)
    {
        _ = Setup.Value;
        var source = Path.Combine(TestBed.RepoRoot, "testprojects", name);
        var target = Path.Combine(Root, testName, name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj") continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
        return new Sample(name, target, $"imagetasks-e2e-{testName.ToLowerInvariant()}-{RunId}");
    }
}

internal sealed record BuildOutput(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>A copied sample project and what to build it with.</summary>
internal sealed class Sample(string name, string directory, string repository)
{
    public string Name { get; } = name;
    public string Directory { get; } = directory;
    public string Repository { get; } = repository;
    public string Image => Repository + ":latest";
    public string ProjectFile => Path.Combine(Directory, Name + ".csproj");
    public string ReportFile => Path.Combine(Directory, "obj", "imagetasks", "last-build.json");

    /// <summary>The properties that point a build at the test bed.</summary>
    public IEnumerable<string> TestBedProperties() =>
    [
        "-p:BuildImage=true",
        "-p:ContainerBaseImage=" + TestBed.BasePython,
        "-p:ImagePipIndexUrl=" + TestBed.PypiUrl,
        "-p:ImageBuildNetwork=host", // build containers reach the index on 127.0.0.1
        "-p:ContainerRepository=" + Repository,
        "-p:ImageCacheRepository=" + Consumer.CacheRepository,
    ];

    /// <param name="docker">The build reaches the test bed's engine (an image build): it must be up.</param>
    public ProcessStartInfo Command(string verb, IEnumerable<string> arguments, bool docker = true)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { verb, ProjectFile, "-nologo", "-nodeReuse:false" }.Concat(arguments)) start.ArgumentList.Add(a);
        start.Environment["NUGET_PACKAGES"] = Consumer.Packages;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        if (docker) start.Environment["DOCKER_HOST"] = TestBed.DockerHost;
        start.Environment.Remove("IMAGETASKS_FORCE_BUILD");
        return start;
    }

    public BuildOutput Run(string verb, params string[] arguments) => Run(verb, arguments, docker: true);

    public BuildOutput Run(string verb, string[] arguments, bool docker, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = Command(verb, arguments, docker);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new BuildOutput(process.ExitCode, stdout + stderr.Result);
    }

    public BuildOutput Build(params string[] extra) => Run("build", TestBedProperties().Concat(extra).ToArray());

    public BuildReport Report() => JsonSerializer.Deserialize<BuildReport>(File.ReadAllText(ReportFile), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    public void Edit(string file, Func<string, string> change)
    {
        var path = Path.Combine(Directory, file);
        File.WriteAllText(path, change(File.ReadAllText(path)));
    }
}

/// <summary>obj/imagetasks/last-build.json as the task writes it.</summary>
internal sealed record BuildReport(string ImageId, List<string> ImageNames, int Reused, int Built, List<LayerReport> Layers);

internal sealed record LayerReport(int Index, string Kind, string Summary, string Key, bool Cached, string? Source = null, double Seconds = 0);

internal static class Docker
{
    public static bool ImageExists(string reference) => TestBed.Run("docker", ["image", "inspect", reference]).Code == 0;

    public static string RunImage(string reference)
    {
        var (code, stdout, stderr) = TestBed.Run("docker", ["run", "--rm", reference]);
        Assert.AreEqual(0, code, $"docker run {reference} exited {code}:\n{stdout}\n{stderr}");
        return stdout;
    }

    /// <summary>Build containers left behind, by the name prefix the backend gives them (not by a label: the engine
    /// merges a container's labels into the image committed from it).</summary>
    public static string LeftoverBuildContainers() => TestBed.Docker("ps", "-a", "-q", "--filter", "name=imagetasks-build-").Trim();

    public static void RemoveImage(string reference) => TestBed.Run("docker", ["image", "rm", "-f", reference]);

    /// <summary>Every tag of a repository (a run's layer cache); nothing when the test bed is not there.</summary>
    public static void RemoveRepository(string repository)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "images", "--format", "{{.Repository}}:{{.Tag}}", repository }) start.ArgumentList.Add(a);
        try
        {
            using var list = Process.Start(start)!;
            var tags = list.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            list.WaitForExit();
            foreach (var tag in tags) RemoveImage(tag.Trim());
        }
        catch (System.ComponentModel.Win32Exception) { } // no docker CLI: nothing was built
    }
}

[TestClass]
public static class RunCleanup
{
    /// <summary>The run's throw-away folder (copies, package cache) and layer cache go away with the run.</summary>
    [AssemblyCleanup]
    public static void RemoveRunFolder()
    {
        Docker.RemoveRepository(Consumer.CacheRepository);
        try { if (System.IO.Directory.Exists(Consumer.Root)) System.IO.Directory.Delete(Consumer.Root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
