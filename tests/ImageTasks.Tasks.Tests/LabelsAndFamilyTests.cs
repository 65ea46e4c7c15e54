using System.Text;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tasks.Mapping;
using ImageTasks.Tasks.Protocol;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>The SDK's container surface in the mapping and the runner: standard labels, ContainerFamily, the bill of materials.</summary>
[TestClass]
public sealed class LabelsAndFamilyTests
{
    static ImageRequest Labelled(string version)
    {
        var request = Request();
        request.AptPackages.Add(Data("jq"));
        request.PipPackages.Add(Data("requests"));
        request.Commands.Add(Data("echo hi"));
        request.StandardLabels.Add(Data("org.opencontainers.image.version", "Value=" + version));
        request.StandardLabels.Add(Data("org.opencontainers.image.title", "Value=App"));
        request.LabelCreated = "true";
        request.LabelBaseName = "true";
        request.LabelBaseDigest = "true";
        request.SourceDateEpoch = "1700000000";
        return request;
    }

    /// <summary>A fake engine whose images hold <paramref name="files"/> (path, text), and a labelled request asking for
    /// the bill of materials at <paramref name="sbomFile"/>; no pip step (the fake base answers no Python probe).</summary>
    static (Core.Tests.FakeBackend Engine, ImageRequest Request) SbomBuild(string sbomFile, params (string Path, string Text)[] files)
    {
        var engine = FakeEngine.With("localhost:5000/python:3.11-slim-bookworm");
        engine.Files["*"] = [.. files.Select(f => new ImageFile(f.Path, Encoding.UTF8.GetBytes(f.Text)))];
        var request = Labelled("1.0");
        request.PipPackages.Clear();
        request.SbomFile = sbomFile;
        return (engine, request);
    }

    [TestMethod]
    public void A_changed_label_changes_no_step_layer_key_only_the_final_configuration()
    {
        var files = new FileDigester(null);
        var one = Planner.Plan(DefinitionMapper.Map(Labelled("1.0")).Definition, "sha256:" + new string('b', 64), files);
        var two = Planner.Plan(DefinitionMapper.Map(Labelled("2.0")).Definition, "sha256:" + new string('b', 64), files);
        CollectionAssert.AreEqual(one.Steps.SkipLast(1).Select(s => s.Key).ToArray(), two.Steps.SkipLast(1).Select(s => s.Key).ToArray());
        Assert.AreNotEqual(one.FinalKey, two.FinalKey);
        Assert.IsTrue(one.Steps.SkipLast(1).All(s => s.Step is not ConfigStep), "labels are in the final configuration step only");
        var noLabels = Request();
        noLabels.AptPackages.Add(Data("jq"));
        noLabels.PipPackages.Add(Data("requests"));
        noLabels.Commands.Add(Data("echo hi"));
        var plain = Planner.Plan(DefinitionMapper.Map(noLabels).Definition, "sha256:" + new string('b', 64), files);
        CollectionAssert.AreEqual(plain.Steps.SkipLast(1).Select(s => s.Key).ToArray(), one.Steps.SkipLast(1).Select(s => s.Key).ToArray(),
            "turning the labels on or off rebuilds no step layer either");
    }

    [TestMethod]
    public void A_ContainerLabel_item_wins_over_the_standard_label_of_its_name()
    {
        var request = Labelled("1.0");
        request.Labels.Add(Data("org.opencontainers.image.version", "Value=mine"));
        var config = (ConfigStep)DefinitionMapper.Map(request).Definition.Steps[^1];
        Assert.AreEqual("mine", ImageConfigs.Apply(new ImageConfig(), config).Labels["org.opencontainers.image.version"]);
    }

    [TestMethod]
    public void SOURCE_DATE_EPOCH_fixes_created_and_a_bad_one_is_IMG1053()
    {
        var labels = DefinitionMapper.Map(Labelled("1.0")).Definition.GeneratedLabels!;
        Assert.AreEqual(DateTimeOffset.FromUnixTimeSeconds(1700000000), labels.Created);
        Assert.IsFalse(labels.CreatedAtBuild);
        var request = Labelled("1.0");
        request.SourceDateEpoch = "yesterday";
        Assert.AreEqual(ErrorCodes.InvalidSourceDateEpoch, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
        request.SourceDateEpoch = null;
        Assert.IsTrue(DefinitionMapper.Map(request).Definition.GeneratedLabels!.CreatedAtBuild);
        request.LabelCreated = request.LabelBaseName = request.LabelBaseDigest = "false";
        Assert.IsNull(DefinitionMapper.Map(request).Definition.GeneratedLabels);
    }

    [TestMethod]
    public void ContainerFamily_is_the_default_python_bases_tag_suffix()
    {
        var request = Request();
        request.BaseImage = null;
        request.PythonVersion = "3.11";
        Assert.AreEqual("python:3.11-slim-bookworm", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
        request.Family = "bookworm";
        Assert.AreEqual("python:3.11-bookworm", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
        request.Family = "slim-trixie";
        Assert.AreEqual("python:3.11-slim-trixie", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
        request.Family = "alpine3.20";
        request.RuntimeIdentifier = "linux-musl-x64";
        Assert.AreEqual("python:3.11-alpine3.20", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
    }

    [TestMethod]
    [DataRow("localhost:5000/python:3.11-slim-bookworm", null, "bookworm", ErrorCodes.FamilyWithExplicitBase, "ContainerBaseImage \"localhost:5000/python:3.11-slim-bookworm\"")]
    [DataRow(null, "Dockerfile", "bookworm", ErrorCodes.FamilyWithExplicitBase, "ImageDockerfile \"Dockerfile\"")]
    [DataRow(null, null, "Slim Bookworm", ErrorCodes.InvalidFamily, "\"Slim Bookworm\"")]
    [DataRow(null, null, "-slim", ErrorCodes.InvalidFamily, "\"-slim\"")]
    [DataRow(null, null, "alpine", ErrorCodes.FamilyPlatformMismatch, "linux-musl-x64")]
    public void A_family_that_cannot_be_applied_is_a_coded_error_naming_it(string? baseImage, string? dockerfile, string family, string code, string quoted)
    {
        var request = Request();
        request.BaseImage = baseImage;
        request.Dockerfile = dockerfile;
        request.Family = family;
        request.RuntimeIdentifier = "linux-x64";
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(code, e.Code, e.Message);
        StringAssert.Contains(e.Message, quoted);
    }

    [TestMethod]
    public async Task The_bill_of_materials_is_read_once_per_image_below_the_app_and_configuration_and_an_unchanged_rebuild_reads_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-sbom-").FullName;
        try
        {
            var (engine, request) = SbomBuild(Path.Combine(folder, "out", "sbom.cdx.json"),
                ("/var/lib/dpkg/status", "Package: jq\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.6-2.1\n"),
                ("/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA", "Name: requests\nVersion: 2.31.0\n"));
            var log = new ListTaskLog();
            var first = await engine.Runner().RunAsync(request, log, default);
            Assert.IsTrue(first.Success, string.Join("\n", log.Errors));
            var text = File.ReadAllText(request.SbomFile!);
            StringAssert.Contains(text, "pkg:deb/debian/jq@1.6-2.1?arch=amd64");
            StringAssert.Contains(text, "pkg:pypi/requests@2.31.0");
            Assert.AreEqual(first.ImageId, Sbom.CycloneDx.ImageIdOf(File.ReadAllBytes(request.SbomFile!)));
            Assert.AreEqual(1, engine.FileReads.Count);

            var again = await engine.Runner().RunAsync(request, log, default);
            Assert.AreEqual(first.ImageId, again.ImageId);
            Assert.AreEqual(1, engine.FileReads.Count, "the file describes this image already: nothing is read");

            request.StandardLabels[0].Metadata["Value"] = "2.0";
            var relabelled = await engine.Runner().RunAsync(request, log, default);
            Assert.AreNotEqual(first.ImageId, relabelled.ImageId);
            Assert.AreEqual(1, engine.FileReads.Count, "only the configuration changed: the packages are those read before");
            var rewritten = File.ReadAllBytes(request.SbomFile!);
            Assert.AreEqual(relabelled.ImageId, Sbom.CycloneDx.ImageIdOf(rewritten), "the document names the new image");
            CollectionAssert.AreEqual(Sbom.CycloneDx.ContentsOf(Encoding.UTF8.GetBytes(text))!.Components.ToArray(), Sbom.CycloneDx.ContentsOf(rewritten)!.Components.ToArray());

            request.Commands[0].ItemSpec = "echo changed";
            var changed = await engine.Runner().RunAsync(request, log, default);
            Assert.AreNotEqual(relabelled.ImageId, changed.ImageId);
            Assert.AreEqual(2, engine.FileReads.Count, "a step below the app changed: that image is read once");
            Assert.AreEqual(0, log.Warnings.Count(w => w.Code != ErrorCodes.BaseDigestUnresolved), string.Join("\n", log.Warnings));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public async Task Unreadable_package_records_are_IMG5034_and_an_unwritable_bill_of_materials_IMG5033_and_the_image_is_built()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-sbom-").FullName;
        try
        {
            var (engine, request) = SbomBuild(Path.Combine(folder, "sbom.cdx.json"),
                ("/var/lib/dpkg/status", "Package: jq\nStatus: install ok installed\nVersion: 1.6\n"),
                ("/usr/lib/python3/dist-packages/broken-1.0.dist-info/METADATA", "Summary: no name here\n"));
            var log = new ListTaskLog();
            Assert.IsTrue((await engine.Runner().RunAsync(request, log, default)).Success, string.Join("\n", log.Errors));
            var skipped = log.Warnings.Single(w => w.Code == ErrorCodes.SbomEntriesSkipped);
            StringAssert.Contains(skipped.Message, "broken-1.0.dist-info/METADATA");
            StringAssert.Contains(skipped.Message, "Reinstall those packages");
            StringAssert.Contains(File.ReadAllText(request.SbomFile!), "pkg:deb/debian/jq@1.6");

            // the bill of materials' folder is a file: it cannot be written
            File.WriteAllText(Path.Combine(folder, "blocker"), "");
            request.SbomFile = Path.Combine(folder, "blocker", "sbom.cdx.json");
            request.StandardLabels[0].Metadata["Value"] = "2.0";
            log = new ListTaskLog();
            var built = await engine.Runner().RunAsync(request, log, default);
            Assert.IsTrue(built.Success, string.Join("\n", log.Errors));
            var failed = log.Warnings.Single(w => w.Code == ErrorCodes.SbomFailed);
            StringAssert.Contains(failed.Message, request.SbomFile);
            StringAssert.Contains(failed.Message, "ContainerGenerateSbom");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [TestMethod]
    public async Task An_up_to_date_project_whose_bill_of_materials_is_gone_builds_from_its_cache_to_write_it_again()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-sbom-").FullName;
        try
        {
            var (engine, request) = SbomBuild(Path.Combine(folder, "obj", "sbom.cdx.json"), ("/var/lib/dpkg/status", "Package: jq\nStatus: install ok installed\nVersion: 1.6\n"));
            request.ProjectDirectory = folder;
            request.RecordFile = Path.Combine(folder, "obj", "last-build.record");
            var log = new ListTaskLog();
            Assert.IsTrue((await engine.Runner().RunAsync(request, log, default)).Success, string.Join("\n", log.Errors));
            Assert.IsTrue((await engine.Runner().RunAsync(request, log, default)).UpToDate);
            File.Delete(request.SbomFile!);
            var again = await engine.Runner().RunAsync(request, log, default);
            Assert.IsFalse(again.UpToDate);
            Assert.IsTrue(File.Exists(request.SbomFile));
            Assert.AreEqual(2, engine.FileReads.Count);
            Assert.IsTrue((await engine.Runner().RunAsync(request, log, default)).UpToDate);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
