using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tests;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class OciImageTests
{
    static readonly byte[] Config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}");

    /// <summary>A tarball as docker save (20.10) writes it: layer folders with layer.tar, the config, manifest.json;
    /// the third layer repeats the first as a symbolic link, as the engine writes a repeated layer.</summary>
    static MemoryStream Saved(params string[] layerTexts)
    {
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            var configName = Convert.ToHexString(SHA256.HashData(Config)).ToLowerInvariant() + ".json";
            var layers = new List<string>();
            for (var i = 0; i < layerTexts.Length; i++)
            {
                var name = $"layer{i}/layer.tar";
                layers.Add(name);
                if (i > 0 && layerTexts[i] == layerTexts[0])
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = "../layer0/layer.tar" });
                    continue;
                }
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(LayerTar(layerTexts[i])) });
            }
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, configName) { DataStream = new MemoryStream(Config) });
            var manifest = JsonSerializer.Serialize(new[] { new { Config = configName, RepoTags = new[] { "app:1" }, Layers = layers } });
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest)) });
        }
        stream.Position = 0;
        return stream;
    }

    static byte[] LayerTar(string text)
    {
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true))
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "file.txt") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), ModificationTime = DateTimeOffset.UnixEpoch });
        return stream.ToArray();
    }

    static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    [TestMethod]
    public async Task A_saved_image_becomes_gzip_layers_its_config_and_an_OCI_manifest_that_names_them()
    {
        using var temp = new TempFolder();
        var image = await OciImage.FromSavedAsync(Saved("one", "two", "one"), Path.Combine(temp.Path, "a"), ImageFormat.Oci, default);

        Assert.AreEqual(Sha256(Config), image.Config.Digest, "the config is the engine's, so its digest is the image id");
        Assert.AreEqual(MediaTypes.OciConfig, image.Config.MediaType);
        Assert.AreEqual(3, image.Layers.Count);
        Assert.AreEqual(image.Layers[0].Digest, image.Layers[2].Digest, "a repeated layer is the same blob");
        Assert.AreNotEqual(image.Layers[0].Digest, image.Layers[1].Digest);
        foreach (var layer in image.Layers)
        {
            var blob = File.ReadAllBytes(image.BlobPath(layer.Digest));
            Assert.AreEqual(layer.Digest, Sha256(blob), "a blob's name is its content's digest");
            Assert.AreEqual(layer.Size, blob.Length);
            Assert.AreEqual(MediaTypes.OciLayer, layer.MediaType);
            using var gunzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress);
            var diff = new MemoryStream();
            gunzip.CopyTo(diff);
            CollectionAssert.AreEqual(LayerTar(layer == image.Layers[1] ? "two" : "one"), diff.ToArray(), "the blob uncompresses to the layer the engine saved");
        }
        using var manifest = JsonDocument.Parse(image.Manifest);
        Assert.AreEqual(MediaTypes.OciManifest, manifest.RootElement.GetProperty("mediaType").GetString());
        Assert.AreEqual(image.Config.Digest, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        CollectionAssert.AreEqual(image.Layers.Select(l => l.Digest).ToArray(),
            manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToArray());
        Assert.AreEqual(Sha256(image.Manifest), image.ManifestDescriptor.Digest);
    }

    [TestMethod]
    public async Task The_same_saved_image_gives_the_same_blobs_and_manifest_each_time_so_a_second_push_finds_them()
    {
        using var temp = new TempFolder();
        var first = await OciImage.FromSavedAsync(Saved("one", "two"), Path.Combine(temp.Path, "a"), ImageFormat.Oci, default);
        var second = await OciImage.FromSavedAsync(Saved("one", "two"), Path.Combine(temp.Path, "b"), ImageFormat.Oci, default);
        Assert.AreEqual(first.ManifestDescriptor.Digest, second.ManifestDescriptor.Digest);
        CollectionAssert.AreEqual(first.Layers.ToArray(), second.Layers.ToArray());
    }

    [TestMethod]
    public async Task The_Docker_format_names_Docker_media_types()
    {
        using var temp = new TempFolder();
        var image = await OciImage.FromSavedAsync(Saved("one"), temp.Path, ImageFormat.Docker, default);
        StringAssert.Contains(Encoding.UTF8.GetString(image.Manifest), MediaTypes.DockerManifest);
        Assert.AreEqual(MediaTypes.DockerLayer, image.Layers[0].MediaType);
        Assert.AreEqual(MediaTypes.DockerConfig, image.Config.MediaType);
    }

    [TestMethod]
    public async Task The_layout_holds_oci_layout_an_index_naming_every_tag_and_every_blob()
    {
        using var temp = new TempFolder();
        var image = await OciImage.FromSavedAsync(Saved("one", "two"), Path.Combine(temp.Path, "a"), ImageFormat.Oci, default);
        var layout = new MemoryStream();
        await image.WriteLayoutAsync(layout, [("localhost:5000/app:1.0", "1.0"), ("localhost:5000/app:latest", "latest")], default);
        layout.Position = 0;
        var entries = new Dictionary<string, byte[]>();
        using (var reader = new TarReader(layout))
            while (reader.GetNextEntry() is { } entry)
            {
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                entries[entry.Name] = data.ToArray();
                Assert.AreEqual(DateTimeOffset.UnixEpoch, entry.ModificationTime, entry.Name);
            }
        StringAssert.Contains(Encoding.UTF8.GetString(entries["oci-layout"]), "\"imageLayoutVersion\":\"1.0.0\"");
        using var index = JsonDocument.Parse(entries["index.json"]);
        var manifests = index.RootElement.GetProperty("manifests").EnumerateArray().ToArray();
        CollectionAssert.AreEqual(new[] { "1.0", "latest" },
            manifests.Select(m => m.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()).ToArray());
        Assert.IsTrue(manifests.All(m => m.GetProperty("digest").GetString() == image.ManifestDescriptor.Digest));
        foreach (var blob in image.Layers.Append(image.Config).Append(image.ManifestDescriptor))
            Assert.AreEqual(blob.Digest, Sha256(entries["blobs/sha256/" + blob.Digest[7..]]), blob.Digest);
    }

    [TestMethod]
    public async Task A_saved_image_without_manifest_json_or_with_an_entry_outside_it_is_IMG4204()
    {
        using var temp = new TempFolder();
        var stream = new MemoryStream();
        using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "layer/layer.tar") { DataStream = new MemoryStream(LayerTar("x")) });
        stream.Position = 0;
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => OciImage.FromSavedAsync(stream, Path.Combine(temp.Path, "a"), ImageFormat.Oci, default));
        Assert.AreEqual(ErrorCodes.SavedImageUnreadable, e.Code);
        StringAssert.Contains(e.Message, "manifest.json");

        var escaping = new MemoryStream();
        using (var tar = new TarWriter(escaping, TarEntryFormat.Pax, leaveOpen: true))
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../outside.tar") { DataStream = new MemoryStream([1]) });
        escaping.Position = 0;
        e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => OciImage.FromSavedAsync(escaping, Path.Combine(temp.Path, "b"), ImageFormat.Oci, default));
        Assert.AreEqual(ErrorCodes.SavedImageUnreadable, e.Code);
        StringAssert.Contains(e.Message, "../outside.tar");
        Assert.IsFalse(File.Exists(Path.Combine(temp.Path, "outside.tar")));
    }

    [TestMethod]
    public void ContainerImageFormat_is_Docker_OCI_or_empty_and_anything_else_is_IMG1060()
    {
        Assert.AreEqual(ImageFormat.Oci, ImageFormats.Parse("oci"));
        Assert.AreEqual(ImageFormat.Docker, ImageFormats.Parse(" Docker "));
        Assert.IsNull(ImageFormats.Parse(""));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => ImageFormats.Parse("OCI1.1"));
        Assert.AreEqual(ErrorCodes.InvalidImageFormat, e.Code);
        StringAssert.Contains(e.Message, "'OCI1.1'");
    }

    [TestMethod]
    public void An_empty_format_follows_the_base_manifest_and_is_Docker_when_that_is_unknown()
    {
        Assert.AreEqual(ImageFormat.Oci, ImageFormats.FromBase(MediaTypes.OciIndex));
        Assert.AreEqual(ImageFormat.Oci, ImageFormats.FromBase(MediaTypes.OciManifest));
        Assert.AreEqual(ImageFormat.Docker, ImageFormats.FromBase(MediaTypes.DockerManifestList));
        Assert.AreEqual(ImageFormat.Docker, ImageFormats.FromBase(null));
    }
}
