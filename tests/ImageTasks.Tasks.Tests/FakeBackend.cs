using ImageTasks.Engine;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Tests;

/// <summary>
/// An engine in memory: the base image <see cref="BaseReference"/> is there, every step "runs" by making a new image
/// id, and the run numbered <see cref="FailAtRun"/> (1-based) exits 1. Enough for the runner's own logic (reports,
/// configuration), not for what the engine does.
/// </summary>
internal sealed class FakeBackend(string baseReference, ImageConfig? baseConfig = null) : IImageBackend
{
    readonly Dictionary<string, ImageInfo> _images = new()
    {
        [baseReference] = new ImageInfo("sha256:fakebase", [], DateTimeOffset.UnixEpoch, 1000, "linux", "amd64", baseConfig ?? new ImageConfig()),
    };

    public string BaseReference => baseReference;
    public int? FailAtRun { get; init; }
    public List<StepRun> Runs { get; } = [];

    public Task<ImageInfo?> InspectImageAsync(string reference, CancellationToken cancellationToken) =>
        Task.FromResult(_images.GetValueOrDefault(reference));

    public Task PullImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string> RunStepAsync(StepRun run, Action<string> output, CancellationToken cancellationToken)
    {
        Runs.Add(run);
        if (Runs.Count == FailAtRun) throw new StepFailedException(1, ["boom"]);
        var id = $"sha256:fake{Runs.Count}";
        _images[id] = new ImageInfo(id, [], DateTimeOffset.UnixEpoch, 1000 + Runs.Count, "linux", "amd64", run.Config);
        return Task.FromResult(id);
    }

    public Task<ProbeResult> ProbeAsync(string image, IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        Task.FromResult(new ProbeResult(0, []));

    public Task TagAsync(string imageId, string repository, string tag, CancellationToken cancellationToken)
    {
        _images[$"{repository}:{tag}"] = _images[imageId];
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ImageInfo>> ListImagesAsync(string repository, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ImageInfo>>([]);

    public Task RemoveImageAsync(string reference, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ExportPathsAsync(string image, IReadOnlyList<string> paths, Func<ExportedPath, Stream, CancellationToken, Task> read,
        CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<bool> IsDirectoryAsync(string image, string path, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ImageInfo> ScratchImageAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<PushResult> PushImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task SaveImagesAsync(IReadOnlyList<string> references, Stream output, CancellationToken cancellationToken) => throw new NotSupportedException();

    public void Dispose() { }

    /// <summary>A runner on this engine.</summary>
    public ImageTasks.Tasks.Engine.RequestRunner Runner() => new((_, _) => Task.FromResult<IImageBackend>(this));
}

/// <summary>An ITaskLog that keeps what it is given.</summary>
internal sealed class ListTaskLog : ITaskLog
{
    public List<(string Code, string Message)> Errors { get; } = [];
    public List<(string Code, string Message)> Warnings { get; } = [];

    public void Error(string code, string? file, int line, int column, string message) => Errors.Add((code, message));
    public void Warning(string code, string? file, int line, int column, string message) => Warnings.Add((code, message));
    public void Message(bool high, string text) { }
}
