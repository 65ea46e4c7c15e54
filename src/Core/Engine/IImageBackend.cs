using ImageTasks.Definition;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>
/// What the engine needs from a container engine. The Docker backend (ImageTasks.Docker) is the only implementation
/// and the only code that talks to an engine.
/// </summary>
public partial interface IImageBackend : IDisposable
{
    /// <summary>Null when the engine has no such image.</summary>
    Task<ImageInfo?> InspectImageAsync(string reference, CancellationToken cancellationToken);

    /// <summary>Pulls an image; progress lines go to <paramref name="progress"/>.</summary>
    Task PullImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken);

    /// <summary>
    /// Runs one step on top of <see cref="StepRun.ParentImage"/> and commits the result: creates a container, copies
    /// the files in (CopyStep), runs the command (if any) streaming each output line to <paramref name="output"/>,
    /// commits with <see cref="StepRun.Config"/>, removes the container in every case. Returns the new image id.
    /// A non-zero exit is a <see cref="StepFailedException"/>.
    /// </summary>
    Task<string> RunStepAsync(StepRun run, Action<string> output, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="run"/> and, where the backend can do it in the same engine request, the step
    /// <paramref name="then"/> makes for the new image's id, which only sets the configuration (the app's top layer, then
    /// the final configuration). Returns both new image ids; Then is null when the configuration step was not built
    /// (the caller builds it in its turn), as this default, which runs <paramref name="run"/> alone, does.
    /// </summary>
    async Task<(string First, string? Then)> RunStepThenConfigAsync(StepRun run, Func<string, StepRun> then, Action<string> output, CancellationToken cancellationToken)
        => (await RunStepAsync(run, output, cancellationToken).ConfigureAwait(false), null);

    /// <summary>Runs a command in a throw-away container of an image (nothing is committed) and returns its exit code
    /// and output lines: used to check what a base image can do.</summary>
    Task<ProbeResult> ProbeAsync(string image, IReadOnlyList<string> command, CancellationToken cancellationToken);

    Task TagAsync(string imageId, string repository, string tag, CancellationToken cancellationToken);

    /// <summary>Images of one repository (every tag), for listing and pruning the cache.</summary>
    Task<IReadOnlyList<ImageInfo>> ListImagesAsync(string repository, CancellationToken cancellationToken);

    /// <summary>Removes a tag (and the image when no other tag holds it).</summary>
    Task RemoveImageAsync(string reference, CancellationToken cancellationToken);
}

public sealed record ProbeResult(long ExitCode, IReadOnlyList<string> Output);

/// <summary>What the engine tells of an image.</summary>
public sealed record ImageInfo(string Id, IReadOnlyList<string> Tags, DateTimeOffset Created, long Size, string Os, string Architecture, ImageConfig Config)
{
    public IReadOnlyDictionary<string, string> Labels => Config.Labels;

    /// <summary>File system layers of the image (0 when the engine did not say).</summary>
    public int LayerCount { get; init; }

    /// <summary>The image's commit comment: for a layer ImageTasks committed, its cache record (<see cref="CacheRecord"/>).</summary>
    public string? Comment { get; init; }
}

/// <summary>One step to run.</summary>
/// <param name="Command">argv run in the container; null for a step that only copies files or changes config.</param>
/// <param name="Config">The image's configuration after this step; passed in full at commit.</param>
/// <param name="Archive">For file steps: writes the tar stream to copy in at '/' before the command runs.</param>
/// <param name="Network">Network mode of the build container ("bridge" by default, "host", "none").</param>
/// <param name="CacheMounts">Named volume -> path in the container, mounted during the step only (download caches).</param>
public sealed record StepRun(
    string ParentImage,
    IReadOnlyList<string>? Command,
    ImageConfig Config,
    Func<Stream, CancellationToken, Task>? Archive,
    string? Network,
    IReadOnlyDictionary<string, string> CacheMounts)
{
    /// <summary>Secret files for this step only; null when none.</summary>
    public StepSecrets? Secrets { get; init; }

    /// <summary>The commit comment: the layer's cache record (its key and parent key), see <see cref="CacheRecord"/>.</summary>
    public string? Comment { get; init; }
    /// <summary>Files the step runs but the image must not keep (a function's published program); null when none.</summary>
    public StepFiles? Files { get; init; }

    /// <summary>The working directory of the step's process; null: the image's (<see cref="Config"/>). Not committed.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>The platform the step's container runs on (os/arch[/variant]; emulated when it is not the engine's);
    /// null: the engine's default. Set for every platform but linux/amd64, so amd64 builds create containers as before.</summary>
    public string? Platform { get; init; }
}

/// <summary>Files the backend puts in a volume mounted at <see cref="Directory"/> for one step only (never committed):
/// <see cref="Archive"/> writes them as a tar whose entries are relative to that folder.</summary>
public sealed record StepFiles(string Directory, Func<Stream, CancellationToken, Task> Archive);

/// <summary>
/// Files a step reads but the image must not keep (an index URL with a token): the backend puts them in a volume
/// mounted at <see cref="Directory"/> for that step only. Never printed.
/// </summary>
public sealed record StepSecrets(string Directory, IReadOnlyDictionary<string, string> Files)
{
    /// <summary>Secret values the step's output may print (pip prints an index URL's query string): masked as ***.</summary>
    public IReadOnlyList<string> Masked { get; init; } = [];

    /// <summary>Files copied from the host into the volume: path relative to <see cref="Directory"/> -> host path
    /// (a step's inputs: requirements files, local packages). Read only, not secret, but never committed either.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> HostFiles { get; init; } = [];

    public string Mask(string line) => Masked.Aggregate(line, (l, secret) => l.Replace(secret, "***", StringComparison.Ordinal));

    public override string ToString() => $"{Files.Count} secret file(s) and {HostFiles.Count} input file(s) in {Directory}";
}

public sealed class StepFailedException(long exitCode, IReadOnlyList<string> lastLines)
    : Exception($"exited with code {exitCode}")
{
    public long ExitCode { get; } = exitCode;
    public IReadOnlyList<string> LastLines { get; } = lastLines;
}
