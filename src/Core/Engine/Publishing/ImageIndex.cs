using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImageTasks.Engine.Publishing;

/// <summary>One platform's image in an index: its manifest's media type, digest and size, and its platform (os/arch[/variant]).</summary>
public sealed record IndexEntry(string MediaType, string Digest, long Size, string Platform);

/// <summary>
/// An image index (Docker manifest list, or OCI image index): one manifest per platform under one tag. Written for a
/// build of several platforms, read to find a base image's manifest for one platform. Pure JSON, no registry.
/// </summary>
public static class ImageIndex
{
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    // media types as written ("+json", not "\u002Bjson"): the index is JSON only, never put in HTML
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool IsIndex(string mediaType) => mediaType is DockerManifestList or OciIndex;

    /// <summary>The index's JSON, the entries in the order given (a build's runtime identifiers' order).</summary>
    public static byte[] Write(string mediaType, IReadOnlyList<IndexEntry> entries)
    {
        var manifests = new JsonArray();
        foreach (var entry in entries)
        {
            var parts = entry.Platform.Split('/');
            var platform = new JsonObject { ["architecture"] = parts[1], ["os"] = parts[0] };
            if (parts.Length > 2) platform["variant"] = parts[2];
            manifests.Add(new JsonObject
            {
                ["mediaType"] = entry.MediaType, ["digest"] = entry.Digest, ["size"] = entry.Size, ["platform"] = platform,
            });
        }
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = mediaType, ["manifests"] = manifests };
        return Encoding.UTF8.GetBytes(index.ToJsonString(Json));
    }

    /// <summary>The platforms (os/arch[/variant]) and digests an index lists; entries without a platform (attestations
    /// list "unknown/unknown") are kept as they are written.</summary>
    public static IReadOnlyList<(string Platform, string Digest)> Read(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = new List<(string, string)>();
        if (!document.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array) return result;
        foreach (var manifest in manifests.EnumerateArray())
        {
            if (!manifest.TryGetProperty("digest", out var digest) || !manifest.TryGetProperty("platform", out var platform)) continue;
            var os = platform.TryGetProperty("os", out var o) ? o.GetString() : null;
            var arch = platform.TryGetProperty("architecture", out var a) ? a.GetString() : null;
            var variant = platform.TryGetProperty("variant", out var v) ? v.GetString() : null;
            result.Add(($"{os}/{arch}{(string.IsNullOrEmpty(variant) ? "" : "/" + variant)}", digest.GetString() ?? ""));
        }
        return result;
    }

    /// <summary>The digest of the index's manifest for <paramref name="platform"/>: os and architecture equal, and the
    /// variant too when both name one (linux/arm64 matches linux/arm64/v8). Null when it lists none.</summary>
    public static string? Find(byte[] json, string platform) =>
        Read(json).Where(e => Matches(e.Platform, platform)).Select(e => e.Digest).FirstOrDefault();

    public static bool Matches(string listed, string wanted)
    {
        var a = listed.ToLowerInvariant().Split('/');
        var b = wanted.ToLowerInvariant().Split('/');
        return a.Length >= 2 && b.Length >= 2 && a[0] == b[0] && a[1] == b[1] && (a.Length < 3 || b.Length < 3 || a[2] == b[2]);
    }
}
