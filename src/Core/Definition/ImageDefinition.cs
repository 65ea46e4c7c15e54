namespace ImageTasks.Definition;

/// <summary>
/// What the user asked for, as a pure value: a base image and an ordered chain of steps, each of which becomes one
/// layer. Built from project items by the MSBuild tasks (or from a Dockerfile); planned into layer keys by
/// <see cref="Planning.Planner"/>. Nothing here does I/O.
/// </summary>
public sealed record ImageDefinition
{
    /// <summary>The engine refuses images deeper than about 125 layers; we refuse earlier, with a coded error.</summary>
    public const int MaxSteps = 100;

    public ImageDefinition(ImageReference baseImage, IEnumerable<BuildStep> steps)
        : this(baseImage, [], steps) { }

    /// <param name="setupSteps">Applied on top of the base before it is checked and before the other steps (Modal's
    /// setup_dockerfile_commands): they make a base fit, e.g. install pip on an image without it.</param>
    public ImageDefinition(ImageReference baseImage, IEnumerable<BuildStep> setupSteps, IEnumerable<BuildStep> steps)
    {
        BaseImage = baseImage;
        var setup = setupSteps.ToArray();
        SetupStepCount = setup.Length;
        Steps = [.. setup, .. steps];
        if (Steps.Count > MaxSteps)
            throw new Diagnostics.ImageTasksException(Diagnostics.ErrorCodes.TooManyLayers,
                $"The image definition has {Steps.Count} steps; at most {MaxSteps} layers can be stacked on a base image. " +
                "Group shell commands into fewer items (one item may hold several commands) or merge package items.");
        // ConfigStep is made with init properties, so it is checked here rather than in its constructor.
        foreach (var config in Steps.OfType<ConfigStep>()) Validation.CheckConfig(config);
    }

    public ImageReference BaseImage { get; }
    /// <summary>Every step, setup steps first.</summary>
    public IReadOnlyList<BuildStep> Steps { get; }

    /// <summary>How many of <see cref="Steps"/> are setup steps (they come first).</summary>
    public int SetupStepCount { get; }

    /// <summary>The standard labels the engine adds to the final configuration step (the created time, the base's name
    /// and registry digest); null: none.</summary>
    public GeneratedLabels? GeneratedLabels { get; init; }
}
