using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Backend.Registry;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageConfig = ImageTasks.Definition.ImageConfig;

namespace ImageTasks.Backend;

/// <summary>
/// The engine's backend on the Docker Engine API (also served by Podman). The only code that talks to an engine.
/// Requests are left unversioned: engines refuse clients that pin an old version.
/// </summary>
public sealed partial class DockerBackend : IImageBackend
{
    /// <summary>Build containers are named with this prefix (labels would be merged into the committed image).</summary>
    public const string BuildContainerPrefix = "imagetasks-build-";

    /// <summary>The prefix of this backend's build container names: <see cref="BuildContainerPrefix"/> unless a caller
    /// (a test that must tell its containers from concurrent builds') sets a longer one.</summary>
    public string ContainerNamePrefix { get; set; } = BuildContainerPrefix;
    const int LastLinesKept = 20;

    /// <summary>The requests every build makes, spoken directly (<see cref="EngineHttp"/>).</summary>
    readonly EngineHttp _http;

    /// <summary>The client library, for the other requests: started on the first of them.</summary>
    readonly Lazy<DockerClient> _library;

    DockerClient _client => _library.Value;

    DockerBackend(EngineEndpoint endpoint, EngineTls? tls)
    {
        Endpoint = endpoint;
        _http = new EngineHttp(endpoint, tls);
        _library = new Lazy<DockerClient>(() =>
        {
            var builder = new DockerClientBuilder().WithEndpoint(endpoint.Uri);
            if (tls is not null) builder = builder.WithAuthProvider(TlsCredentials(tls));
            return builder.Build();
        });
    }

    public EngineEndpoint Endpoint { get; }

    /// <summary>Connects to the engine found as the docker CLI finds it (or the one given) and checks that it answers.</summary>
    public static async Task<DockerBackend> ConnectAsync(EngineEndpoint? endpoint = null, CancellationToken cancellationToken = default)
    {
        endpoint ??= EngineEndpoint.Resolve();
        var backend = new DockerBackend(endpoint, endpoint.TlsCertPath is { } certs ? EngineTls.Load(endpoint, certs) : null);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            var ping = await backend._http.SendAsync("GET", "/_ping", null, timeout.Token).ConfigureAwait(false);
            if (!ping.IsSuccess) throw new EngineRequestException(ping.Status, ping.Text);
            await backend.DetectEngineAsync(ping, timeout.Token).ConfigureAwait(false);
            return backend;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            backend.Dispose();
            throw TlsFailure(endpoint, e) ?? new ImageTasksException(ErrorCodes.EngineUnreachable,
                $"No container engine answers at {endpoint.Uri} (found from the {endpoint.Source}): {ConnectFailure(e)}. " +
                "Start Docker (or Podman), or point DOCKER_HOST at a running engine.", e);
        }
    }

    /// <summary>Why the first request failed, as one sentence (a timeout says so, not "the operation was canceled").</summary>
    static string ConnectFailure(Exception e) => e is OperationCanceledException
        ? "it did not answer within 15 seconds"
        : (e is EngineRequestException { } refused ? $"it answered {(int)refused.StatusCode} {refused.StatusCode}: {EngineMessage(refused.Body)}" : Innermost(e).Message).Trim().TrimEnd('.');

    public Task<ImageInfo?> InspectImageAsync(string reference, CancellationToken cancellationToken)
        => EngineAsync($"while inspecting the image '{reference}'", () => InspectAsync(reference, cancellationToken), cancellationToken);

    /// <summary>The engine's inspect of an image, or null when it has no such image.</summary>
    async Task<InspectedImage?> InspectedAsync(string reference, CancellationToken cancellationToken) =>
        await _http.RequestAsync("GET", $"/images/{EngineHttp.Escape(reference)}/json", cancellationToken, notFoundIsNull: true).ConfigureAwait(false) is { } json
            ? EngineJson.Image(json)
            : null;

    async Task<ImageInfo?> InspectAsync(string reference, CancellationToken cancellationToken)
    {
        if (await InspectedAsync(reference, cancellationToken).ConfigureAwait(false) is not { } image) return null;
        return new ImageInfo(image.Id, image.RepoTags.Select(FamiliarTag).ToArray(), image.Created, image.Size, image.Os, image.Architecture, image.Config)
            { LayerCount = image.Layers.Count, Comment = image.Comment ?? await PodmanHistoryCommentAsync(image.Id, cancellationToken).ConfigureAwait(false) };
    }

    public Task PullImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
        => EngineAsync($"while pulling '{reference}'", () => PullAsync(reference, progress, cancellationToken), cancellationToken);

    async Task PullAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
    {
        var lookup = await FindCredentialsAsync(reference, RegistryOperation.Pull, cancellationToken).ConfigureAwait(false);
        string? error = null;
        var report = new SyncProgress(m =>
        {
            if (m.Error is { } e) error = e.Message;
            else if (m.Status is { } status) progress(m.ID is { Length: > 0 } id ? $"{id}: {status}" : status);
        });
        try
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = reference }, AuthConfigFor(lookup), report, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerApiException e) { error = EngineMessage(e); }
        // Pull reports failures inside a 200 response's JSON stream: every message's error field counts.
        if (error is not null && lookup is not null && RegistryErrors.IsUnauthorized(error))
            throw RegistryErrors.Unauthorized(RegistryOperation.Pull, reference, lookup, error);
        if (error is not null)
            throw new ImageTasksException(ErrorCodes.PullFailed,
                $"Pulling '{reference}' failed: {error.Trim()}. Check the image name and that the registry is reachable (and logged in, for a private one).");
    }

    public Task<string> RunStepAsync(StepRun run, Action<string> output, CancellationToken cancellationToken)
    {
        CheckPodmanCanCommit(run);
        return RunAsync(run, output, cancellationToken);
    }

    /// <summary>Both images in one load where the load path fits them; else the step alone, its own way (the caller
    /// then builds the configuration step in its turn, so a failure there is said with that step).</summary>
    public Task<(string First, string? Then)> RunStepThenConfigAsync(StepRun run, Func<string, StepRun> then, Action<string> output, CancellationToken cancellationToken)
    {
        CheckPodmanCanCommit(run);
        return EngineAsync("while running a step's container", async () =>
            await TryLoadLayerAsync(run, then, cancellationToken).ConfigureAwait(false)
            ?? (await CommitStepAsync(run, output, cancellationToken).ConfigureAwait(false), null), cancellationToken);
    }

    Task<string> RunAsync(StepRun run, Action<string> output, CancellationToken cancellationToken)
        => EngineAsync("while running a step's container", async () => await TryLoadLayerAsync(run, cancellationToken).ConfigureAwait(false)
            ?? await CommitStepAsync(run, output, cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>The commit path: a container of the parent with the step's files and volumes, its command run, committed.</summary>
    async Task<string> CommitStepAsync(StepRun run, Action<string> output, CancellationToken cancellationToken)
        => await WithStepVolumeAsync(run.Secrets is not null, secretsVolume => WithStepVolumeAsync(run.Files is not null, async filesVolume => await WithContainerAsync(
            CreateParameters(run, secretsVolume, filesVolume, run.Command is null ? "none" : await StepNetworkAsync(run, cancellationToken).ConfigureAwait(false)), async name =>
        {
            if (run.Secrets is not null) await CopySecretsInAsync(name, run.Secrets, cancellationToken).ConfigureAwait(false);
            if (run.Files is not null) await CopyInAsync(name, run.Files.Archive, cancellationToken, run.Files.Directory).ConfigureAwait(false);
            if (run.Archive is not null) await CopyInAsync(name, run.Archive, cancellationToken).ConfigureAwait(false);
            if (run.Command is not null)
            {
                var (exit, last) = await RunToEndAsync(name, output, cancellationToken).ConfigureAwait(false);
                if (exit != 0) throw new StepFailedException(exit, last);
            }
            var parameters = CommitParameters(run, name);
            ForPodman(parameters, run);
            var commit = await _client.Images.CommitContainerChangesAsync(parameters, cancellationToken).ConfigureAwait(false);
            await CheckPodmanCommitAsync(commit.ID, run, cancellationToken).ConfigureAwait(false);
            return await WithPlatformAsync(commit.ID, run, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false))).ConfigureAwait(false);

    public Task<ProbeResult> ProbeAsync(string image, IReadOnlyList<string> command, CancellationToken cancellationToken)
        => EngineAsync($"while checking the image {image}", () => WithContainerAsync(new CreateContainerParameters { Image = image, Entrypoint = [""], Cmd = command.ToList() }, async name =>
        {
            var lines = new List<string>();
            var (exit, _) = await RunToEndAsync(name, lines.Add, cancellationToken).ConfigureAwait(false);
            return new ProbeResult(exit, lines);
        }, cancellationToken), cancellationToken);

    /// <param name="network">The network mode: a step that runs nothing is never started and needs none.</param>
    static CreateContainerParameters CreateParameters(StepRun run, string? secretsVolume, string? filesVolume, string network) => new()
    {
        Image = run.ParentImage,
        Platform = run.Platform,
        // A step runs without the image's entrypoint ([""] tells the engine: none). A step that runs nothing is
        // never started; it only needs a valid command to be created.
        Entrypoint = [""],
        Cmd = run.Command?.ToList() ?? ["/bin/sh"],
        WorkingDir = run.WorkingDirectory ?? run.Config.WorkingDir ?? "",
        User = run.Config.User ?? "",
        HostConfig = new HostConfig
        {
            NetworkMode = network,
            Mounts = run.CacheMounts.Select(m => new Mount { Type = "volume", Source = m.Key, Target = m.Value })
                // NoCopy: the image's own files at the mount point (/run's) are not copied into the secrets volume
                .Concat(secretsVolume is null ? [] : [new Mount { Type = "volume", Source = secretsVolume, Target = run.Secrets!.Directory, VolumeOptions = new VolumeOptions { NoCopy = true } }])
                .Concat(filesVolume is null ? [] : [new Mount { Type = "volume", Source = filesVolume, Target = run.Files!.Directory }])
                .ToList(),
        },
    };

    static CommitContainerChangesParameters CommitParameters(StepRun run, string container) => new()
    {
        ContainerID = container,
        Author = "imagetasks",
        Comment = run.Comment ?? "",
        // The engine merges the container's configuration into an image where the commit leaves a field empty, so
        // the image's intended configuration is given in full (see the README's engine notes).
        Env = run.Config.Env.ToList(),
        Cmd = run.Config.Cmd?.ToList()!,
        Entrypoint = run.Config.Entrypoint?.ToList()!,
        WorkingDir = run.Config.WorkingDir ?? "",
        User = run.Config.User ?? "",
        Labels = new Dictionary<string, string>(run.Config.Labels),
        ExposedPorts = run.Config.ExposedPorts.ToDictionary(p => p, _ => default(EmptyStruct)),
        Volumes = run.Config.Volumes.ToDictionary(v => v, _ => default(EmptyStruct)),
        StopSignal = run.Config.StopSignal ?? "",
        Healthcheck = HealthcheckOf(run.Config.Healthcheck),
        Shell = run.Config.Shell?.ToList()!,
    };

    /// <summary>Streams a tar into the container at <paramref name="path"/> ('/' by default): the writer fills a pipe the
    /// request reads, no temp copy.</summary>
    Task CopyInAsync(string container, Func<Stream, CancellationToken, Task> archive, CancellationToken cancellationToken, string path = "/")
        => StreamToAsync(archive, reader => _client.Containers.ExtractArchiveToContainerAsync(container, new CopyToContainerParameters { Path = path }, reader, cancellationToken),
            cancellationToken);

    /// <summary>Starts the container, streams its output line by line, and returns its exit code and last lines.</summary>
    async Task<(long ExitCode, string[] LastLines)> RunToEndAsync(string container, Action<string> output, CancellationToken cancellationToken)
    {
        await _client.Containers.StartContainerAsync(container, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
        var last = new Queue<string>();
        void Line(string line)
        {
            output(line);
            if (last.Count == LastLinesKept) last.Dequeue();
            last.Enqueue(line);
        }
        // The logs endpoint with follow returns everything from the start, so nothing is lost between start and read.
        using (var logs = await RetryPodmanExitRaceAsync(() => _client.Containers.GetContainerLogsAsync(container,
                   new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, cancellationToken), cancellationToken).ConfigureAwait(false))
        {
            var stdout = new LineSplitter(Line);
            var stderr = new LineSplitter(Line);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await logs.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF) break;
                (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Add(buffer.AsSpan(0, read.Count));
            }
            stdout.Flush();
            stderr.Flush();
        }
        var exit = await _client.Containers.WaitContainerAsync(container, cancellationToken).ConfigureAwait(false);
        return (exit.StatusCode, last.ToArray());
    }

    public Task TagAsync(string imageId, string repository, string tag, CancellationToken cancellationToken)
        => EngineAsync($"while tagging {imageId} as {repository}:{tag}", () => _http.RequestAsync("POST",
            $"/images/{EngineHttp.Escape(imageId)}/tag?repo={Uri.EscapeDataString(repository)}&tag={Uri.EscapeDataString(tag)}", cancellationToken), cancellationToken);

    public Task<IReadOnlyList<ImageInfo>> ListImagesAsync(string repository, CancellationToken cancellationToken)
        => EngineAsync($"while listing the images of {repository}", () => ListAsync(repository, cancellationToken), cancellationToken);

    async Task<IReadOnlyList<ImageInfo>> ListAsync(string repository, CancellationToken cancellationToken)
    {
        var images = await _client.Images.ListImagesAsync(new ImagesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [repository] = true } },
        }, cancellationToken).ConfigureAwait(false);
        return images.Select(i => new ImageInfo(i.ID, i.RepoTags?.Select(FamiliarTag).ToArray() ?? [], i.Created, i.Size, "", "", new ImageConfig())).ToArray();
    }

    public Task RemoveImageAsync(string reference, CancellationToken cancellationToken) => EngineAsync($"while removing the image {reference}", async () =>
    {
        try { await _client.Images.DeleteImageAsync(reference, new ImageDeleteParameters(), cancellationToken).ConfigureAwait(false); }
        catch (DockerImageNotFoundException) { }
    }, cancellationToken);

    public void Dispose()
    {
        RemoveHolder();
        if (_library.IsValueCreated) _library.Value.Dispose();
    }

    /// <summary>Cuts a byte stream into UTF-8 lines (a multi-byte character may span two reads).</summary>
    sealed class LineSplitter(Action<string> line)
    {
        readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
        readonly StringBuilder _pending = new();
        char[] _chars = new char[1024];

        public void Add(ReadOnlySpan<byte> bytes)
        {
            var count = _decoder.GetCharCount(bytes, flush: false);
            if (_chars.Length < count) _chars = new char[count];
            var n = _decoder.GetChars(bytes, _chars, flush: false);
            foreach (var c in _chars.AsSpan(0, n))
            {
                if (c == '\n') Emit();
                else if (c != '\r') _pending.Append(c);
            }
        }

        public void Flush()
        {
            if (_pending.Length > 0) Emit();
        }

        void Emit()
        {
            line(_pending.ToString());
            _pending.Clear();
        }
    }
}
