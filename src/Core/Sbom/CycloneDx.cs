using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ImageTasks.Sbom;

/// <summary>
/// The bill of materials of an image as CycloneDX 1.5 JSON: the image as the metadata's component (a container, its
/// image id recorded in the properties), and every package found as a library component with its purl, its bom-ref.
/// Deterministic for an image and a time: components sorted, the serial number derived from the image id.
/// </summary>
public static class CycloneDx
{
    public const string SpecVersion = "1.5";
    /// <summary>The metadata property that records which image the document describes.</summary>
    public const string ImageIdProperty = "imagetasks:image-id";
    /// <summary>The metadata property that records the image the packages were read from (the image below the app's
    /// own layers and the configuration, which hold no package records): while it is the same, nothing is read again.</summary>
    public const string ContentsImageIdProperty = "imagetasks:contents-image-id";

    public static byte[] Write(SbomContents contents, string imageId, string imageName, DateTimeOffset timestamp, string toolVersion,
        string? contentsImageId = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("bomFormat", "CycloneDX");
            json.WriteString("specVersion", SpecVersion);
            json.WriteString("serialNumber", "urn:uuid:" + SerialOf(imageId));
            json.WriteNumber("version", 1);
            json.WriteStartObject("metadata");
            json.WriteString("timestamp", Definition.GeneratedLabels.Format(timestamp));
            json.WriteStartObject("tools");
            json.WriteStartArray("components");
            json.WriteStartObject();
            json.WriteString("type", "application");
            json.WriteString("name", "ImageTasks");
            json.WriteString("version", toolVersion);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("component");
            json.WriteString("type", "container");
            json.WriteString("bom-ref", imageId);
            json.WriteString("name", imageName);
            json.WriteString("version", imageId);
            json.WriteEndObject();
            json.WriteStartArray("properties");
            Property(json, ImageIdProperty, imageId);
            Property(json, ContentsImageIdProperty, contentsImageId ?? imageId);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("components");
            foreach (var component in contents.Components)
            {
                json.WriteStartObject();
                json.WriteString("type", "library");
                json.WriteString("bom-ref", component.Purl);
                json.WriteString("name", component.Name);
                json.WriteString("version", component.Version);
                json.WriteString("purl", component.Purl);
                json.WriteStartArray("properties");
                Property(json, "imagetasks:package-type", component.Kind);
                Property(json, "imagetasks:path", component.Path);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The image id a document written by <see cref="Write"/> records; null when it is not one (or unreadable).</summary>
    public static string? ImageIdOf(byte[] document) => MetadataProperty(document, ImageIdProperty);

    /// <summary>The image its packages were read from; null when it is not one of ours (or unreadable).</summary>
    public static string? ContentsImageIdOf(byte[] document) => MetadataProperty(document, ContentsImageIdProperty);

    static string? MetadataProperty(byte[] document, string wanted)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            if (!json.RootElement.TryGetProperty("metadata", out var metadata) || !metadata.TryGetProperty("properties", out var properties)) return null;
            foreach (var property in properties.EnumerateArray())
                if (property.TryGetProperty("name", out var name) && name.GetString() == wanted && property.TryGetProperty("value", out var value))
                    return value.GetString();
        }
        catch (JsonException) { }
        return null;
    }

    /// <summary>The components of a document written by <see cref="Write"/>, to write them again for another image id
    /// with the same contents; null when it cannot be read.</summary>
    public static SbomContents? ContentsOf(byte[] document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            var components = new List<SbomComponent>();
            foreach (var component in json.RootElement.GetProperty("components").EnumerateArray())
            {
                string? Property(string wanted) => component.GetProperty("properties").EnumerateArray()
                    .Where(p => p.GetProperty("name").GetString() == wanted).Select(p => p.GetProperty("value").GetString()).FirstOrDefault();
                components.Add(new SbomComponent(Property("imagetasks:package-type") ?? "", component.GetProperty("name").GetString() ?? "",
                    component.GetProperty("version").GetString() ?? "", component.GetProperty("purl").GetString() ?? "", Property("imagetasks:path") ?? ""));
            }
            return new SbomContents(components, []);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    static void Property(Utf8JsonWriter json, string name, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("value", value);
        json.WriteEndObject();
    }

    /// <summary>A UUID (version 5 layout) from the SHA-256 of the image id: the same image, the same serial number.</summary>
    static string SerialOf(string imageId)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes("imagetasks-sbom:" + imageId)).AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexString(bytes).ToLowerInvariant();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
