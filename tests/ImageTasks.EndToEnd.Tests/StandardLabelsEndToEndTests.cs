using System.Net.Http.Headers;
using System.Text.Json;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>
/// The standard labels and the bill of materials as a user gets them: the Greeting sample (apt jq, pip imgt-greeting)
/// built with SOURCE_DATE_EPOCH on the main engine (A) and on the second engine (B, a store of its own that pulls the
/// base, where A had it already), then again on A with another ContainerVersion. Built once for the class.
/// </summary>
[TestClass]
public sealed class StandardLabelsEndToEndTests
{
    const string Epoch = "1700000000";
    static Sample _a = null!, _b = null!;
    static BuildOutput _builtA = null!, _builtB = null!, _versioned = null!;
    static BuildReport _reportA = null!, _reportVersioned = null!;
    static Dictionary<string, string> _labelsA = null!, _labelsB = null!, _labelsVersioned = null!;
    static string _sbomA = "", _sbomVersioned = "";
    static readonly string LocalB = $"imagetasks-e2e-labels-b-{Consumer.RunId}";

    static Dictionary<string, string> Labels(string host, string image) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(TestBed.Docker("-H", host, "image", "inspect", "-f", "{{json .Config.Labels}}", image))!;

    [ClassInitialize]
    public static void BuildOnBothEngines(TestContext _)
    {
        var (code, _, stderr) = TestBed.Run("bash", [Path.Combine(TestBed.RepoRoot, "tests", "testbed", "testbed.sh"), "engine2"],
            environment: new Dictionary<string, string?> { ["IMAGETASKS_TESTBED_DIR"] = Path.GetDirectoryName(Path.GetDirectoryName(TestBed.Engine2PidFile)) });
        Assert.AreEqual(0, code, stderr);
        _a = Consumer.Copy("Greeting", "labels-a");
        _b = Consumer.Copy("Greeting", "labels-b");
        var epoch = new Dictionary<string, string> { ["SOURCE_DATE_EPOCH"] = Epoch };
        _builtA = _a.Run("build", [.. _a.TestBedProperties(), "-p:ContainerGenerateSbom=true"], docker: true, epoch);
        Assert.AreEqual(0, _builtA.ExitCode, _builtA.ToString());
        _reportA = _a.Report();
        _labelsA = Labels(TestBed.DockerHost, _a.Image);
        _sbomA = File.ReadAllText(Path.Combine(_a.Directory, "obj", "imagetasks", "sbom.cdx.json"));

        _builtB = _b.Run("build", [.. _b.TestBedProperties(), $"-p:ImageCacheRepository={LocalB}"], docker: true,
            new Dictionary<string, string>(epoch) { ["DOCKER_HOST"] = TestBed.Engine2Host });
        Assert.AreEqual(0, _builtB.ExitCode, _builtB.ToString());
        _labelsB = Labels(TestBed.Engine2Host, _b.Image);

        _versioned = _a.Run("build", [.. _a.TestBedProperties(), "-p:ContainerGenerateSbom=true", "-p:ContainerVersion=2.0.0-labels"], docker: true, epoch);
        Assert.AreEqual(0, _versioned.ExitCode, _versioned.ToString());
        _reportVersioned = _a.Report();
        _labelsVersioned = Labels(TestBed.DockerHost, _a.Image);
        _sbomVersioned = File.ReadAllText(Path.Combine(_a.Directory, "obj", "imagetasks", "sbom.cdx.json"));
    }

    [ClassCleanup]
    public static void RemoveImages()
    {
        foreach (var reference in TestBed.Docker("-H", TestBed.Engine2Host, "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", "reference=" + LocalB)
                     .Split('\n', StringSplitOptions.RemoveEmptyEntries).Append(_b?.Image ?? ""))
            if (reference.Length > 0) TestBed.Run("docker", ["-H", TestBed.Engine2Host, "image", "rm", reference]);
        if (_a is not null) Docker.RemoveImage(_a.Image);
    }

    [TestMethod]
    [Timeout(1_200_000)]
    public async Task Two_engines_with_SOURCE_DATE_EPOCH_give_identical_labels_and_base_digest_is_the_registrys()
    {
        CollectionAssert.AreEquivalent(_labelsA.ToArray(), _labelsB.ToArray(), $"A: {JsonSerializer.Serialize(_labelsA)}\nB: {JsonSerializer.Serialize(_labelsB)}");
        Assert.AreEqual("2023-11-14T22:13:20Z", _labelsA["org.opencontainers.image.created"]);
        Assert.AreEqual(TestBed.BasePython, _labelsA["org.opencontainers.image.base.name"]);
        Assert.AreEqual("1.0.0", _labelsA["org.opencontainers.image.version"], "PackageVersion, as the SDK");
        Assert.AreEqual("Greeting", _labelsA["org.opencontainers.image.authors"], "Authors (the assembly name by default), as the SDK");

        // the digest the registry answers for the base's reference, whatever either engine holds locally
        var reference = TestBed.BasePython[(TestBed.Registry.Length + 1)..];
        var (repository, tag) = (reference[..reference.LastIndexOf(':')], reference[(reference.LastIndexOf(':') + 1)..]);
        using var http = new HttpClient();
        foreach (var type in new[] { "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
                     "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json" })
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        using var response = await http.GetAsync($"http://{TestBed.Registry}/v2/{repository}/manifests/{tag}");
        response.EnsureSuccessStatusCode();
        Assert.AreEqual(response.Headers.GetValues("Docker-Content-Digest").Single(), _labelsA["org.opencontainers.image.base.digest"]);
        Assert.IsFalse(_builtA.Output.Contains("IMG432", StringComparison.Ordinal), _builtA.Output);
        Assert.IsFalse(_builtB.Output.Contains("IMG432", StringComparison.Ordinal), _builtB.Output);
    }

    [TestMethod]
    public void A_changed_label_rebuilds_only_the_configuration_step()
    {
        Assert.AreEqual("2.0.0-labels", _labelsVersioned["org.opencontainers.image.version"]);
        CollectionAssert.AreEqual(_reportA.Layers.Select(l => l.Key).SkipLast(1).ToArray(), _reportVersioned.Layers.Select(l => l.Key).SkipLast(1).ToArray(),
            "no step layer's key changed");
        foreach (var layer in _reportVersioned.Layers)
            Assert.AreEqual(layer.Kind != "config", layer.Cached, $"{layer.Kind}: {_versioned}");
        Assert.AreNotEqual(_reportA.ImageId, _reportVersioned.ImageId);
    }

    [TestMethod]
    public void The_bill_of_materials_lists_jq_and_the_pip_packages_with_versions_and_is_valid_CycloneDX()
    {
        Assert.AreEqual(0, CycloneDxSchema.Errors(_sbomA).Count, string.Join("\n", CycloneDxSchema.Errors(_sbomA)));
        using var document = JsonDocument.Parse(_sbomA);
        var components = document.RootElement.GetProperty("components").EnumerateArray()
            .Select(c => (Name: c.GetProperty("name").GetString()!, Version: c.GetProperty("version").GetString()!, Purl: c.GetProperty("purl").GetString()!)).ToList();
        var jq = components.Single(c => c.Name == "jq");
        var installed = TestBed.Docker("run", "--rm", "--entrypoint", "dpkg-query", _a.Image, "-W", "-f", "${Version}", "jq").Trim();
        Assert.AreEqual(installed, jq.Version);
        StringAssert.StartsWith(jq.Purl, "pkg:deb/debian/jq@");
        var greeting = components.Single(c => c.Purl.StartsWith("pkg:pypi/imgt-greeting@", StringComparison.Ordinal));
        StringAssert.StartsWith(greeting.Version, "2.");
        Assert.IsTrue(components.Any(c => c.Purl.StartsWith("pkg:pypi/imgt-colors@", StringComparison.Ordinal) && c.Version.Length > 0), _sbomA);
        Assert.IsTrue(components.Any(c => c.Purl.StartsWith("pkg:pypi/pip@", StringComparison.Ordinal)), "the base's own distributions are listed too");
        Assert.IsTrue(components.Count(c => c.Purl.StartsWith("pkg:deb/", StringComparison.Ordinal)) > 50, "the base's Debian packages are listed too");
        Assert.AreEqual(_reportA.ImageId, document.RootElement.GetProperty("metadata").GetProperty("properties")[0].GetProperty("value").GetString());
        Assert.AreEqual("2023-11-14T22:13:20Z", document.RootElement.GetProperty("metadata").GetProperty("timestamp").GetString());
        StringAssert.Contains(_sbomVersioned, _reportVersioned.ImageId, "a new image, a new bill of materials");
    }
}
