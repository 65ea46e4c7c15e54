using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Dockerfiles;
using ImageTasks.Planning;

namespace ImageTasks.Engine;

/// <summary>A stage with its plan.</summary>
/// <param name="Image">What later stages copy from or build on: the cache tag of its final layer, or when it has no
/// steps the image it starts from.</param>
public sealed record PlannedStage(StageDefinition Definition, BuildPlan Plan, string Image)
{
    public DockerfileStage Stage => Definition.Stage;
}

/// <summary>Every stage the target needs, planned: all layer keys are known before any step runs.</summary>
public sealed record DockerfilePlan(DockerfileProgram Program, IReadOnlyList<PlannedStage> Stages)
{
    public PlannedStage Target => Stages[^1];
    public IEnumerable<DockerfileWarning> Warnings => Stages.SelectMany(s => s.Definition.Warnings);
}

public sealed record DockerfileBuildResult(DockerfilePlan Plan, IReadOnlyList<BuildResult> Stages)
{
    public BuildResult Target => Stages[^1];
    public string ImageId => Target.ImageId;
    public int Reused => Stages.Sum(s => s.Reused);
    public int Built => Stages.Sum(s => s.Built);
}

/// <summary>
/// Builds a Dockerfile on the layered engine: Dockerfile -> stage definitions (pure translation) -> plans (keys) ->
/// <see cref="ImageBuilder"/>. The images the needed stages start from (or copy from) are resolved first, since their
/// configuration and ids go into the translation and the keys; then every stage is planned; then the stages run in
/// order, each layer reused when its key is in the cache. Only the stages the target needs are built.
/// </summary>
public sealed class DockerfileBuilder(IImageBackend backend)
{
    /// <summary>The base key of a stage FROM scratch: an empty file system, whatever image stands for it.</summary>
    public const string ScratchKey = "scratch";

    /// <summary>Builds <paramref name="dockerfilePath"/> with its context (and .dockerignore) as <paramref name="dockerfile"/> says;
    /// <see cref="BuildOptions.Tags"/> name the target stage's image.</summary>
    public Task<DockerfileBuildResult> BuildAsync(string dockerfilePath, DockerfileOptions dockerfile, BuildOptions options, IBuildLog log,
        CancellationToken cancellationToken)
        => BuildAsync(DockerfileProgram.Load(dockerfilePath, dockerfile), BuildContext.Load(dockerfile.ContextDirectory, dockerfilePath),
            options, log, cancellationToken);

    public async Task<DockerfileBuildResult> BuildAsync(DockerfileProgram program, BuildContext context, BuildOptions options, IBuildLog log,
        CancellationToken cancellationToken)
    {
        await backend.RemoveLeftoversAsync(cancellationToken).ConfigureAwait(false);
        var builder = new ImageBuilder(backend);
        var images = new Dictionary<string, ImageInfo>(StringComparer.Ordinal);
        foreach (var name in ExternalImages(program))
            images[name] = await builder.EnsureBaseAsync(ImageReference.Parse(name), options.Pull, log, cancellationToken).ConfigureAwait(false);

        var plan = Plan(program, context, name => images[name], options.CacheRepository, new FileDigester(options.FileIndexPath),
            ImageBuilder.PlanOptionsFor(options));
        foreach (var warning in plan.Warnings) log.Warning(warning.Code, warning.Message);
        if (program.UnusedBuildArgs() is { Count: > 0 } unused)
            log.Warning(DockerfileErrorCodes.UnusedBuildArgs,
                $"{program.FileName}: the build arguments {string.Join(", ", unused)} are not used: no ARG declares them in the stages built.");

        var results = new List<BuildResult>();
        var finals = new Dictionary<int, ImageInfo>();
        foreach (var stage in plan.Stages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var s = stage.Stage;
            var baseImage = s.BaseStage is { } b ? finals[b]
                : s.From == "scratch" ? await backend.ScratchImageAsync(cancellationToken).ConfigureAwait(false)
                : images[s.From];
            log.Info($"{program.FileName}: {s.Description} on {stage.Definition.Base.Reference}, {stage.Plan.Steps.Count} steps");
            var stageOptions = options with { Tags = s == program.Target ? options.Tags : [] };
            var result = await builder.BuildPlanAsync(stage.Plan, baseImage, stageOptions, log, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            finals[s.Index] = await backend.InspectImageAsync(result.ImageId, cancellationToken).ConfigureAwait(false)
                              ?? throw new InvalidOperationException($"The engine does not show the image {result.ImageId} it just built.");
        }
        return new DockerfileBuildResult(plan, results);
    }

    /// <summary>The images the needed stages start from or copy from (not stages, not scratch), variables substituted.</summary>
    public static IReadOnlyList<string> ExternalImages(DockerfileProgram program)
    {
        var names = new List<string>();
        foreach (var stage in program.Needed)
        {
            if (stage.BaseStage is null && stage.From != "scratch") names.Add(stage.From);
            names.AddRange(stage.CopySources.Where(c => DockerfileProgram.FindStage(program.Stages.Take(stage.Index).ToArray(), c) is null));
        }
        return names.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// Translates and plans every stage the target needs, in file order: a stage on an earlier stage starts from that
    /// stage's final key and configuration; COPY --from a stage keys on its final key. Pure but for reading the context.
    /// </summary>
    /// <param name="images">The engine's view of each of <see cref="ExternalImages"/> (id and configuration).</param>
    public static DockerfilePlan Plan(DockerfileProgram program, BuildContext context, Func<string, ImageInfo> images, string cacheRepository,
        FileDigester files, PlanOptions planOptions)
    {
        var planned = new Dictionary<int, PlannedStage>();
        foreach (var stage in program.Needed)
        {
            StageBase @base;
            if (stage.BaseStage is { } b)
            {
                var earlier = planned[b];
                var reference = earlier.Plan.Steps.Count == 0 ? earlier.Definition.Base.Reference : ImageReference.Parse(earlier.Image);
                @base = new StageBase(reference, earlier.Plan.FinalKey, earlier.Definition.FinalConfig, earlier.Definition.Copies);
            }
            else if (stage.From == "scratch")
                @base = new StageBase(ImageReference.Parse("scratch"), ScratchKey, new ImageConfig(), []);
            else
            {
                var image = images(stage.From);
                @base = new StageBase(ImageReference.Parse(stage.From), image.Id, image.Config, []);
            }

            StageSource Source(string from)
            {
                if (DockerfileProgram.FindStage(program.Stages.Take(stage.Index).ToArray(), from) is { } source)
                    return new StageSource(planned[source.Index].Image, planned[source.Index].Plan.FinalKey);
                var image = images(from);
                return new StageSource(image.Id, image.Id);
            }

            var definition = StageTranslator.Translate(program, stage, @base, context, Source);
            var plan = Planner.Plan(definition.Definition, @base.Key, files, planOptions);
            var finalImage = plan.Steps.Count > 0 ? $"{cacheRepository}:{plan.FinalKey}"
                : stage.BaseStage is { } bs ? planned[bs].Image
                : @base.Key == ScratchKey ? "scratch" : @base.Key;
            planned[stage.Index] = new PlannedStage(definition, plan, finalImage);
        }
        return new DockerfilePlan(program, program.Needed.Select(s => planned[s.Index]).ToArray());
    }
}
