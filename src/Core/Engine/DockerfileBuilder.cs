using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Dockerfiles;
using ImageTasks.Planning;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine;

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
        foreach (var name in DockerfilePlanner.ExternalImages(program))
            images[name] = await builder.EnsureBaseAsync(ImageReference.Parse(name), options, log, cancellationToken).ConfigureAwait(false);

        var plan = DockerfilePlanner.Plan(program, context, name => new StageImage(images[name].Id, images[name].Config), options.CacheRepository,
            options.Files ?? new FileDigester(options.FileIndexPath), ImageBuilder.PlanOptionsFor(options));
        foreach (var warning in plan.Warnings) log.Warning(warning.Code, warning.Message);
        if (program.UnusedBuildArgs() is { Count: > 0 } unused)
            log.Warning(ErrorCodes.UnusedBuildArgs,
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
}
