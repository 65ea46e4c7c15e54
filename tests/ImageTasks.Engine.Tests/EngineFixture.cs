using System.Collections.Concurrent;
using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>A backend on the test bed's engine, a cache repository of this test run, and a log that collects.</summary>
public abstract class EngineFixture
{
    protected static DockerBackend Backend { get; private set; } = null!;

    /// <summary>A cache repository no earlier run used, so every first build is cold.</summary>
    protected static string CacheRepository { get; } = "imagetasks-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>This run's build containers, told apart from those of builds running beside the tests.</summary>
    static string ContainerPrefix { get; } = DockerBackend.BuildContainerPrefix + CacheRepository + "-";

    /// <summary>Runs before each derived test class: connect once.</summary>
    [ClassInitialize(InheritanceBehavior.BeforeEachDerivedClass)]
    public static Task InitializeFixture(TestContext _) => ConnectAsync();

    /// <summary>Runs after each derived test class: remove this run's cache layers and volumes.</summary>
    [ClassCleanup(InheritanceBehavior.BeforeEachDerivedClass)]
    public static Task CleanupFixture() => RemoveCacheAsync();

    protected static async Task ConnectAsync()
    {
        if (Backend is not null) return;
        Backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        Backend.ContainerNamePrefix = ContainerPrefix;
    }

    protected static async Task RemoveCacheAsync()
    {
        if (Backend is null) return;
        var cache = new LayerCache(Backend, CacheRepository);
        await cache.PruneAsync(null, null, CancellationToken.None);
        foreach (var volume in TestBed.Docker("volume", "ls", "-q", "--filter", "name=" + CacheRepository).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            TestBed.Docker("volume", "rm", "-f", volume);
    }

    protected static BuildOptions Options(params string[] tags) => new()
    {
        CacheRepository = CacheRepository,
        CacheVolumePrefix = CacheRepository,
        Tags = tags,
        Network = "host", // the test bed's package index listens on 127.0.0.1
    };

    protected static ImageDefinition Definition(string baseImage, params BuildStep[] steps) => new(ImageReference.Parse(baseImage), steps);

    protected static Task<BuildResult> BuildAsync(ImageDefinition definition, BuildOptions? options = null, CollectingLog? log = null,
        CancellationToken cancellationToken = default)
        => new ImageBuilder(Backend).BuildAsync(definition, options ?? Options(), log ?? new CollectingLog(), cancellationToken);

    /// <summary>Runs a command in an image with the docker CLI and returns what it printed.</summary>
    protected static string RunInImage(string image, params string[] command)
        => TestBed.Docker(["run", "--rm", "--network", "host", "--entrypoint", "", image, .. command]).Trim();

    protected static string[] BuildContainers()
        => TestBed.Docker("ps", "-a", "-q", "--filter", "name=" + ContainerPrefix).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

public sealed class CollectingLog : IBuildLog
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public ConcurrentQueue<(int Step, string Line)> Output { get; } = new();
    public Action<string>? OnOutput { get; init; }

    public void Info(string message) => Lines.Enqueue(message);

    public void StepOutput(PlannedStep step, string line)
    {
        Output.Enqueue((step.Index, line));
        OnOutput?.Invoke(line);
    }

    public void Warning(string code, string message) => Lines.Enqueue($"warning {code}: {message}");
}
