using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Core.Tests;

/// <summary>The bill of materials pushed as an OCI referrer of the image (the engine tier pushes to a real registry).</summary>
[TestClass]
public sealed class SbomReferrerTests
{
    const string Image = "registry.example:5000/team/app:1.0";
    const string Repository = "registry.example:5000/team/app";

    static (FakeBackend Backend, RegistryManifest Subject, string File) Setup()
    {
        var backend = new FakeBackend();
        var content = """{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"""u8.ToArray();
        var subject = new RegistryManifest(MediaTypes.DockerManifest, ContentDigest.Of(content), content);
        backend.Manifests[Image] = subject;
        var file = Path.Combine(Directory.CreateTempSubdirectory("imagetasks-sbom-").FullName, "sbom.cdx.json");
        File.WriteAllText(file, """{"bomFormat":"CycloneDX","specVersion":"1.5"}""");
        return (backend, subject, file);
    }

    [TestMethod]
    public async Task The_bill_is_a_CycloneDX_artifact_whose_subject_is_the_image_put_by_digest_with_its_blobs_and_listed_under_the_referrers_tag()
    {
        var (backend, subject, file) = Setup();
        var digest = await SbomReferrer.PushAsync(backend, ImageReference.Parse(Image), file, default);

        var sbomDigest = ContentDigest.Of(File.ReadAllBytes(file));
        Assert.IsTrue(backend.Blobs.Contains($"{Repository}@{sbomDigest}"), "the bill is a blob of the image's repository");
        Assert.IsTrue(backend.Blobs.Contains($"{Repository}@sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), "the empty config {}");
        var put = backend.ManifestPuts.Single(p => p.Reference == $"{Repository}@{digest}");
        Assert.AreEqual(MediaTypes.OciManifest, put.MediaType);
        Assert.AreEqual(digest, ContentDigest.Of(put.Content), "put under its own digest");
        using var manifest = JsonDocument.Parse(put.Content);
        var root = manifest.RootElement;
        Assert.AreEqual("application/vnd.cyclonedx+json", root.GetProperty("artifactType").GetString());
        Assert.AreEqual(subject.Digest, root.GetProperty("subject").GetProperty("digest").GetString());
        Assert.AreEqual(subject.Content.Length, root.GetProperty("subject").GetProperty("size").GetInt32());
        Assert.AreEqual(MediaTypes.DockerManifest, root.GetProperty("subject").GetProperty("mediaType").GetString());
        var layer = root.GetProperty("layers").EnumerateArray().Single();
        Assert.AreEqual((sbomDigest, new FileInfo(file).Length, "sbom.cdx.json"),
            (layer.GetProperty("digest").GetString(), layer.GetProperty("size").GetInt64(), layer.GetProperty("annotations").GetProperty("org.opencontainers.image.title").GetString()));

        // the registry did not say it indexes referrers: the referrers tag lists it
        var index = backend.Manifests[$"{Repository}:{subject.Digest.Replace(':', '-')}"];
        Assert.AreEqual(MediaTypes.OciIndex, index.MediaType);
        using var listed = JsonDocument.Parse(index.Content);
        var entry = listed.RootElement.GetProperty("manifests").EnumerateArray().Single();
        Assert.AreEqual((digest, "application/vnd.cyclonedx+json", put.Content.Length),
            (entry.GetProperty("digest").GetString(), entry.GetProperty("artifactType").GetString(), entry.GetProperty("size").GetInt32()));
    }

    [TestMethod]
    public async Task A_second_push_keeps_the_other_referrers_and_lists_this_one_once_and_a_registry_that_indexes_referrers_gets_no_tag()
    {
        var (backend, subject, file) = Setup();
        var tag = $"{Repository}:{subject.Digest.Replace(':', '-')}";
        var other = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":10,"artifactType":"application/vnd.dev.cosign.artifact.sig.v1+json"}]}"""u8.ToArray();
        backend.Manifests[tag] = new RegistryManifest(MediaTypes.OciIndex, ContentDigest.Of(other), other);

        var digest = await SbomReferrer.PushAsync(backend, ImageReference.Parse(Image), file, default);
        Assert.AreEqual(digest, await SbomReferrer.PushAsync(backend, ImageReference.Parse(Image), file, default), "the same image and bill make the same referrer");
        using (var listed = JsonDocument.Parse(backend.Manifests[tag].Content))
            CollectionAssert.AreEqual(new[] { "sha256:0000000000000000000000000000000000000000000000000000000000000000", digest },
                listed.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()).ToArray());

        var broken = "[not json"u8.ToArray();
        backend.Manifests[tag] = new RegistryManifest(MediaTypes.OciIndex, ContentDigest.Of(broken), broken);
        await SbomReferrer.PushAsync(backend, ImageReference.Parse(Image), file, default);
        using (var rewritten = JsonDocument.Parse(backend.Manifests[tag].Content))
            Assert.AreEqual(digest, rewritten.RootElement.GetProperty("manifests").EnumerateArray().Single().GetProperty("digest").GetString(),
                "a referrers tag that cannot be read is written anew");

        var (indexing, _, file2) = Setup();
        indexing.IndexesReferrers = true;
        await SbomReferrer.PushAsync(indexing, ImageReference.Parse(Image), file2, default);
        Assert.IsFalse(indexing.ManifestPuts.Any(p => p.MediaType == MediaTypes.OciIndex), "the registry's referrers API lists it");
    }
    [TestMethod]
    public async Task A_registry_that_refuses_the_bill_is_warning_IMG5035_saying_what_to_do_and_the_image_is_still_pushed()
    {
        var (backend, _, file) = Setup();
        var image = backend.AddImage("app:built");
        backend.RegistryFailure = "IMG4331"; // its manifests cannot be read or written; the engine's push of the image works
        var log = new RecordingLog();
        var result = await ImagePublisher.PublishAsync(backend, image.Id,
            new PublishOptions { Registry = "registry.example:5000", Repository = "team/app", Tags = ["1.0"], Format = ImageFormat.Docker, SbomFile = file }, log, default);

        CollectionAssert.AreEqual(new[] { Image }, result.Pushed.ToArray(), "the image is pushed");
        var warning = log.Warnings.Single();
        StringAssert.StartsWith(warning, "IMG5035: ");
        StringAssert.Contains(warning, file);
        StringAssert.Contains(warning, "ContainerGenerateSbom");
        Assert.AreEqual(0, backend.ManifestPuts.Count, "no referrer was written");
    }
}
