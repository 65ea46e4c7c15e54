using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Dockerfiles;

namespace ImageTasks.Planning;

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

/// <summary>What the planner needs to know of an image a stage starts from or copies from: its id and configuration.</summary>
public sealed record StageImage(string Id, ImageConfig Config);

/// <summary>
/// Plans a Dockerfile: the stages the target needs, translated (pure) and keyed, before any step runs. The engine's
/// DockerfileBuilder resolves the external images first and then builds the stages of this plan in order.
/// </summary>
public static class DockerfilePlanner
{
    /// <summary>The base key of a stage FROM scratch: an empty file system, whatever image stands for it.</summary>
    public const string ScratchKey = "scratch";

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
    public static DockerfilePlan Plan(DockerfileProgram program, BuildContext context, Func<string, StageImage> images, string cacheRepository,
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
