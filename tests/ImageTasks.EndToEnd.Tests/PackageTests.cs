using System.IO.Compression;
using System.Xml.Linq;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>The package itself and how its targets behave where no image is built. No Docker needed.</summary>
[TestClass]
public sealed class PackageTests
{
    [TestMethod]
    public void PackageHasTheTasksAndTargetsAndNothingForTheConsumersReferences()
    {
        Consumer.Copy("Greeting", nameof(PackageHasTheTasksAndTargetsAndNothingForTheConsumersReferences)); // makes the package if missing
        using var zip = ZipFile.OpenRead(Consumer.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();

        foreach (var expected in new[]
                 {
                     "build/ImageTasks.props", "build/ImageTasks.targets", "Sdk/Sdk.props", "Sdk/Sdk.targets",
                     "targets/ImageTasks.props", "targets/ImageTasks.targets",
                     "tasks/net8.0/ImageTasks.Tasks.dll", "tasks/net8.0/ImageTasks.Tasks.deps.json", "tasks/net8.0/ImageTasks.Tasks.runtimeconfig.json",
                     "tasks/net8.0/ImageTasks.Core.dll", "tasks/net8.0/ImageTasks.Docker.dll", "tasks/net8.0/Docker.DotNet.dll", "tasks/net8.0/NuGet.Versioning.dll",
                     "tasks/net472/ImageTasks.Tasks.dll",
                 })
            Assert.Contains(expected, entries);
        Assert.IsFalse(entries.Any(e => e.StartsWith("lib/", StringComparison.Ordinal)), "no lib/: nothing is referenced by the consumer");
        Assert.IsFalse(entries.Any(e => Path.GetFileName(e).StartsWith("Microsoft.Build", StringComparison.Ordinal)), "MSBuild's own assemblies are not shipped");

        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        Assert.AreEqual("ImageTasks", metadata.Elements().Single(e => e.Name.LocalName == "id").Value);
        Assert.AreEqual("true", metadata.Elements().Single(e => e.Name.LocalName == "developmentDependency").Value);
        Assert.IsFalse(metadata.Descendants().Any(e => e.Name.LocalName == "dependency"), "no dependencies");
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TargetsEvaluateWithTheirDefaults()
    {
        var sample = Consumer.Copy("Greeting", nameof(TargetsEvaluateWithTheirDefaults));
        Assert.AreEqual(0, sample.Run("restore", [], docker: false).ExitCode);

        var result = sample.Run("msbuild", ["-getProperty:ImageTasksAssemblyFile", "-getProperty:ContainerRepository", "-getProperty:ContainerImageTag",
            "-getProperty:ContainerWorkingDirectory", "-getProperty:ImagePythonVersion", "-getProperty:ContainerRuntimeIdentifier", "-getProperty:BuildImage"], docker: false);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var properties = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("Properties");
        var assembly = properties.GetProperty("ImageTasksAssemblyFile").GetString()!;
        StringAssert.StartsWith(assembly, Consumer.Packages, "the task comes from this run's own package cache");
        StringAssert.EndsWith(assembly, Path.Combine("tasks", "net8.0", "ImageTasks.Tasks.dll"), "the .NET SDK's MSBuild takes the net8.0 tasks");
        Assert.IsTrue(File.Exists(assembly), assembly);
        Assert.AreEqual("greeting", properties.GetProperty("ContainerRepository").GetString());
        Assert.AreEqual("latest", properties.GetProperty("ContainerImageTag").GetString());
        Assert.AreEqual("/app", properties.GetProperty("ContainerWorkingDirectory").GetString());
        Assert.AreEqual("3.12", properties.GetProperty("ImagePythonVersion").GetString());
        Assert.AreEqual("linux-x64", properties.GetProperty("ContainerRuntimeIdentifier").GetString());
        Assert.AreEqual("false", properties.GetProperty("BuildImage").GetString());
    }

    [TestMethod]
    [Timeout(600_000)]
    public void DesignTimeBuildBuildsNoImage()
    {
        var sample = Consumer.Copy("Greeting", nameof(DesignTimeBuildBuildsNoImage));
        Assert.AreEqual(0, sample.Run("restore", ["-p:BuildImage=true"], docker: false).ExitCode);

        // the IDE's design-time builds set DesignTimeBuild=true; here even the Build target itself runs in one
        // (without an apphost, which design-time builds do not make)
        var build = sample.Run("msbuild", ["-t:Build", "-p:BuildImage=true", "-p:DesignTimeBuild=true", "-p:UseAppHost=false",
            "-p:ContainerBaseImage=no-such-registry.invalid/none:1"], docker: false);

        Assert.AreEqual(0, build.ExitCode, build.ToString());
        Assert.IsFalse(Directory.Exists(Path.Combine(sample.Directory, "obj", "imagetasks")), build.ToString());
    }

    [TestMethod]
    [Timeout(600_000)]
    public void TheTaskAssemblyPathCanBeOverridden()
    {
        var sample = Consumer.Copy("Greeting", nameof(TheTaskAssemblyPathCanBeOverridden));
        Assert.AreEqual(0, sample.Run("restore", [], docker: false).ExitCode);

        var result = sample.Run("msbuild", ["-getProperty:ImageTasksAssemblyFile", "-p:ImageTasksAssemblyFile=/custom/ImageTasks.Tasks.dll"], docker: false);

        Assert.AreEqual("/custom/ImageTasks.Tasks.dll", result.Output.Trim(), result.ToString());
    }
}
