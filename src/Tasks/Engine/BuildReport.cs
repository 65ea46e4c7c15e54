using System.Text.Json;
using System.Text.Json.Serialization;
using ImageTasks.Engine;

namespace ImageTasks.Tasks.Engine;

/// <summary>
/// The structured result of a build, written to obj/imagetasks/last-build.json: what tools and tests read instead of
/// the log. One entry per layer, in order, with its kind ("apt", "pip", "command", "file", "app", "config"), key and
/// whether it was reused.
/// </summary>
public sealed record BuildReport(
    string ImageId,
    IReadOnlyList<string> ImageNames,
    string BaseImage,
    string BaseImageId,
    int Reused,
    int Built,
    IReadOnlyList<LayerReport> Layers)
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, not HTML: keep < > readable
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static BuildReport From(BuildResult result, MappedImage image) => new(
        result.ImageId,
        image.ImageNames,
        image.Definition.BaseImage.ToString(),
        result.BaseImageId,
        result.Reused,
        result.Built,
        result.Layers.Select(l => new LayerReport(
            l.Step.Index,
            l.Step.Index < image.Kinds.Count ? image.Kinds[l.Step.Index] : "step",
            l.Step.Step.Summary,
            l.Step.Key,
            l.Cached,
            l.Step.Forced,
            Math.Round(l.Elapsed.TotalSeconds, 3),
            l.Size)).ToList());

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
    }

    public static BuildReport Read(string path) => JsonSerializer.Deserialize<BuildReport>(File.ReadAllText(path), Options)!;
}

public sealed record LayerReport(int Index, string Kind, string Summary, string Key, bool Cached, bool Forced, double Seconds, long Size);
