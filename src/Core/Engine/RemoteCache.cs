using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>Where a layer of a build came from.</summary>
public enum LayerSource
{
    /// <summary>Built: its step ran in this build.</summary>
    Built,
    /// <summary>Its key was tagged on the engine already.</summary>
    Cached,
    /// <summary>Part of the image pulled from the shared cache (<see cref="RemoteCacheOptions.From"/>).</summary>
    PulledFromCache,
}

public static class LayerSources
{
    /// <summary>What the build log and the report say of a layer: "cached", "pulled from cache" or "built".</summary>
    public static string Text(this LayerSource source) => source switch
    {
        LayerSource.Cached => "cached",
        LayerSource.PulledFromCache => "pulled from cache",
        _ => "built",
    };
}

/// <summary>
/// The layer cache shared through a registry: <see cref="From"/> is read (the deepest layer it holds is pulled),
/// <see cref="To"/> is written (every layer it lacks is pushed after the build). Each is a repository without a tag
/// (<c>registry.example.com/team/app-cache</c>); an entry is <c>&lt;repository&gt;:&lt;layer key&gt;</c>.
/// </summary>
public sealed record RemoteCacheOptions(string? From, string? To)
{
    /// <summary>The most one manifest request may take (a slow registry must not slow a build much).</summary>
    public TimeSpan LookupTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>The most one pull or push of a cache entry may take.</summary>
    public TimeSpan TransferTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The options from ImageCacheFrom and ImageCacheTo; null when neither is set. A value that is not a
    /// repository (a tag, a digest, a bad name) is IMG4306, before anything runs.</summary>
    public static RemoteCacheOptions? Parse(string? from, string? to)
    {
        var (f, t) = (Repository("ImageCacheFrom", from), Repository("ImageCacheTo", to));
        return f is null && t is null ? null : new RemoteCacheOptions(f, t);
    }

    static string? Repository(string property, string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        ImageReference reference;
        try { reference = ImageReference.Parse(text); }
        catch (ImageTasksException e) { throw Invalid(property, text, e.Message); }
        if (reference.Digest is not null || text.LastIndexOf(':') > text.LastIndexOf('/'))
            throw Invalid(property, text, "it names a tag or digest, but the cache's tags are the layer keys");
        return reference.Name;
    }

    static ImageTasksException Invalid(string property, string value, string why) => new(ErrorCodes.InvalidCacheReference,
        $"The value \"{value}\" of {property} is not a registry repository: {why}. " +
        "Give a repository without a tag, such as \"registry.example.com/team/app-cache\" (its tags will be the layer keys).");
}

/// <summary>
/// What a committed layer records of itself: its key and its parent's key, as the image's commit comment. The comment
/// is image metadata (docker history shows it), not configuration: it is not inherited by the layers above, adds no
/// label or environment to the user's image and is in no key. A cache entry is used only when its record is the one
/// its key calls for.
/// </summary>
public static class CacheRecord
{
    public static string For(PlannedStep step) => $"imagetasks-layer key={step.Key} parent={step.ParentKey}";
}

/// <summary>
/// The shared cache for one build plan (see <see cref="RemoteCacheOptions"/>). An optimisation only: a registry that
/// cannot be reached, is too slow or refuses is a warning (IMG4301, IMG4302, IMG4304, IMG4305) and the build goes on
/// locally, with no further request to that registry; an entry whose record does not match its key is a warning
/// (IMG4303) and is not used. Credentials are the backend's, as for pull and push, and never printed.
/// </summary>
internal sealed class RemoteCache(IImageBackend backend, BuildOptions options, IBuildLog log)
{
    readonly RemoteCacheOptions? _cache = options.RemoteCache;
    readonly HashSet<string> _missingFrom = new(StringComparer.Ordinal);
    bool _fromDown;

    /// <summary>What the search asked the engine about each key's local tag (null: no such image), for the build's
    /// loop to take instead of asking again (<see cref="LocalImageAsync"/>).</summary>
    readonly Dictionary<string, ImageInfo?> _localAnswers = new(StringComparer.Ordinal);

    /// <summary>The engine's image under <paramref name="step"/>'s local tag: the search's answer when it asked (taken
    /// once, a later question goes to the engine, unless <paramref name="keep"/>), else asked now. The search's answer is
    /// moments old; a layer another build tags meanwhile is met when this one tags its own (TagLayerAsync).</summary>
    public async Task<ImageInfo?> LocalImageAsync(PlannedStep step, bool keep, CancellationToken cancellationToken)
    {
        var tag = LocalTag(step);
        if (keep ? _localAnswers.TryGetValue(tag, out var answered) : _localAnswers.Remove(tag, out answered)) return answered;
        return await backend.InspectImageAsync(tag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The deepest step whose layer is on the engine (tagged there, or pulled from the shared cache now) and
    /// its image, which holds every layer below it too: those need no tag of their own.</summary>
    public sealed record Hit(int Index, ImageInfo Image, bool Pulled);

    /// <summary>
    /// From the top step down: a key tagged on the engine ends the search; else, with a shared cache to read, one
    /// manifest request for it; the first entry the cache holds is pulled (the engine fetches only blobs it lacks),
    /// checked and tagged under its key. Forced steps are not looked up: they are rebuilt anyway. The engine is asked
    /// for every key's tag at once (the loop asks each of them anyway, and takes these answers): one round trip, not
    /// one a step.
    /// </summary>
    public async Task<Hit?> FindDeepestAsync(BuildPlan plan, CancellationToken cancellationToken)
    {
        var steps = plan.Steps.Reverse().Where(s => !s.Forced).ToArray();
        var answers = await Task.WhenAll(steps.Select(s => backend.InspectImageAsync(LocalTag(s), cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < steps.Length; i++) _localAnswers[LocalTag(steps[i])] = answers[i];
        foreach (var (step, local) in steps.Zip(answers))
        {
            if (local is not null) return new Hit(step.Index, local, false);
            if (_cache?.From is not { } from || _fromDown) continue;
            var reference = $"{from}:{step.Key}";
            var has = await TryAsync(() => LookupAsync(reference, forPush: false, cancellationToken), ErrorCodes.CacheRegistryUnreachable, reference, cancellationToken)
                .ConfigureAwait(false);
            if (has is not true)
            {
                if (has is null) _fromDown = true;
                else _missingFrom.Add(step.Key);
                continue;
            }
            if (await PullVerifiedAsync(step, reference, cancellationToken).ConfigureAwait(false) is { } image) return new Hit(step.Index, image, true);
        }
        return null;
    }

    async Task<ImageInfo?> PullVerifiedAsync(PlannedStep step, string reference, CancellationToken cancellationToken)
    {
        log.Info($"Cache: pulling {reference} (step {step.Index + 1})");
        var pulled = await TryAsync(() => WithTimeoutAsync(_cache!.TransferTimeout, reference, t => backend.PullImageAsync(reference, _ => { }, t), cancellationToken),
            ErrorCodes.CachePullFailed, reference, cancellationToken).ConfigureAwait(false);
        if (pulled is null) { _fromDown = true; return null; }
        var image = await backend.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        if (image is null) return null;
        var expected = CacheRecord.For(step);
        if (image.Comment != expected)
        {
            log.Warning(ErrorCodes.CacheEntryMismatch,
                $"The cache entry {reference} records \"{image.Comment}\", not \"{expected}\": it was not made for this key (or was overwritten), so it is not used. " +
                "Remove that tag from the cache registry; a build with ImageCacheTo set pushes the right layer again.");
            await backend.RemoveImageAsync(reference, cancellationToken).ConfigureAwait(false);
            return null;
        }
        await backend.TagAsync(image.Id, options.CacheRepository, step.Key, cancellationToken).ConfigureAwait(false);
        await backend.RemoveImageAsync(reference, cancellationToken).ConfigureAwait(false); // the image stays under its key
        return image;
    }

    /// <summary>
    /// Pushes the layers the cache lacks under their keys, from the bottom up (each push sends only the blobs the
    /// registry lacks): from the top layer down, every forced layer and every layer the registry lacks (one manifest
    /// request each, none for keys the lookup already found missing), until one it holds. Layers pulled from the cache
    /// are not pushed again.
    /// </summary>
    public async Task PushAsync(IReadOnlyList<LayerResult> layers, CancellationToken cancellationToken)
    {
        if (_cache?.To is not { } to || (_fromDown && to == _cache.From)) return; // that registry failed already: warned once
        var missing = new List<LayerResult>();
        foreach (var layer in layers.Reverse())
        {
            if (layer.Source == LayerSource.PulledFromCache) break;
            if (!layer.Step.Forced)
            {
                var known = to == _cache.From && _missingFrom.Contains(layer.Step.Key);
                var has = known ? false
                    : await TryAsync(() => LookupAsync($"{to}:{layer.Step.Key}", forPush: true, cancellationToken), ErrorCodes.CacheRegistryUnreachable, $"{to}:{layer.Step.Key}", cancellationToken)
                        .ConfigureAwait(false);
                if (has is null) return;
                if (has is true) break;
            }
            missing.Add(layer);
        }
        var pushed = 0;
        foreach (var layer in Enumerable.Reverse(missing))
        {
            var reference = $"{to}:{layer.Step.Key}";
            var image = await backend.InspectImageAsync(layer.ImageId, cancellationToken).ConfigureAwait(false);
            if (image?.Comment != CacheRecord.For(layer.Step))
            {
                log.Warning(ErrorCodes.CacheEntryUnrecorded,
                    $"The layer of step {layer.Step.Index + 1} ({layer.Step.Step.Summary}, key {layer.Step.Key[..12]}) was built before layers recorded their key, so it is not pushed to {to}. " +
                    "Rebuild it once with ImageForceBuild=true (or ForceBuild metadata on that step) to share it.");
                continue;
            }
            var done = await TryAsync(async () =>
            {
                await backend.TagAsync(layer.ImageId, to, layer.Step.Key, cancellationToken).ConfigureAwait(false);
                try { await WithTimeoutAsync(_cache.TransferTimeout, reference, t => backend.PushImageAsync(reference, _ => { }, t), cancellationToken).ConfigureAwait(false); }
                finally { await backend.RemoveImageAsync(reference, CancellationToken.None).ConfigureAwait(false); }
                return true;
            }, ErrorCodes.CachePushFailed, reference, cancellationToken).ConfigureAwait(false);
            if (done is null) return;
            pushed++;
        }
        if (missing.Count > 0) log.Info($"Cache: pushed {pushed} layer(s) to {to}");
    }

    /// <summary>For a step the pulled image covers: the pulled image at the pulled step; below it, when the engine has
    /// no tag of its own (<paramref name="cached"/>), the parent (the layer is inside the pulled image, which counts its
    /// size); null otherwise.</summary>
    public static ImageInfo? Covering(Hit? pulled, PlannedStep step, ImageInfo parent, ImageInfo? cached) =>
        pulled is null || step.Index > pulled.Index ? null : step.Index == pulled.Index ? pulled.Image : cached is null ? parent : null;

    public static LayerSource SourceOf(Hit? hit, ImageInfo? covered, ImageInfo? cached) =>
        covered is not null && hit!.Pulled ? LayerSource.PulledFromCache : covered is not null || cached is not null ? LayerSource.Cached : LayerSource.Built;

    Task<bool> LookupAsync(string reference, bool forPush, CancellationToken cancellationToken) =>
        WithTimeoutAsync(_cache!.LookupTimeout, reference, t => backend.ManifestExistsAsync(reference, forPush, t), cancellationToken);

    string LocalTag(PlannedStep step) => $"{options.CacheRepository}:{step.Key}";

    /// <summary>Runs a registry operation; its failure (not the engine's, not a cancel) is a warning with
    /// <paramref name="code"/> (or the registry's own code) and null: the caller makes no further request to that
    /// registry in this build, which goes on without the cache.</summary>
    async Task<T?> TryAsync<T>(Func<Task<T>> operation, string code, string reference, CancellationToken cancellationToken) where T : struct
    {
        try { return await operation().ConfigureAwait(false); }
        catch (ImageTasksException e) when (!cancellationToken.IsCancellationRequested && e.Code is not (ErrorCodes.EngineUnreachable or ErrorCodes.EngineError))
        {
            var warning = e.Code is ErrorCodes.CacheRegistryUnreachable or ErrorCodes.CacheRegistryRefused ? e.Code : code;
            log.Warning(warning, $"The shared layer cache is not used for {reference}: {e.Message.TrimEnd('.')}. " +
                                 "The build goes on with the layers of this engine; check ImageCacheFrom / ImageCacheTo and the registry (and its credentials).");
            return null;
        }
    }

    static async Task<T> WithTimeoutAsync<T>(TimeSpan timeout, string reference, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limited.CancelAfter(timeout);
        try { return await operation(limited.Token).ConfigureAwait(false); }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ImageTasksException(ErrorCodes.CacheRegistryUnreachable,
                $"the registry of {reference} did not answer within {timeout.TotalSeconds:0.#} s", e);
        }
    }

    static Task<bool> WithTimeoutAsync(TimeSpan timeout, string reference, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        WithTimeoutAsync(timeout, reference, async t => { await operation(t).ConfigureAwait(false); return true; }, cancellationToken);
}
