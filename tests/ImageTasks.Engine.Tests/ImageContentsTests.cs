using ImageTasks.Sbom;
using ImageTasks.Tests;

namespace ImageTasks.Engine.Tests;

/// <summary>What the labels and the bill of materials ask of the engine and registry, on the test bed: the files of an
/// image (one export of a created container, nothing run) and the base's registry manifest.</summary>
[TestClass]
public sealed class ImageContentsTests : EngineFixture
{
    [TestMethod]
    [Timeout(300_000)]
    public async Task The_wanted_files_of_an_image_are_read_in_one_pass_and_leave_no_container()
    {
        var image = (await Backend.InspectImageAsync(TestBed.BasePython, default))!;
        var files = await Backend.ReadFilesAsync(image.Id, ImageSbom.IsWanted, ImageSbom.MaxFileBytes, default);
        Assert.IsTrue(files.Any(f => f.Path == "/var/lib/dpkg/status" && f.Content.Length > 1000), string.Join("\n", files.Select(f => f.Path)));
        Assert.IsTrue(files.Any(f => f.Path == "/usr/lib/os-release"), "Debian's /etc/os-release is a link to it");
        Assert.IsTrue(files.All(f => ImageSbom.IsWanted(f.Path)));
        var contents = ImageSbom.Parse(files);
        Assert.IsTrue(contents.Components.Any(c => c.Purl.StartsWith("pkg:deb/debian/libc6@", StringComparison.Ordinal) && c.Purl.EndsWith("&distro=bookworm", StringComparison.Ordinal)), string.Join("\n", contents.Components.Select(c => c.Purl)));
        Assert.IsTrue(contents.Components.Any(c => c.Purl.StartsWith("pkg:pypi/pip@", StringComparison.Ordinal)), string.Join("\n", contents.Components.Select(c => c.Purl)));
        Assert.AreEqual(0, BuildContainers().Length, "the export's container is removed");
    }

    [TestMethod]
    [Timeout(120_000)]
    public async Task The_test_bed_base_resolves_to_the_registrys_digest_whose_image_is_the_one_on_the_engine()
    {
        var image = (await Backend.InspectImageAsync(TestBed.BasePython, default))!;
        var manifest = await Backend.ResolveManifestAsync(TestBed.BasePython, "linux/amd64", default);
        StringAssert.StartsWith(manifest.Digest, "sha256:");
        Assert.AreEqual(image.Id, manifest.ConfigDigest, "the main engine's base is the registry's content");
    }
}
