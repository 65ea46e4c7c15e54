using System.Diagnostics;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine.Publishing;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>How to report progress. MSBuild tasks forward to their logger; tests collect.</summary>
public interface IBuildLog
{
    void Info(string message);
    /// <summary>One line of a running step's output, as it happens.</summary>
    void StepOutput(PlannedStep step, string line);
    void Warning(string code, string message);
    /// <summary>A step is about to be looked up in the cache and, if not there, run.</summary>
    void StepStarting(PlannedStep step) { }
    /// <summary>A step's layer is there (cached or built).</summary>
    void LayerDone(LayerResult layer) { }
}

public enum PullPolicy { Missing, Always, Never }

public sealed record BuildOptions
{
    /// <summary>The environment variable that forces every step, as Modal's MODAL_FORCE_BUILD.</summary>
    public const string ForceBuildVariable = "IMAGETASKS_FORCE_BUILD";

    /// <summary>Every layer is tagged &lt;CacheRepository&gt;:&lt;key&gt;.</summary>
    public string CacheRepository { get; init; } = "imagetasks-cache";
    /// <summary>Names given to the final image ("myapp:1.0").</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Rebuild every step. Also on when IMAGETASKS_FORCE_BUILD is 1 or true.</summary>
    public bool ForceAll { get; init; }
    /// <summary>Network mode of build containers; null: the engine's default (bridge).</summary>
    public string? Network { get; init; }
    public PullPolicy Pull { get; init; } = PullPolicy.Missing;
    /// <summary>Where the file digest index is kept (per project, under obj/); null: no index.</summary>
    public string? FileIndexPath { get; init; }
    /// <summary>The digester the plans use (the caller's, to learn which host files a build read); null: a new one on
    /// <see cref="FileIndexPath"/> per plan.</summary>
    public FileDigester? Files { get; init; }
    /// <summary>Mount named download-cache volumes at pip's and apt's caches during steps.</summary>
    public bool UseCacheVolumes { get; init; } = true;
    /// <summary>Prefix of the cache volumes' names (&lt;prefix&gt;-pip, &lt;prefix&gt;-apt).</summary>
    public string CacheVolumePrefix { get; init; } = "imagetasks-cache";
    /// <summary>The platform the image is built for; the base image must be of it.</summary>
    public string Platform { get; init; } = Planner.DefaultPlatform;
    /// <summary>This build makes one platform's image of several (ContainerRuntimeIdentifiers): the base is pulled by
    /// the digest of its manifest for <see cref="Platform"/> (so the engine's tag of the base keeps its platform), and
    /// a failing step names the platform.</summary>
    public bool OneOfSeveralPlatforms { get; init; }
    /// <summary>Where the engine remembers things between builds (base images already checked); null: not remembered.</summary>
    public string? StateDirectory { get; init; } = DefaultStateDirectory;
    /// <summary>The layer cache shared through a registry (ImageCacheFrom, ImageCacheTo); null: none.</summary>
    public RemoteCacheOptions? RemoteCache { get; init; }
    /// <summary>The values of the build secrets the steps name (name -> value), read when the build runs; never in a key,
    /// a layer or the log (masked).</summary>
    public IReadOnlyDictionary<string, string> SecretValues { get; init; } = new Dictionary<string, string>();
    /// <summary>The clock of a stamped label (the created time without SOURCE_DATE_EPOCH).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static string DefaultStateDirectory { get; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "imagetasks");

    internal bool ForceAllFromEnvironment => ForceAll || ForcedByEnvironment;

    /// <summary>Whether <see cref="ForceBuildVariable"/> asks for every step to be rebuilt (1 or true).</summary>
    public static bool ForcedByEnvironment => Environment.GetEnvironmentVariable(ForceBuildVariable) is "1" or "true" or "TRUE" or "True";
}

/// <summary>What happened to one layer.</summary>
/// <param name="Size">Bytes this layer adds to its parent.</param>
/// <param name="Cached">Not built by this build (<see cref="Source"/> says from where).</param>
public sealed record LayerResult(PlannedStep Step, bool Cached, TimeSpan Elapsed, long Size, string ImageId)
{
    public LayerSource Source { get; init; } = Cached ? LayerSource.Cached : LayerSource.Built;
}

public sealed record BuildResult(BuildPlan Plan, string BaseImageId, IReadOnlyList<LayerResult> Layers, string ImageId)
{
    /// <summary>The base image's configuration, as the engine showed it to this build.</summary>
    public ImageConfig? BaseConfig { get; init; }

    public int Reused => Layers.Count(l => l.Cached);
    public int Built => Layers.Count(l => !l.Cached);
}

/// <summary>
/// Plans a definition and brings its layers up to date on a backend: a layer whose key is already tagged in the
/// cache repository is reused (one inspect), the others run in order. A layer is tagged only after its step
/// succeeded and was committed, so a failed or cancelled build resumes at the step that did not finish.
/// </summary>
public sealed partial class ImageBuilder(IImageBackend backend)
{
    public async Task<BuildResult> BuildAsync(ImageDefinition definition, BuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        // the sweep of dead builds' leftovers runs while the base is looked up and the plan hashes its files: they
        // touch nothing the sweep removes, and the engine's first answers (and their JSON) cost the most; no step
        // runs before the sweep is done
        var sweep = backend.RemoveLeftoversAsync(cancellationToken);
        ImageInfo baseImage;
        BuildPlan plan;
        try
        {
            baseImage = await EnsureBaseAsync(definition.BaseImage, options, log, cancellationToken).ConfigureAwait(false);
            definition = await WithGeneratedLabelsAsync(definition, baseImage, options, log, cancellationToken).ConfigureAwait(false);
            plan = Planner.Plan(definition, baseImage.Id, options.Files ?? new FileDigester(options.FileIndexPath), PlanOptionsFor(options));
        }
        catch
        {
            // the base's or the plan's failure is the one reported; the sweep's, if any, is observed here
            try { await sweep.ConfigureAwait(false); }
            catch (Exception) { }
            throw;
        }
        await sweep.ConfigureAwait(false);
        return await BuildPlanAsync(plan, baseImage, options, log, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Brings the layers of a plan made beforehand up to date on <paramref name="baseImage"/>, which need not be
    /// the plan's base key (a Dockerfile stage on an earlier stage starts from that stage's final key).</summary>
    public async Task<BuildResult> BuildPlanAsync(BuildPlan plan, ImageInfo baseImage, BuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var definition = plan.Definition;
        CheckDepth(plan, baseImage);
        var config = baseImage.Config;
        var parent = baseImage;
        var layers = new List<LayerResult>();
        var check = new BaseImageCheck(backend, options.StateDirectory);
        var remote = new RemoteCache(backend, options, log);
        var pulled = await remote.FindDeepestAsync(plan, cancellationToken).ConfigureAwait(false);
        // a configuration step built in one request with the step below it (see RunAsync), tagged while that one is
        var builtWithStepBelow = new Dictionary<int, Task<ImageInfo>>();
        foreach (var step in plan.Steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // the layers below the deepest one found were built on this base before, past its check
            if (step.Index == definition.SetupStepCount && !(pulled?.Index >= step.Index))
                await check.CheckAsync(parent, Describe(definition), definition, options.Platform, log, cancellationToken).ConfigureAwait(false);
            log.StepStarting(step);
            config = ImageConfigs.Apply(config, step.Step);
            var clock = Stopwatch.StartNew();
            // A forced step is rebuilt whatever the cache holds; tagging its result moves the key's tag to it.
            var cached = step.Forced || builtWithStepBelow.ContainsKey(step.Index) ? null : await remote.LocalImageAsync(step, keep: false, cancellationToken).ConfigureAwait(false);
            var fromCache = RemoteCache.Covering(pulled, step, parent, cached);
            var image = fromCache ?? cached ?? (builtWithStepBelow.Remove(step.Index, out var built)
                ? await built.ConfigureAwait(false)
                : await RunAsync(step, plan, parent.Id, config, options, log, builtWithStepBelow, remote, cancellationToken).ConfigureAwait(false));
            var layer = new LayerResult(step, cached is not null || fromCache is not null, clock.Elapsed, Math.Max(0, image.Size - parent.Size), fromCache is null ? image.Id : pulled!.Image.Id)
                { Source = RemoteCache.SourceOf(pulled, fromCache, cached) };
            layers.Add(layer);
            log.LayerDone(layer);
            log.Info(Describe(layer, plan.Steps.Count));
            parent = image;
        }

        await remote.PushAsync(layers, cancellationToken).ConfigureAwait(false);
        if (plan.Steps.Count == definition.SetupStepCount)
            await check.CheckAsync(parent, Describe(definition), definition, options.Platform, log, cancellationToken).ConfigureAwait(false);

        foreach (var name in options.Tags)
        {
            var reference = ImageReference.Parse(name);
            await backend.TagAsync(parent.Id, reference.Name, reference.Tag ?? "latest", cancellationToken).ConfigureAwait(false);
        }
        var result = new BuildResult(plan, baseImage.Id, layers, parent.Id) { BaseConfig = baseImage.Config };
        log.Info($"{(options.Tags.Count > 0 ? string.Join(", ", options.Tags) : ShortId(parent.Id))}: " +
                 $"{result.Reused} layers reused, {result.Built} built in {total.Elapsed.TotalSeconds:0.0}s");
        return result;
    }

    /// <summary>The base on the engine (pulled as the policy says); for one platform of several, the base's image of that
    /// platform, by digest when its tag names an index in its registry.</summary>
    internal async Task<ImageInfo> EnsureBaseAsync(ImageReference reference, BuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        if (options.OneOfSeveralPlatforms && await PlatformManifestAsync(reference, options.Platform, cancellationToken).ConfigureAwait(false) is { } forPlatform)
        {
            log.Info($"{reference} for {options.Platform}: {forPlatform}");
            reference = forPlatform;
        }
        return await EnsureBaseAsync(reference, options.Pull, log, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When the base's tag names an image index in its registry: the base by the digest of its manifest for
    /// <paramref name="platform"/> (IMG4333 when the index has none). Null when the registry holds a single manifest
    /// under it, does not hold it, or cannot be reached (a base only on this engine), or the base is given by digest:
    /// the base is then used as it is, and the base check tells a wrong platform (IMG4101).</summary>
    async Task<ImageReference?> PlatformManifestAsync(ImageReference reference, string platform, CancellationToken cancellationToken)
    {
        if (reference.Digest is not null) return null;
        RegistryManifest? manifest;
        try { manifest = await backend.GetManifestAsync(reference.ToString(), cancellationToken).ConfigureAwait(false); }
        catch (ImageTasksException e) when (e.Code == ErrorCodes.IndexRegistryUnreachable) { return null; }
        if (manifest is null || !ImageIndex.IsIndex(manifest.MediaType)) return null;
        var digest = ImageIndex.Find(manifest.Content, platform) ?? throw new ImageTasksException(ErrorCodes.BasePlatformMissing,
            $"The base image '{reference}' has no image for {platform}: its index lists {string.Join(", ", ImageIndex.Read(manifest.Content).Select(e => e.Platform))}. " +
            $"Choose a base with an image for every platform of ContainerRuntimeIdentifiers, or leave {platform} out of them.");
        return reference with { Tag = null, Digest = digest };
    }

    /// <summary>The engine stacks at most about 125 file system layers (overlay2's limit); say so before anything runs.</summary>
    public const int MaxLayers = 125;

    static void CheckDepth(BuildPlan plan, ImageInfo baseImage)
    {
        var adding = plan.Steps.Count(s => s.Step is not ConfigStep); // configuration steps add no layer
        if (baseImage.LayerCount + adding > MaxLayers)
            throw new ImageTasksException(ErrorCodes.TooManyLayers,
                $"The base image has {baseImage.LayerCount} layers and the definition adds up to {adding}: more than the {MaxLayers} an engine can stack. " +
                "Group shell commands and packages into fewer items (items of one kind form one layer unless Layer or Order separate them), or use a base image with fewer layers.");
    }

    internal static PlanOptions PlanOptionsFor(BuildOptions options) =>
        new() { ForceAll = options.ForceAllFromEnvironment, Platform = options.Platform };

    internal async Task<ImageInfo> EnsureBaseAsync(ImageReference reference, PullPolicy pull, IBuildLog log, CancellationToken cancellationToken)
    {
        var name = reference.ToString();
        var image = pull == PullPolicy.Always ? null : await backend.InspectImageAsync(name, cancellationToken).ConfigureAwait(false);
        if (image is not null) return image;
        if (pull == PullPolicy.Never)
            throw new ImageTasksException(ErrorCodes.BaseImageMissing,
                $"The base image '{name}' is not on this engine and the pull policy is 'never'. Pull it first (docker pull {name}) or allow pulling.");
        log.Info($"Pulling {name}");
        await backend.PullImageAsync(name, line => log.Info("  " + line), cancellationToken).ConfigureAwait(false);
        return await backend.InspectImageAsync(name, cancellationToken).ConfigureAwait(false)
               ?? throw new ImageTasksException(ErrorCodes.PullFailed, $"The engine pulled '{name}' but does not show it. Pull it by hand (docker pull {name}) to see why.");
    }

    /// <param name="config">The configuration after this step (stamped here).</param>
    /// <param name="builtWithStepBelow">Where the next step's image goes, being tagged, when it is a configuration step
    /// built in the same request (the final configuration over the app's top layer: one load instead of two).</param>
    async Task<ImageInfo> RunAsync(PlannedStep step, BuildPlan plan, string parentId, ImageConfig config, BuildOptions options,
        IBuildLog log, Dictionary<int, Task<ImageInfo>> builtWithStepBelow, RemoteCache remote, CancellationToken cancellationToken)
    {
        var run = RunFor(step, parentId, Stamped(config, step.Step, options), options);
        var next = await ConfigStepToBuildAfterAsync(step, plan, remote, cancellationToken).ConfigureAwait(false);
        string id;
        string? then = null;
        try
        {
            void Output(string line) => log.StepOutput(step, run.Secrets?.Mask(line) ?? line);
            if (next is null) id = await backend.RunStepAsync(run, Output, cancellationToken).ConfigureAwait(false);
            else
            {
                var nextConfig = Stamped(ImageConfigs.Apply(config, next.Step), next.Step, options);
                (id, then) = await backend.RunStepThenConfigAsync(run, built => RunFor(next, built, nextConfig, options), Output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StepFailedException e)
        {
            throw new ImageTasksException(ErrorCodes.StepFailed,
                $"Step {step.Index + 1}/{plan.Steps.Count} ({step.Step.Summary}) failed with exit code {e.ExitCode}" +
                (options.OneOfSeveralPlatforms ? $" on {options.Platform} (the image of that platform only)" : "") + ". " +
                (e.LastLines.Count == 0 ? "It printed nothing. "
                    : $"Its last lines:{Environment.NewLine}{string.Join(Environment.NewLine, e.LastLines.Select(l => "  " + (run.Secrets?.Mask(l) ?? l)))}{Environment.NewLine}") +
                "The layers before it are kept: fix this step and build again, the build resumes here.", e);
        }
        catch (ImageTasksException e) when (IsEngineFailure(e)) { throw DuringStep(e, step, plan); }
        // Tagged only now: the step exited 0 and its commit succeeded. Each key's tag is its own (a concurrent build's
        // first tag wins per key), so the configuration step's is asked at the same time.
        var tagging = TagBuiltAsync(id, step, plan, options, cancellationToken);
        if (then is not null) builtWithStepBelow[next!.Index] = TagBuiltAsync(then, next, plan, options, cancellationToken);
        try { return await tagging.ConfigureAwait(false); }
        catch when (then is not null)
        {
            // the build stops here: the configuration step's tagging is observed, its failure being the lesser news
            try { await builtWithStepBelow[next!.Index].ConfigureAwait(false); }
            catch (Exception) { }
            throw;
        }
    }

    async Task<ImageInfo> TagBuiltAsync(string id, PlannedStep step, BuildPlan plan, BuildOptions options, CancellationToken cancellationToken)
    {
        try { return await TagLayerAsync(id, step, options, cancellationToken).ConfigureAwait(false); }
        catch (ImageTasksException e) when (IsEngineFailure(e)) { throw DuringStep(e, step, plan); }
    }

    /// <summary>The step after <paramref name="step"/> when it only sets the configuration and must be built too (not
    /// cached; not where the base's check comes first): it is then built in the same request; else null.</summary>
    async Task<PlannedStep?> ConfigStepToBuildAfterAsync(PlannedStep step, BuildPlan plan, RemoteCache remote, CancellationToken cancellationToken)
    {
        if (step.Index + 1 >= plan.Steps.Count || step.Index + 1 == plan.Definition.SetupStepCount) return null;
        var next = plan.Steps[step.Index + 1];
        if (next.Step is not ConfigStep) return null;
        // the search's answer is kept for the loop: the next step asks it in its turn
        return next.Forced || await remote.LocalImageAsync(next, keep: true, cancellationToken).ConfigureAwait(false) is null ? next : null;
    }

    static string Describe(ImageDefinition definition)
        => definition.SetupStepCount == 0 ? definition.BaseImage.ToString() : $"{definition.BaseImage} with its {definition.SetupStepCount} setup commands";

    static string Describe(LayerResult layer, int count)
    {
        var s = layer.Step;
        var summary = s.Step.Summary.Length > 60 ? s.Step.Summary[..57] + "..." : s.Step.Summary;
        return $"[{s.Index + 1}/{count}] {summary,-60} {s.Key[..12]} {layer.Source.Text(),-6} " +
               $"{layer.Elapsed.TotalSeconds,6:0.0}s {FormatSize(layer.Size),9}";
    }

    static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} kB",
        _ => $"{bytes / 1024.0 / 1024.0:0.0} MB",
    };

    static string ShortId(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..19] : id;
}
