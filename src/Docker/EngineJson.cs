using System.Globalization;
using System.Text.Json;
using ImageTasks.Definition;

namespace ImageTasks.Backend;

/// <summary>An image as the engine's inspect (GET /images/{name}/json) tells it: what the backend reads of it.</summary>
public sealed record InspectedImage(string Id, IReadOnlyList<string> RepoTags, DateTimeOffset Created, long Size, string Os, string Architecture,
    string? Variant, ImageConfig Config, IReadOnlyList<string> Layers, string? Comment);

/// <summary>One entry of an image's history (GET /images/{name}/history), newest first as the engine lists them.</summary>
public sealed record ImageHistoryEntry(DateTimeOffset Created, string CreatedBy, long Size, string? Comment);

/// <summary>A container of the engine's list (GET /containers/json): what the leftover sweep reads of it.</summary>
public sealed record ListedContainer(string Id, IReadOnlyList<string> Names, string State, DateTimeOffset Created, IReadOnlyList<string> VolumeNames);

/// <summary>A volume of the engine's list (GET /volumes).</summary>
public sealed record ListedVolume(string Name, string? CreatedAt);

/// <summary>Reads the engine's JSON answers with a document reader (no serializer metadata to build, which a build's
/// first request would pay for). Fields the engine leaves out or sets to null read as empty.</summary>
public static class EngineJson
{
    public static InspectedImage Image(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var image = document.RootElement;
        var c = Field(image, "Config");
        return new InspectedImage(
            String(image, "Id") ?? "",
            Strings(image, "RepoTags") ?? [],
            Time(String(image, "Created")),
            Long(image, "Size"),
            String(image, "Os") ?? "",
            String(image, "Architecture") ?? "",
            NullIfEmpty(String(image, "Variant")),
            new ImageConfig
            {
                Env = Strings(c, "Env") ?? [],
                WorkingDir = NullIfEmpty(String(c, "WorkingDir")),
                User = NullIfEmpty(String(c, "User")),
                Entrypoint = Strings(c, "Entrypoint"),
                Cmd = Strings(c, "Cmd"),
                Labels = Field(c, "Labels") is { ValueKind: JsonValueKind.Object } labels
                    ? labels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString() ?? "", StringComparer.Ordinal)
                    : new Dictionary<string, string>(),
                ExposedPorts = Keys(c, "ExposedPorts"),
                Volumes = Keys(c, "Volumes"),
                StopSignal = NullIfEmpty(String(c, "StopSignal")),
                Healthcheck = Healthcheck(Field(c, "Healthcheck")),
                Shell = Strings(c, "Shell") is { Count: > 0 } shell ? shell : null,
                OnBuild = Strings(c, "OnBuild") ?? [],
            },
            Strings(Field(image, "RootFS"), "Layers") ?? [],
            NullIfEmpty(String(image, "Comment")));
    }

    public static IReadOnlyList<ImageHistoryEntry> History(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => new ImageHistoryEntry(
            DateTimeOffset.FromUnixTimeSeconds(Long(e, "Created")), String(e, "CreatedBy") ?? "", Long(e, "Size"), NullIfEmpty(String(e, "Comment")))).ToArray();
    }

    /// <summary>The engine is Podman: its version (GET /version) names a "Podman Engine" component or platform.</summary>
    public static bool IsPodmanVersion(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        static bool Podman(string? name) => name?.Contains("Podman", StringComparison.OrdinalIgnoreCase) == true;
        var version = document.RootElement;
        return Field(version, "Components") is { ValueKind: JsonValueKind.Array } components && components.EnumerateArray().Any(c => Podman(String(c, "Name")))
               || Podman(String(Field(version, "Platform"), "Name"));
    }

    public static IReadOnlyList<ListedContainer> Containers(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(c => new ListedContainer(
            String(c, "Id") ?? "", Strings(c, "Names") ?? [], String(c, "State") ?? "", DateTimeOffset.FromUnixTimeSeconds(Long(c, "Created")),
            Field(c, "Mounts") is { ValueKind: JsonValueKind.Array } mounts
                ? mounts.EnumerateArray().Select(m => String(m, "Name")).OfType<string>().ToArray()
                : [])).ToArray();
    }

    public static IReadOnlyList<ListedVolume> Volumes(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return Field(document.RootElement, "Volumes") is { ValueKind: JsonValueKind.Array } volumes
            ? volumes.EnumerateArray().Select(v => new ListedVolume(String(v, "Name") ?? "", String(v, "CreatedAt"))).ToArray()
            : [];
    }

    /// <summary>The error a JSON message stream (a load's or a pull's answer) reports, or null.</summary>
    public static string? StreamError(byte[] json)
    {
        foreach (var line in StreamLines(json))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                if (String(document.RootElement, "error") is { Length: > 0 } error) return error;
                if (String(Field(document.RootElement, "errorDetail"), "message") is { Length: > 0 } detail) return detail;
            }
            catch (JsonException) { return line; }
        }
        return null;
    }

    /// <summary>A JSON message stream's lines, one message each.</summary>
    static string[] StreamLines(byte[] json) =>
        System.Text.Encoding.UTF8.GetString(json).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The text a JSON message stream (load, build) prints: its messages' "stream" fields, joined.</summary>
    public static string StreamText(byte[] json)
    {
        var text = new System.Text.StringBuilder();
        foreach (var line in StreamLines(json))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                text.Append(String(document.RootElement, "stream"));
            }
            catch (JsonException) { }
        }
        return text.ToString();
    }

    /// <summary>An RFC 3339 time as the engine writes it (up to nine decimals, which .NET reads only up to seven).</summary>
    public static DateTimeOffset Time(string? text)
    {
        if (string.IsNullOrEmpty(text)) return default;
        var dot = text.IndexOf('.');
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            if (end - dot - 1 > 7) text = text[..(dot + 8)] + text[end..];
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.ToUniversalTime() : default;
    }

    static Healthcheck? Healthcheck(JsonElement h)
    {
        if (Strings(h, "Test") is not { Count: > 0 } test) return null;
        static TimeSpan? Span(JsonElement h, string name) => Long(h, name) is > 0 and var ns ? TimeSpan.FromTicks(ns / 100) : null;
        return new Healthcheck(test)
        {
            Interval = Span(h, "Interval"),
            Timeout = Span(h, "Timeout"),
            StartPeriod = Span(h, "StartPeriod"),
            StartInterval = Span(h, "StartInterval"),
            Retries = Long(h, "Retries") is > 0 and var r ? (int)r : null,
        };
    }

    static JsonElement Field(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var value) ? value : default;

    static string? String(JsonElement e, string name) => Field(e, name) is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;

    static long Long(JsonElement e, string name) => Field(e, name) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var v) ? v : 0;

    static IReadOnlyList<string>? Strings(JsonElement e, string name) =>
        Field(e, name) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray().Select(s => s.GetString() ?? "").ToArray() : null;

    static string[] Keys(JsonElement e, string name) =>
        Field(e, name) is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray() : [];

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
