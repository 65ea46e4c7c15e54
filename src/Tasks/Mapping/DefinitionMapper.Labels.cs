using System.Globalization;
using System.Text.RegularExpressions;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>The .NET SDK's container surface beyond the steps: the standard labels (ContainerGenerateLabels) and the
/// base family (ContainerFamily).</summary>
public static partial class DefinitionMapper
{
    /// <summary>The default base's variant: the suffix of the official Python image's tag after the Python version.</summary>
    public const string DefaultFamily = "slim-bookworm";

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex FamilyText();

    /// <summary>
    /// The base image: ContainerBaseImage, else the official Python image of ImagePythonVersion in the variant
    /// ContainerFamily names (the tag's suffix, as the .NET SDK appends its family to its own bases' tags:
    /// python:3.12-&lt;family&gt;, default slim-bookworm). A family with an explicit base is IMG1050; one that is no
    /// tag suffix IMG1051; an Alpine (musl) family for a glibc runtime identifier IMG1052.
    /// </summary>
    public static string BaseImageOf(ImageRequest request)
    {
        var family = Blank(request.Family)?.Trim();
        var pythonVersion = Blank(request.PythonVersion)?.Trim() ?? DefaultPythonVersion;
        if (family is not null && (Blank(request.BaseImage) ?? Blank(request.Dockerfile)) is { } explicitBase)
            throw new ImageTasksException(ErrorCodes.FamilyWithExplicitBase,
                $"ContainerFamily \"{family}\" picks a variant of the default base image, but the base is given ({(Blank(request.BaseImage) is null ? "ImageDockerfile" : "ContainerBaseImage")} \"{explicitBase.Trim()}\"). " +
                "Remove ContainerFamily, or remove the explicit base to use python:" + pythonVersion + "-" + family + ".");
        if (family is not null && (!FamilyText().IsMatch(family) || pythonVersion.Length + 1 + family.Length > 128))
            throw new ImageTasksException(ErrorCodes.InvalidFamily,
                $"ContainerFamily \"{family}\" is not a tag suffix of the Python images. Use lowercase letters, digits, '.', '_' and '-', such as " +
                "\"slim-bookworm\" (the default), \"bookworm\", \"slim-trixie\" or \"alpine\": the base becomes python:" + pythonVersion + "-<family>.");
        if (family is not null && family.StartsWith("alpine", StringComparison.Ordinal)
            && !(Blank(request.RuntimeIdentifier)?.Trim() ?? "").StartsWith("linux-musl-", StringComparison.Ordinal))
            throw new ImageTasksException(ErrorCodes.FamilyPlatformMismatch,
                $"ContainerFamily \"{family}\" is an Alpine (musl) base, but the app is published for {Blank(request.RuntimeIdentifier)?.Trim() ?? "linux-x64"} (glibc), which would not start there. " +
                "Set ContainerRuntimeIdentifier to linux-musl-x64 (or linux-musl-arm64), or choose a Debian family such as slim-bookworm.");
        // the default base's Python is checked only when it is the base (IMG1049)
        var version = (Blank(request.BaseImage) ?? Blank(request.Dockerfile)) is null ? DefaultBasePythonVersion(request) : pythonVersion;
        return DefaultBaseImage(version, family ?? DefaultFamily);
    }

    /// <summary>The official Python image of a version in a variant.</summary>
    public static string DefaultBaseImage(string pythonVersion, string family) => $"python:{pythonVersion}-{family}";

    /// <summary>The standard labels known from the project (the targets computed them), before the ContainerLabel items
    /// so that those win.</summary>
    private static IEnumerable<KeyValuePair<string, string>> StandardLabelsOf(ImageRequest request) =>
        request.StandardLabels.Where(l => !string.IsNullOrWhiteSpace(l.ItemSpec) && l.Get("Value") is not null)
            .Select(l => new KeyValuePair<string, string>(l.ItemSpec.Trim(), l.Get("Value")!.Trim()));

    /// <summary>The labels the engine adds (created, base name and digest); null when none is asked for.</summary>
    public static GeneratedLabels? GeneratedLabelsOf(ImageRequest request, bool dockerfileBase)
    {
        var created = ParseBool("ContainerGenerateLabelsImageCreated", request.LabelCreated) ?? false;
        var baseName = !dockerfileBase && (ParseBool("ContainerGenerateLabelsImageBaseName", request.LabelBaseName) ?? false);
        var baseDigest = !dockerfileBase && (ParseBool("ContainerGenerateLabelsImageBaseDigest", request.LabelBaseDigest) ?? false);
        var epoch = SourceDateEpochOf(request);
        if (!created && !baseName && !baseDigest) return null;
        return new GeneratedLabels(created ? epoch : null, created && epoch is null, baseName, baseDigest);
    }

    /// <summary>SOURCE_DATE_EPOCH (reproducible-builds.org): whole seconds since 1970-01-01 UTC; anything else is IMG1053.</summary>
    public static DateTimeOffset? SourceDateEpochOf(ImageRequest request)
    {
        if (Blank(request.SourceDateEpoch)?.Trim() is not { } text) return null;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new ImageTasksException(ErrorCodes.InvalidSourceDateEpoch,
                $"SOURCE_DATE_EPOCH \"{text}\" is not a whole number of seconds since 1970-01-01 UTC. Set it to one (for the last commit's time: git log -1 --format=%ct), or unset it.");
    }
}
