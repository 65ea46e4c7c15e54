using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine.Publishing;

/// <summary>The digest of content as registries name it: "sha256:" and the lowercase hex SHA-256 of the bytes.</summary>
public static class ContentDigest
{
    public static string Of(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
}

/// <summary>A content descriptor: what a manifest or index says of a blob.</summary>
public sealed record Descriptor(string MediaType, string Digest, long Size);

/// <summary>
/// One image as the blobs of an OCI image layout (blobs/sha256/&lt;hex&gt; in <see cref="Folder"/>): its config as the
/// engine has it (so its digest is the image id), each layer gzip-compressed, and a manifest of the chosen format.
/// Made from the tarball an engine saves (<c>docker save</c>: manifest.json naming the config and the layer tars, in
/// Docker's layout or an OCI layout). The same layers always give the same bytes: the gzip header carries no time or
/// name and the compression level is fixed, so a second push of an unchanged layer finds its blob in the registry.
/// </summary>
public sealed class OciImage
{
    /// <summary>JSON as registries and tools write it: "+" in media types stays "+".</summary>
    internal static readonly JsonSerializerOptions Plain = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Folder { get; }
    public ImageFormat Format { get; }
    public Descriptor Config { get; }
    public IReadOnlyList<Descriptor> Layers { get; }
    public byte[] Manifest { get; }
    public Descriptor ManifestDescriptor { get; }

    OciImage(string folder, ImageFormat format, Descriptor config, IReadOnlyList<Descriptor> layers)
    {
        (Folder, Format, Config, Layers) = (folder, format, config, layers);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.Manifest(format),
            ["config"] = Json(config),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)Json(l)).ToArray()),
        };
        Manifest = Encoding.UTF8.GetBytes(manifest.ToJsonString(Plain));
        ManifestDescriptor = new Descriptor(MediaTypes.Manifest(format), ContentDigest.Of(Manifest), Manifest.Length);
        File.WriteAllBytes(BlobPath(ManifestDescriptor.Digest), Manifest);
    }

    public string BlobPath(string digest) => Path.Combine(Folder, "blobs", "sha256", digest["sha256:".Length..]);

    /// <summary>Reads a saved image (one image in the tarball) into <paramref name="folder"/> (made empty first).</summary>
    public static async Task<OciImage> FromSavedAsync(Stream saved, string folder, ImageFormat format, CancellationToken cancellationToken)
    {
        var extracted = Path.Combine(folder, "saved");
        Directory.CreateDirectory(Path.Combine(folder, "blobs", "sha256"));
        Directory.CreateDirectory(extracted);
        await ExtractAsync(saved, extracted, cancellationToken).ConfigureAwait(false);
        try
        {
            var manifestPath = Path.Combine(extracted, "manifest.json");
            if (!File.Exists(manifestPath)) throw Unreadable("it has no manifest.json");
            var manifests = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath, cancellationToken).ConfigureAwait(false))?.AsArray();
            if (manifests is not { Count: 1 } || manifests[0]?["Config"]?.GetValue<string>() is not { } configPath)
                throw Unreadable($"its manifest.json describes {manifests?.Count ?? 0} images, not one");
            var layerPaths = manifests[0]!["Layers"]?.AsArray().Select(l => l!.GetValue<string>()).ToArray() ?? [];

            var configBytes = await File.ReadAllBytesAsync(Inside(extracted, configPath), cancellationToken).ConfigureAwait(false);
            var config = new Descriptor(MediaTypes.Config(format), ContentDigest.Of(configBytes), configBytes.Length);
            var image = new List<Descriptor>();
            foreach (var layer in layerPaths)
                image.Add(await CompressLayerAsync(Inside(extracted, layer), folder, format, cancellationToken).ConfigureAwait(false));
            await File.WriteAllBytesAsync(Path.Combine(folder, "blobs", "sha256", config.Digest["sha256:".Length..]), configBytes, cancellationToken).ConfigureAwait(false);
            return new OciImage(folder, format, config, image);
        }
        finally { Directory.Delete(extracted, recursive: true); }
    }

    /// <summary>Writes an OCI image layout as a tar (oci-layout, index.json, blobs), one index entry per name, each
    /// named as the layout's <c>org.opencontainers.image.ref.name</c> (the tag) and containerd's full image name.</summary>
    public async Task WriteLayoutAsync(Stream destination, IReadOnlyList<(string FullName, string Tag)> names, CancellationToken cancellationToken)
    {
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciIndex,
            ["manifests"] = new JsonArray(names.Select(n =>
            {
                var entry = Json(ManifestDescriptor);
                entry["annotations"] = new JsonObject { ["io.containerd.image.name"] = n.FullName, ["org.opencontainers.image.ref.name"] = n.Tag };
                return (JsonNode)entry;
            }).ToArray()),
        };
        await using var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await AddAsync(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"), cancellationToken).ConfigureAwait(false);
        await AddAsync(tar, "index.json", Encoding.UTF8.GetBytes(index.ToJsonString(Plain)), cancellationToken).ConfigureAwait(false);
        foreach (var blob in Layers.Prepend(Config).Append(ManifestDescriptor).DistinctBy(d => d.Digest))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + blob.Digest["sha256:".Length..]) { ModificationTime = DateTimeOffset.UnixEpoch };
            await using var data = File.OpenRead(BlobPath(blob.Digest));
            entry.DataStream = data;
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }

    static async Task AddAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { ModificationTime = DateTimeOffset.UnixEpoch, DataStream = new MemoryStream(content) };
        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extracts regular files, directories and symbolic links (a saved image links a repeated layer to its
    /// first copy); nothing may land outside <paramref name="folder"/>.</summary>
    static async Task ExtractAsync(Stream saved, string folder, CancellationToken cancellationToken)
    {
        await using var reader = new TarReader(saved, leaveOpen: true);
        var links = new List<(string Path, string Target)>();
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = Inside(folder, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory: Directory.CreateDirectory(path); break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                        if (entry.DataStream is { } data) await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    var target = entry.EntryType == TarEntryType.HardLink ? entry.LinkName : Path.Combine(Path.GetDirectoryName(entry.Name) ?? "", entry.LinkName);
                    links.Add((path, Inside(folder, target)));
                    break;
            }
        }
        foreach (var (path, target) in links)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(target)) File.Copy(target, path, overwrite: true);
        }
    }

    /// <summary>A path of the tarball under <paramref name="folder"/>; IMG4204 for one that would leave it.</summary>
    static string Inside(string folder, string name)
    {
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(root, name));
        if (!path.StartsWith(root, StringComparison.Ordinal)) throw Unreadable($"its entry '{name}' points outside the archive");
        return path;
    }

    /// <summary>Compresses a layer tar into its blob, hashing the compressed bytes as they are written.</summary>
    static async Task<Descriptor> CompressLayerAsync(string layerTar, string folder, ImageFormat format, CancellationToken cancellationToken)
    {
        if (!File.Exists(layerTar)) throw Unreadable($"its layer '{Path.GetFileName(Path.GetDirectoryName(layerTar))}/{Path.GetFileName(layerTar)}' is missing");
        var temp = Path.Combine(folder, "blobs", "sha256", $".{Guid.NewGuid():N}.tmp");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size;
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var hashing = new HashingStream(file, hash);
            await using (var gzip = new GZipStream(hashing, CompressionLevel.Fastest, leaveOpen: true))
            await using (var input = new FileStream(layerTar, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await input.CopyToAsync(gzip, cancellationToken).ConfigureAwait(false);
            size = hashing.Written;
        }
        var digest = "sha256:" + Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        File.Move(temp, Path.Combine(folder, "blobs", "sha256", digest["sha256:".Length..]), overwrite: true);
        return new Descriptor(MediaTypes.Layer(format), digest, size);
    }

    static JsonObject Json(Descriptor d) => new() { ["mediaType"] = d.MediaType, ["digest"] = d.Digest, ["size"] = d.Size };

    static ImageTasksException Unreadable(string why) => new(ErrorCodes.SavedImageUnreadable,
        $"The image the engine saved cannot be turned into OCI blobs: {why}. Check the engine's version (docker save must write manifest.json) or use ContainerImageFormat=Docker.");
}
