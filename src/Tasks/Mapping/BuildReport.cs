using System.Text.Json;
using System.Text.Json.Serialization;
using ImageTasks.Engine;
using ImageTasks.Planning;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// The structured result of a build, written to obj/imagetasks/last-build.json: what tools and tests read instead of
/// the log. One entry per layer, in order, with its kind ("apt", "pip", "command", "file", "runtime", "dependencies", "app", "config"), key and
/// whether it was reused. A build that failed once its definition was made writes it too: no image id, the layers
/// done so far, and <see cref="Failed"/> naming the error code and the step that failed (none when the failure came
/// between steps, as a base image check or a push).
/// </summary>
public sealed record BuildReport(
    string? ImageId,
    IReadOnlyList<string> ImageNames,
    string? BaseImage,
    string? BaseImageId,
    int Reused,
    int Built,
    IReadOnlyList<LayerReport> Layers,
    FailureReport? Failed = null)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep < > readable
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = BuildReportJson.Default, // generated at compile time: no reflection serializer to start
    };

    public static BuildReport From(BuildResult result, MappedImage image) => new(
        result.ImageId,
        image.ImageNames,
        // the base the layers were built on: with ImageDockerfile, the Dockerfile's image (its cache tag)
        result.Plan.Definition.BaseImage.ToString(),
        result.BaseImageId,
        result.Reused,
        result.Built,
        result.Layers.Select(l => LayerReport.Of(l, KindOf(image, l.Step))).ToList());

    /// <summary>The report of a failed build: the layers done so far and the step that was running.</summary>
    public static BuildReport Failure(MappedImage image, IReadOnlyList<LayerReport> done, PlannedStep? failed, string failedKind, string code) => new(
        null,
        image.ImageNames,
        // before an ImageDockerfile's image is built there is no base to name
        image.Definition.BaseImage.ToString() is var name && name != DefinitionMapper.DockerfileBasePlaceholder ? name : null,
        null,
        done.Count(l => l.Cached),
        done.Count(l => !l.Cached),
        done,
        new FailureReport(code, failed?.Index, failed is null ? null : failedKind, failed?.Step.Summary, failed?.Key));

    public static string KindOf(MappedImage image, PlannedStep step) => step.Index < image.Kinds.Count ? image.Kinds[step.Index] : "step";

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
    }

    public static BuildReport Read(string path) => JsonSerializer.Deserialize<BuildReport>(File.ReadAllText(path), Options)!;
}

/// <param name="Cached">Not built by this build: tagged on the engine already, or pulled from the shared cache.</param>
/// <param name="Source">"cached", "pulled from cache" or "built", as the build log says.</param>
public sealed record LayerReport(int Index, string Kind, string Summary, string Key, bool Cached, bool Forced, double Seconds, long Size, string? Source = null)
{
    public static LayerReport Of(LayerResult l, string kind) =>
        new(l.Step.Index, kind, l.Step.Step.Summary, l.Step.Key, l.Cached, l.Step.Forced, Math.Round(l.Elapsed.TotalSeconds, 3), l.Size, l.Source.Text());
}

/// <summary>Why a build failed: the error code, and the step that was running (its index, kind, summary and key), if one was.</summary>
public sealed record FailureReport(string Code, int? Index, string? Kind, string? Summary, string? Key);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildReport))]
internal sealed partial class BuildReportJson : JsonSerializerContext;
