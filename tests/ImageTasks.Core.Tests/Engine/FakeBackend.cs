using ImageTasks.Definition;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ImageTasks.Engine;

namespace ImageTasks.Core.Tests;

/// <summary>
/// A test double of <see cref="IImageBackend"/>, in memory: images, tags, step runs, pushes and probes, with no container
/// engine. It runs nothing: a step's "result" is a new image whose id is unique per run (as a real commit's is), whose
/// layer count and size grow, and which remembers the run it came from. The engine tier runs the real thing.
/// </summary>
internal sealed class FakeBackend : IImageBackend
{
    readonly ConcurrentDictionary<string, FakeImage> _images = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, string> _tags = new(StringComparer.Ordinal);
    int _commits;

    /// <summary>An image the step made, with the run that made it (null for images put in by the test).</summary>
    public sealed record FakeImage(ImageInfo Info, StepRun? Run, string? ArchiveSha256);

    /// <summary>Every step run, in order (the build container's life: create, copy in, run, commit).</summary>
    public List<StepRun> Runs { get; } = [];
    /// <summary>Every probe, as (image id, argv joined with spaces).</summary>
    public List<(string Image, string Command)> Probes { get; } = [];
    public List<string> Pulls { get; } = [];
    public List<string> Pushes { get; } = [];
    /// <summary>Images the "registry" offers to pull: reference -> image.</summary>
    public Dictionary<string, ImageInfo> Registry { get; } = new(StringComparer.Ordinal);
    /// <summary>A step whose command this returns an exit code for fails with it (0 or null: it succeeds).</summary>
    public Func<StepRun, int?> ExitCodeOf { get; set; } = _ => 0;
    /// <summary>The last lines a failing step printed.</summary>
    public Func<StepRun, IReadOnlyList<string>> LastLinesOf { get; set; } = run => ["failed " + string.Join(' ', run.Command ?? [])];
    /// <summary>What a probe answers: argv joined with spaces -> result; unknown probes exit 0 with no output.</summary>
    public Func<string, ProbeResult> ProbeAnswer { get; set; } = _ => new ProbeResult(0, []);
    /// <summary>Layers the fake registry already has (by image id) when pushed.</summary>
    public HashSet<string> RegistryLayers { get; } = new(StringComparer.Ordinal);

    /// <summary>Puts an image on the fake engine under <paramref name="reference"/>, as a pull or load would.</summary>
    public ImageInfo AddImage(string reference, string os = "linux", string architecture = "amd64", ImageConfig? config = null, int layers = 3)
    {
        var info = new ImageInfo(NewId(reference), [], DateTimeOffset.UtcNow, 1000, os, architecture, config ?? new ImageConfig()) { LayerCount = layers };
        _images[info.Id] = new FakeImage(info, null, null);
        _tags[Normalize(reference)] = info.Id;
        return info;
    }

    /// <summary>The image a reference or id names; null when none.</summary>
    public FakeImage? Image(string reference) =>
        _images.TryGetValue(reference, out var byId) ? byId
        : _tags.TryGetValue(Normalize(reference), out var id) && _images.TryGetValue(id, out var tagged) ? tagged : null;

    public IReadOnlyList<string> TagsOf(string imageId) => _tags.Where(t => t.Value == imageId).Select(t => t.Key).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Every reference inspected, in order.</summary>
    public ConcurrentQueue<string> Inspected { get; } = new();

    public Task<ImageInfo?> InspectImageAsync(string reference, CancellationToken cancellationToken)
    {
        Inspected.Enqueue(reference);
        return Task.FromResult(Image(reference) is { } image ? image.Info with { Tags = TagsOf(image.Info.Id) } : null);
    }

    public Task PullImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
    {
        Pulls.Add(reference);
        if (!Registry.TryGetValue(reference, out var info))
            throw new Diagnostics.ImageTasksException(Diagnostics.ErrorCodes.PullFailed, $"The fake registry has no '{reference}'.");
        _images[info.Id] = new FakeImage(info, null, null);
        _tags[Normalize(reference)] = info.Id;
        progress("pulled " + reference);
        return Task.CompletedTask;
    }

    public async Task<string> RunStepAsync(StepRun run, Action<string> output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var parent = Image(run.ParentImage) ?? throw new InvalidOperationException($"No parent image {run.ParentImage} on the fake engine.");
        lock (Runs) Runs.Add(run);
        string? archive = null;
        if (run.Archive is not null)
        {
            using var tar = new MemoryStream();
            await run.Archive(tar, cancellationToken);
            archive = Convert.ToHexString(SHA256.HashData(tar.ToArray())).ToLowerInvariant();
        }
        if (run.Command is not null) output("ran " + string.Join(' ', run.Command));
        if (ExitCodeOf(run) is { } exit and not 0) throw new StepFailedException(exit, LastLinesOf(run));
        var adds = run.Command is not null || archive is not null ? 1 : 0;
        var info = new ImageInfo(NewId($"commit {Interlocked.Increment(ref _commits)}"), [], DateTimeOffset.UtcNow, parent.Info.Size + 10 * adds,
            parent.Info.Os, parent.Info.Architecture, run.Config) { LayerCount = parent.Info.LayerCount + adds, Comment = run.Comment };
        _images[info.Id] = new FakeImage(info, run, archive);
        return info.Id;
    }

    /// <summary>Steps built with the configuration step over them in one request (the step's run, then the
    /// configuration's), as the Docker backend's load does; the fake makes the two images one after the other.</summary>
    public List<(StepRun Step, StepRun Then)> RunsWithConfiguration { get; } = [];

    public async Task<(string First, string? Then)> RunStepThenConfigAsync(StepRun run, Func<string, StepRun> then, Action<string> output, CancellationToken cancellationToken)
    {
        var first = await RunStepAsync(run, output, cancellationToken);
        var next = then(first);
        lock (Runs) RunsWithConfiguration.Add((run, next));
        return (first, await RunStepAsync(next, output, cancellationToken));
    }

    public Task<ProbeResult> ProbeAsync(string image, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var text = string.Join(' ', command);
        lock (Probes) Probes.Add((image, text));
        return Task.FromResult(ProbeAnswer(text));
    }

    public Task TagAsync(string imageId, string repository, string tag, CancellationToken cancellationToken)
    {
        if (Image(imageId) is null) throw new InvalidOperationException($"No image {imageId} to tag.");
        _tags[$"{repository}:{tag}"] = Image(imageId)!.Info.Id;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ImageInfo>> ListImagesAsync(string repository, CancellationToken cancellationToken)
    {
        IReadOnlyList<ImageInfo> list = _tags.Where(t => t.Key.StartsWith(repository + ":", StringComparison.Ordinal)).Select(t => t.Value).Distinct()
            .Select(id => _images[id].Info with { Tags = TagsOf(id) }).ToArray();
        return Task.FromResult(list);
    }

    public Task RemoveImageAsync(string reference, CancellationToken cancellationToken)
    {
        _tags.TryRemove(Normalize(reference), out _);
        return Task.CompletedTask;
    }

    public Task<PushResult> PushImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
    {
        Pushes.Add(reference);
        var image = Image(reference) ?? throw new InvalidOperationException($"No image {reference} to push.");
        // the image's "layers": itself and the images it was built on, as short ids
        var layers = Ancestry(image).Select(i => i.Info.Id[7..19]).ToArray();
        var existing = layers.Where(RegistryLayers.Contains).ToHashSet();
        var pushed = layers.Where(l => !existing.Contains(l)).ToHashSet();
        RegistryLayers.UnionWith(layers);
        Registry[reference] = image.Info;
        return Task.FromResult(new PushResult(reference, pushed, existing, "sha256:" + image.Info.Id[7..]));
    }

    public async Task SaveImagesAsync(IReadOnlyList<string> references, Stream destination, CancellationToken cancellationToken)
        => await destination.WriteAsync(Encoding.UTF8.GetBytes(string.Join('\n', references.Select(r => $"{r} {Image(r)?.Info.Id}"))), cancellationToken);

    /// <summary>Manifest media types the fake registry answers for references; others are unknown (null).</summary>
    public Dictionary<string, string> ManifestMediaTypes { get; } = new(StringComparer.Ordinal);
    /// <summary>Blobs in the fake registry, as "repository@digest".</summary>
    public HashSet<string> Blobs { get; } = new(StringComparer.Ordinal);

    public Task<string?> ManifestMediaTypeAsync(string reference, CancellationToken cancellationToken)
        => Task.FromResult(ManifestMediaTypes.GetValueOrDefault(reference));

    public Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
        => Task.FromResult(Blobs.Contains($"{repository}@{digest}"));

    public Task UploadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken)
    {
        Blobs.Add($"{repository}@{digest}");
        return Task.CompletedTask;
    }

    public Task ExportPathsAsync(string image, IReadOnlyList<string> paths, Func<ExportedPath, Stream, CancellationToken, Task> read, CancellationToken cancellationToken)
        => throw new NotSupportedException("The fake engine holds no files; Dockerfile COPY --from runs in the engine tier.");

    public Task<bool> IsDirectoryAsync(string image, string path, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<ImageInfo> ScratchImageAsync(CancellationToken cancellationToken)
        => Task.FromResult(Image("scratch:latest")?.Info ?? AddImage("scratch", layers: 0));

    /// <summary>Every manifest request, as (reference, for a push).</summary>
    public List<(string Reference, bool ForPush)> ManifestRequests { get; } = [];
    /// <summary>When set, manifest requests fail with this code (IMG4301: a closed port; IMG4302: refused).</summary>
    public string? RegistryFailure { get; set; }

    /// <summary>How long a manifest request takes (a slow registry).</summary>
    public TimeSpan ManifestDelay { get; set; }

    public async Task<bool> ManifestExistsAsync(string reference, bool forPush, CancellationToken cancellationToken)
    {
        lock (ManifestRequests) ManifestRequests.Add((reference, forPush));
        if (ManifestDelay > TimeSpan.Zero) await Task.Delay(ManifestDelay, cancellationToken);
        if (RegistryFailure is { } code) throw new Diagnostics.ImageTasksException(code, $"the fake registry of {reference} fails");
        return Registry.ContainsKey(reference);
    }

    /// <summary>Manifests (and indexes) the fake registry holds: reference -> manifest.</summary>
    public Dictionary<string, RegistryManifest> Manifests { get; } = new(StringComparer.Ordinal);
    /// <summary>Every manifest written, in order.</summary>
    public List<(string Reference, string MediaType, byte[] Content)> ManifestPuts { get; } = [];

    public Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken cancellationToken)
    {
        if (RegistryFailure is { } code) throw new Diagnostics.ImageTasksException(code, $"the fake registry of {reference} fails");
        return Task.FromResult(Manifests.GetValueOrDefault(reference));
    }

    public Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        ManifestPuts.Add((reference, mediaType, content));
        var digest = "sha256:" + Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
        Manifests[reference] = new RegistryManifest(mediaType, digest, content);
        return Task.FromResult(digest);
    }

    /// <summary>Whether the fake registry has the referrers API (answers OCI-Subject to a referrer's put).</summary>
    public bool IndexesReferrers { get; set; }

    public async Task<bool> PutReferrerAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken)
    {
        await PutManifestAsync(reference, mediaType, content, cancellationToken);
        return IndexesReferrers;
    }

    /// <summary>What the fake registry holds under a reference, for the base.digest label; a reference not here is "unreachable".</summary>
    public Dictionary<string, BaseManifest> BaseManifests { get; } = new(StringComparer.Ordinal);
    public List<string> ManifestResolutions { get; } = [];

    public Task<BaseManifest> ResolveManifestAsync(string reference, string platform, CancellationToken cancellationToken)
    {
        lock (ManifestResolutions) ManifestResolutions.Add(reference);
        return BaseManifests.TryGetValue(reference, out var manifest) ? Task.FromResult(manifest)
            : throw new Diagnostics.ImageTasksException(Diagnostics.ErrorCodes.CacheRegistryUnreachable, $"the registry of {reference} cannot be reached (fake)");
    }

    /// <summary>The files of an image (by id) <see cref="ReadFilesAsync"/> answers with; every call is counted.</summary>
    public Dictionary<string, IReadOnlyList<ImageFile>> Files { get; } = new(StringComparer.Ordinal);
    public List<string> FileReads { get; } = [];

    public Task<IReadOnlyList<ImageFile>> ReadFilesAsync(string imageId, Func<string, bool> wanted, int maxBytes, CancellationToken cancellationToken)
    {
        lock (FileReads) FileReads.Add(imageId);
        var files = Files.TryGetValue(imageId, out var all) ? all : Files.TryGetValue("*", out var any) ? any : [];
        return Task.FromResult<IReadOnlyList<ImageFile>>(files.Where(f => wanted(f.Path)).ToList());
    }

    public void Dispose() { }

    IEnumerable<FakeImage> Ancestry(FakeImage image)
    {
        for (FakeImage? i = image; i is not null; i = i.Run is null ? null : Image(i.Run.ParentImage)) yield return i;
    }

    static string Normalize(string reference) =>
        reference.StartsWith("sha256:", StringComparison.Ordinal) || reference.LastIndexOf(':') > reference.LastIndexOf('/') ? reference : reference + ":latest";

    static string NewId(string seed) => "sha256:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed + Guid.NewGuid()))).ToLowerInvariant();
}
