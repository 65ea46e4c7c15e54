using System.Globalization;

namespace ImageTasks.Definition;

/// <summary>
/// The standard labels (ContainerGenerateLabels, as the .NET SDK's) that need the engine: the created time and the base
/// image's name and registry digest. The labels known from the project alone (version, title, source...) are in the
/// definition's final <see cref="ConfigStep"/> already. All of them go into that final configuration step only, never
/// into a step that makes a file system layer, so an edited label rebuilds nothing but that step.
/// </summary>
/// <param name="Created">The fixed created time (SOURCE_DATE_EPOCH); null: the time the final configuration step is
/// first built for its key (so an unchanged project keeps its image), or no created label when <paramref name="CreatedAtBuild"/> is false.</param>
/// <param name="CreatedAtBuild">Without <paramref name="Created"/>: stamp the time the final configuration step is built.</param>
/// <param name="BaseName">Add org.opencontainers.image.base.name: the base reference as given.</param>
/// <param name="BaseDigest">Add org.opencontainers.image.base.digest: the manifest digest the base's registry holds for
/// that reference (the same on every engine and machine), never an engine's local id.</param>
public sealed record GeneratedLabels(DateTimeOffset? Created, bool CreatedAtBuild, bool BaseName, bool BaseDigest)
{
    public const string CreatedLabel = "org.opencontainers.image.created";
    public const string BaseNameLabel = "org.opencontainers.image.base.name";
    public const string BaseDigestLabel = "org.opencontainers.image.base.digest";

    /// <summary>RFC 3339 in UTC to the second, as the OCI annotations ask ("2024-05-01T12:00:00Z").</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The labels for a base on top of a Dockerfile's image: that image has no registry name nor digest.</summary>
    public GeneratedLabels WithoutBase() => this with { BaseName = false, BaseDigest = false };

    /// <summary>
    /// The definition with these labels put first into its final configuration step (so that step's ContainerLabel
    /// items, after them, win), and <see cref="ConfigStep.StampedLabel"/> set when the created time is the build's.
    /// A definition that does not end with a configuration step gets one.
    /// </summary>
    /// <param name="baseDigest">The base's registry digest, or null when it is unknown (the label is left out).</param>
    public ImageDefinition ApplyTo(ImageDefinition definition, string? baseDigest)
    {
        var labels = new List<KeyValuePair<string, string>>();
        if (Created is { } created) labels.Add(new(CreatedLabel, Format(created)));
        if (BaseName) labels.Add(new(BaseNameLabel, definition.BaseImage.ToString()));
        if (BaseDigest && baseDigest is not null) labels.Add(new(BaseDigestLabel, baseDigest));
        var stamp = Created is null && CreatedAtBuild;
        if (labels.Count == 0 && !stamp) return definition;
        var steps = definition.Steps.ToList();
        if (steps.Count == definition.SetupStepCount || steps[^1] is not ConfigStep) steps.Add(new ConfigStep());
        var last = (ConfigStep)steps[^1];
        steps[^1] = last with { Labels = [.. labels, .. last.Labels], StampedLabel = stamp ? CreatedLabel : last.StampedLabel };
        return new ImageDefinition(definition.BaseImage, steps.Take(definition.SetupStepCount), steps.Skip(definition.SetupStepCount));
    }
}
