using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>How to report progress. MSBuild tasks forward to their logger; tests collect.</summary>
public interface IBuildLog
{
    void Info(string message);
    /// <summary>One line of a running step's output, as it happens.</summary>
    void StepOutput(PlannedStep step, string line);
    void Warning(string code, string message);
}

public enum PullPolicy { Missing, Always, Never }

public sealed record BuildOptions
{
    /// <summary>Every layer is tagged &lt;CacheRepository&gt;:&lt;key&gt;.</summary>
    public string CacheRepository { get; init; } = "imagetasks-cache";
    /// <summary>Names given to the final image ("myapp:1.0").</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    public bool ForceAll { get; init; }
    /// <summary>Network mode of build containers; null: the engine's default (bridge).</summary>
    public string? Network { get; init; }
    public PullPolicy Pull { get; init; } = PullPolicy.Missing;
    /// <summary>Where the file digest index is kept (per project, under obj/); null: no index.</summary>
    public string? FileIndexPath { get; init; }
    /// <summary>Mount the named download-cache volume at pip's and apt's caches during steps.</summary>
    public bool UseCacheVolumes { get; init; } = true;
}

/// <summary>What happened to one layer.</summary>
public sealed record LayerResult(PlannedStep Step, bool Cached, TimeSpan Elapsed, long Size, string ImageId);

public sealed record BuildResult(BuildPlan Plan, string BaseImageId, IReadOnlyList<LayerResult> Layers, string ImageId)
{
    public int Reused => Layers.Count(l => l.Cached);
    public int Built => Layers.Count(l => !l.Cached);
}

/// <summary>Plans a definition and brings its layers up to date on a backend: skips layers already built, runs the rest.</summary>
public sealed class ImageBuilder(IImageBackend backend)
{
    public IImageBackend Backend { get; } = backend;

    // implemented in the engine work
    public Task<BuildResult> BuildAsync(ImageDefinition definition, BuildOptions options, IBuildLog log, CancellationToken cancellationToken)
        => throw new NotImplementedException();
}
