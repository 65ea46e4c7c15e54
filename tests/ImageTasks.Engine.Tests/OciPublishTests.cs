using System.Net.Http.Headers;
using System.Text.Json;
using ImageTasks.Backend;
using ImageTasks.Backend.Registry;
using ImageTasks.Definition;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>ContainerImageFormat=OCI: the push goes through the registry API from this process (not the engine's
/// push, which writes Docker manifests), and the archive is an OCI image layout that skopeo reads.</summary>
[TestClass]
public sealed class OciPublishTests : EngineFixture
{
    static string Repository(string what) => $"imagetasks-tests/oci-{what}-{Guid.NewGuid():N}";

    static async Task<(string ImageId, string Marker)> BuildMarkedAsync()
    {
        var marker = "oci-" + Guid.NewGuid().ToString("N")[..12];
        var result = await BuildAsync(Definition(TestBed.BasePlain, new ShellStep([$"echo {marker} > /marker"])));
        return (result.ImageId, marker);
    }

    /// <summary>The registry's answer to a manifest GET: its media type, its digest, and the manifest.</summary>
    static async Task<(string? MediaType, string? Digest, JsonDocument Manifest)> ManifestAsync(string registry, string repository, string tag,
        (string User, string Password)? login = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{registry}/v2/{repository}/manifests/{tag}");
        foreach (var type in new[] { MediaTypes.OciManifest, MediaTypes.DockerManifest, MediaTypes.OciIndex }) request.Headers.Accept.ParseAdd(type);
        if (login is { } l) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Registries.Base64($"{l.User}:{l.Password}"));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (response.Content.Headers.ContentType?.MediaType, response.Headers.GetValues("Docker-Content-Digest").FirstOrDefault(),
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    [TestMethod]
    public async Task An_OCI_push_puts_an_OCI_manifest_under_every_tag_the_image_pulls_and_runs_and_a_second_push_sends_nothing()
    {
        var (id, marker) = await BuildMarkedAsync();
        var repository = Repository("push");
        var options = new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["1.0", "latest"], Format = ImageFormat.Oci };
        try
        {
            var log = new CollectingLog();
            var result = await ImagePublisher.PublishAsync(Backend, id, options, log, default);
            Assert.AreEqual(ImageFormat.Oci, result.Format);
            Assert.AreEqual(2, result.LayersPushed + result.LayersSkipped, "the base's layer and the step's");
            Assert.IsTrue(result.LayersPushed >= 1, "the step's layer is new to this registry");
            foreach (var tag in options.Tags)
            {
                var (mediaType, digest, manifest) = await ManifestAsync(TestBed.Registry, repository, tag);
                Assert.AreEqual(MediaTypes.OciManifest, mediaType, tag);
                Assert.AreEqual(result.Digest, digest, "the digest reported is the registry's");
                Assert.AreEqual(id, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString(), "the config is the engine's image");
                Assert.IsTrue(manifest.RootElement.GetProperty("layers").EnumerateArray().All(l => l.GetProperty("mediaType").GetString() == MediaTypes.OciLayer));
            }

            TestBed.Docker("rmi", "-f", id);
            TestBed.Docker("pull", "-q", $"{TestBed.Registry}/{repository}:1.0");
            Assert.AreEqual(marker, TestBed.Docker("run", "--rm", $"{TestBed.Registry}/{repository}:1.0", "cat", "/marker").Trim());

            var again = await ImagePublisher.PublishAsync(Backend, id, options with { Tags = ["1.0"] }, new CollectingLog(), default);
            Assert.AreEqual(0, again.LayersPushed, "the same layers compress to the same blobs, which the registry holds");
            Assert.AreEqual(result.Digest, again.Digest, "the same image gives the same manifest");
        }
        finally
        {
            foreach (var tag in options.Tags)
            {
                TestBed.Run("docker", ["rmi", $"{TestBed.Registry}/{repository}:{tag}"]);
                await Registries.DeleteAsync(TestBed.Registry, repository, tag);
            }
        }
    }

    [TestMethod]
    public async Task An_OCI_push_to_an_authenticated_registry_uses_the_config_credentials_and_logs_no_password()
    {
        using var config = new TempFolder();
        Registries.WriteConfig(config, (TestBed.AuthRegistry, Registries.AuthUser, Registries.AuthPassword));
        using var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed"));
        backend.Credentials = new RegistryCredentials(config.Path, _ => null);
        var (id, _) = await BuildMarkedAsync();
        var repository = Repository("auth");
        var options = new PublishOptions { Registry = TestBed.AuthRegistry, Repository = repository, Tags = ["v1"], Format = ImageFormat.Oci };
        var login = (Registries.AuthUser, Registries.AuthPassword);
        try
        {
            var log = new CollectingLog();
            var result = await ImagePublisher.PublishAsync(backend, id, options, log, default);
            var (mediaType, digest, _) = await ManifestAsync(TestBed.AuthRegistry, repository, "v1", login);
            Assert.AreEqual(MediaTypes.OciManifest, mediaType);
            Assert.AreEqual(result.Digest, digest);
            foreach (var line in log.Lines) Assert.IsFalse(line.Contains(Registries.AuthPassword), $"the password leaked into: {line}");
        }
        finally
        {
            TestBed.Run("docker", ["rmi", $"{TestBed.AuthRegistry}/{repository}:v1"]);
            await Registries.DeleteAsync(TestBed.AuthRegistry, repository, "v1", login);
        }
    }

    [TestMethod]
    public async Task The_OCI_archive_is_an_image_layout_skopeo_reads_under_every_tag()
    {
        var (id, _) = await BuildMarkedAsync();
        var repository = Repository("layout");
        using var folder = new TempFolder();
        var options = new PublishOptions { Repository = repository, Tags = ["v1", "v2"], ArchivePath = Path.Combine(folder.Path, "image.tar"), Format = ImageFormat.Oci };
        try
        {
            var result = await ImagePublisher.PublishAsync(Backend, id, options, new CollectingLog(), default);
            Assert.AreEqual(options.ArchivePath, result.ArchivePath);
            foreach (var tag in options.Tags)
            {
                var (code, stdout, stderr) = TestBed.Run("skopeo", ["inspect", "--raw", $"oci-archive:{options.ArchivePath}:{tag}"]);
                Assert.AreEqual(0, code, stderr);
                using var manifest = JsonDocument.Parse(stdout);
                Assert.AreEqual(MediaTypes.OciManifest, manifest.RootElement.GetProperty("mediaType").GetString());
                Assert.AreEqual(id, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
                Assert.AreEqual(2, manifest.RootElement.GetProperty("layers").GetArrayLength());

                (code, stdout, stderr) = TestBed.Run("skopeo", ["inspect", "--config", $"oci-archive:{options.ArchivePath}:{tag}"]);
                Assert.AreEqual(0, code, stderr);
                using var imageConfig = JsonDocument.Parse(stdout);
                Assert.AreEqual("amd64", imageConfig.RootElement.GetProperty("architecture").GetString());
            }
        }
        finally
        {
            foreach (var tag in options.Tags) TestBed.Run("docker", ["rmi", $"{repository}:{tag}"]);
        }
    }

    [TestMethod]
    public async Task Without_a_format_the_image_follows_its_base_OCI_after_an_OCI_base_and_Docker_after_a_Docker_one()
    {
        var (id, _) = await BuildMarkedAsync();
        var ociBase = Repository("base");
        var repository = Repository("follows");
        try
        {
            await ImagePublisher.PublishAsync(Backend, id, new PublishOptions { Registry = TestBed.Registry, Repository = ociBase, Tags = ["v1"], Format = ImageFormat.Oci },
                new CollectingLog(), default);
            var afterOci = await ImagePublisher.PublishAsync(Backend, id,
                new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["a"], BaseImage = $"{TestBed.Registry}/{ociBase}:v1" }, new CollectingLog(), default);
            Assert.AreEqual(ImageFormat.Oci, afterOci.Format);
            Assert.AreEqual(MediaTypes.OciManifest, (await ManifestAsync(TestBed.Registry, repository, "a")).MediaType);

            var afterDocker = await ImagePublisher.PublishAsync(Backend, id,
                new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["b"], BaseImage = TestBed.BasePlain }, new CollectingLog(), default);
            Assert.AreEqual(ImageFormat.Docker, afterDocker.Format);
            Assert.AreEqual(MediaTypes.DockerManifest, (await ManifestAsync(TestBed.Registry, repository, "b")).MediaType);
        }
        finally
        {
            foreach (var (repo, tag) in new[] { (ociBase, "v1"), (repository, "a"), (repository, "b") })
            {
                TestBed.Run("docker", ["rmi", $"{TestBed.Registry}/{repo}:{tag}"]);
                await Registries.DeleteAsync(TestBed.Registry, repo, tag);
            }
        }
    }
    [TestMethod]
    public async Task The_bill_of_materials_is_pushed_as_a_referrer_of_the_image_listed_under_the_referrers_tag_of_a_registry_without_the_API()
    {
        var (id, _) = await BuildMarkedAsync();
        var repository = Repository("sbom");
        var folder = Directory.CreateTempSubdirectory("imagetasks-sbom-").FullName;
        var sbom = Path.Combine(folder, "sbom.cdx.json");
        File.WriteAllText(sbom, $$"""{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:{{Guid.NewGuid()}}"}""");
        var options = new PublishOptions { Registry = TestBed.Registry, Repository = repository, Tags = ["1.0"], SbomFile = sbom };
        string? referrersTag = null;
        try
        {
            var log = new CollectingLog();
            var result = await ImagePublisher.PublishAsync(Backend, id, options, log, default);
            Assert.IsFalse(log.Lines.Any(l => l.Contains("IMG5035")), string.Join("\n", log.Lines));

            // the test bed's registry (distribution 2.8) has no referrers API: the referrers tag lists the bill
            referrersTag = SbomReferrer.ReferrersTag(result.Digest!);
            var (indexType, _, index) = await ManifestAsync(TestBed.Registry, repository, referrersTag);
            Assert.AreEqual(MediaTypes.OciIndex, indexType);
            var entry = index.RootElement.GetProperty("manifests").EnumerateArray().Single();
            Assert.AreEqual(SbomReferrer.ArtifactType, entry.GetProperty("artifactType").GetString());

            var referrer = entry.GetProperty("digest").GetString()!;
            var (type, digest, manifest) = await ManifestAsync(TestBed.Registry, repository, referrer);
            Assert.AreEqual((MediaTypes.OciManifest, referrer), (type, digest), "the registry keeps the referrer under its digest");
            Assert.AreEqual(result.Digest, manifest.RootElement.GetProperty("subject").GetProperty("digest").GetString(), "its subject is the pushed image");
            var layer = manifest.RootElement.GetProperty("layers").EnumerateArray().Single().GetProperty("digest").GetString();
            using var http = new HttpClient();
            CollectionAssert.AreEqual(File.ReadAllBytes(sbom), await http.GetByteArrayAsync($"http://{TestBed.Registry}/v2/{repository}/blobs/{layer}"),
                "the registry serves the bill of materials");
        }
        finally
        {
            TestBed.Run("docker", ["rmi", $"{TestBed.Registry}/{repository}:1.0"]);
            await Registries.DeleteAsync(TestBed.Registry, repository, "1.0");
            Directory.Delete(folder, recursive: true);
        }
    }
}
