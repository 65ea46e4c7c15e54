using System.Text;
using System.Text.Json;
using ImageTasks.Engine;
using ImageTasks.Sbom;
using ImageTasks.Tests;

namespace ImageTasks.Core.Tests;

/// <summary>The bill of materials: dpkg's status and Python metadata parsed, written as CycloneDX 1.5 and validated
/// against its JSON schema.</summary>
[TestClass]
public sealed class SbomTests
{
    const string Status = """
        Package: jq
        Status: install ok installed
        Priority: optional
        Architecture: amd64
        Version: 1.6-2.1
        Description: lightweight and flexible command-line JSON processor
         jq is like sed for JSON data
         .
         more text

        Package: removed-one
        Status: deinstall ok config-files
        Architecture: amd64
        Version: 1.0

        Package: libc6
        Status: install ok installed
        Architecture: amd64
        Version: 2.36-9+deb12u4

        Package: broken
        Status: install ok installed
        Architecture: all

        """;

    static ImageFile File(string path, string text) => new(path, Encoding.UTF8.GetBytes(text));

    static IReadOnlyList<ImageFile> Image() =>
    [
        File("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n"),
        File("/var/lib/dpkg/status", Status),
        File("/usr/local/lib/python3.11/site-packages/imgt_greeting-2.1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: imgt_greeting\nVersion: 2.1.0\nSummary: x\n\nName: not-this\n"),
        File("/usr/local/lib/python3.11/site-packages/Flask.Extra-1.0+local.dist-info/METADATA", "Name: Flask.Extra\nVersion: 1.0+local\n"),
        File("/opt/venv/lib/python3.11/site-packages/imgt_greeting-2.1.0.dist-info/METADATA", "Name: imgt-greeting\nVersion: 2.1.0\n"),
        File("/usr/lib/python3/dist-packages/nameless.dist-info/METADATA", "Version: 1\n"),
    ];

    [TestMethod]
    public void Installed_debs_and_python_distributions_are_read_with_their_purls_and_unreadable_records_are_said()
    {
        var contents = ImageSbom.Parse(Image());
        var purls = contents.Components.Select(c => c.Purl).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "pkg:deb/debian/jq@1.6-2.1?arch=amd64&distro=bookworm",
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=bookworm",
            "pkg:pypi/flask-extra@1.0%2Blocal",
            "pkg:pypi/imgt-greeting@2.1.0",
        }, purls, string.Join("\n", purls));
        Assert.AreEqual(2, contents.Skipped.Count, string.Join("\n", contents.Skipped));
        Assert.IsTrue(contents.Skipped.Any(s => s.StartsWith("/var/lib/dpkg/status: a package record without Version (broken)", StringComparison.Ordinal)), string.Join("\n", contents.Skipped));
        Assert.IsTrue(contents.Skipped.Any(s => s.Contains("nameless.dist-info/METADATA: no Name", StringComparison.Ordinal)), string.Join("\n", contents.Skipped));
    }

    [TestMethod]
    public void Only_the_records_are_wanted_from_the_image()
    {
        Assert.IsTrue(ImageSbom.IsWanted("/var/lib/dpkg/status"));
        Assert.IsTrue(ImageSbom.IsWanted("/var/lib/dpkg/status.d/base"));
        Assert.IsTrue(ImageSbom.IsWanted("/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"));
        Assert.IsTrue(ImageSbom.IsWanted("/usr/lib/python3/dist-packages/old-1.0.egg-info/PKG-INFO"));
        Assert.IsFalse(ImageSbom.IsWanted("/var/lib/dpkg/status-old"));
        Assert.IsFalse(ImageSbom.IsWanted("/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD"));
        Assert.IsFalse(ImageSbom.IsWanted("/app/METADATA"));
    }

    [TestMethod]
    public void The_document_is_valid_CycloneDX_1_5_and_records_its_image_id()
    {
        var id = "sha256:" + new string('a', 64);
        var bytes = CycloneDx.Write(ImageSbom.Parse(Image()), id, "greeting:latest", DateTimeOffset.FromUnixTimeSeconds(1700000000), "1.2.3-alpha.0.4");
        var json = Encoding.UTF8.GetString(bytes);
        var errors = CycloneDxSchema.Errors(json);
        Assert.AreEqual(0, errors.Count, string.Join("\n", errors) + "\n" + json);
        Assert.AreEqual(id, CycloneDx.ImageIdOf(bytes));
        using var document = JsonDocument.Parse(bytes);
        Assert.AreEqual("1.5", document.RootElement.GetProperty("specVersion").GetString());
        Assert.AreEqual("2023-11-14T22:13:20Z", document.RootElement.GetProperty("metadata").GetProperty("timestamp").GetString());
        Assert.AreEqual(4, document.RootElement.GetProperty("components").GetArrayLength());
        CollectionAssert.AreEqual(bytes, CycloneDx.Write(ImageSbom.Parse(Image()), id, "greeting:latest", DateTimeOffset.FromUnixTimeSeconds(1700000000), "1.2.3-alpha.0.4"),
            "the same image and time write the same bytes");
    }

    [TestMethod]
    public void The_schema_check_refuses_a_document_that_is_not_CycloneDX()
    {
        Assert.AreNotEqual(0, CycloneDxSchema.Errors("""{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library"}]}""").Count,
            "a component without a name is refused: the validator really checks");
        Assert.AreNotEqual(0, CycloneDxSchema.Errors("""{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"timestamp":"yesterday"}}""").Count,
            "formats are checked");
    }
}
