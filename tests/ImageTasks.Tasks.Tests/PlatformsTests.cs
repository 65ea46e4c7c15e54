using System.Diagnostics;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>ContainerRuntimeIdentifiers: the runtime identifiers' platforms, each platform's tags, and how the targets
/// dispatch (a project importing ImageTasks.targets whose image step only reports what it was given).</summary>
[TestClass]
public sealed class PlatformsTests
{
    [TestMethod]
    public void Runtime_identifiers_are_split_trimmed_made_distinct_and_mapped_in_their_order()
    {
        var platforms = DefinitionMapper.PlatformsOf(["linux-x64; linux-arm64", "linux-x64", "", "linux-arm"]);
        CollectionAssert.AreEqual(new[] { "linux-x64", "linux-arm64", "linux-arm" }, platforms.Select(p => p.RuntimeIdentifier).ToArray());
        CollectionAssert.AreEqual(new[] { "linux/amd64", "linux/arm64", "linux/arm/v7" }, platforms.Select(p => p.Platform).ToArray());
    }

    [TestMethod]
    public void An_unsupported_runtime_identifier_is_IMG5008_naming_it()
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.PlatformsOf(["linux-x64", "win-arm64"]));
        Assert.AreEqual(ErrorCodes.UnsupportedRuntimeIdentifier, e.Code);
        StringAssert.Contains(e.Message, "\"win-arm64\"");
    }

    [TestMethod]
    public void Two_runtime_identifiers_of_one_platform_are_IMG1055()
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.PlatformsOf(["linux-x64", "linux-musl-x64"]));
        Assert.AreEqual(ErrorCodes.DuplicatePlatform, e.Code);
        StringAssert.Contains(e.Message, "linux-x64 and linux-musl-x64");
        StringAssert.Contains(e.Message, "linux/amd64");
    }

    [TestMethod]
    public void One_platform_of_several_suffixes_every_tag_with_its_runtime_identifier()
    {
        var request = Request();
        request.Registry = "localhost:5000";
        request.Tags.AddRange(["v1", "stable"]);
        CollectionAssert.AreEqual(new[] { "localhost:5000/app:v1", "localhost:5000/app:stable" }, DefinitionMapper.ImageNamesOf(request).ToArray(), "one platform: as before");
        request.PlatformSuffix = "linux-arm64";
        CollectionAssert.AreEqual(new[] { "localhost:5000/app:v1-linux-arm64", "localhost:5000/app:stable-linux-arm64" }, DefinitionMapper.ImageNamesOf(request).ToArray());
        CollectionAssert.AreEqual(new[] { "v1", "stable" }, DefinitionMapper.PlainTagsOf(request).ToArray());
    }

    static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine([dir.FullName, .. parts]))) return Path.Combine([dir.FullName, .. parts]);
        throw new FileNotFoundException(string.Join('/', parts));
    }

    static (int Code, string Output) MSBuild(string project, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(project)! };
        foreach (var a in (string[])["msbuild", project, "-restore", "-t:BuildContainerImage", "-nologo", "-nodeReuse:false", "-v:m", "-p:BuildImage=true", .. arguments]) start.ArgumentList.Add(a);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    [TestMethod]
    [Timeout(600_000)]
    public void The_targets_build_the_project_once_per_runtime_identifier_after_checking_them_all_and_one_keeps_todays_build()
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-platforms-targets-").FullName;
        try
        {
            var project = Path.Combine(folder, "App.csproj");
            File.WriteAllText(project, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImageTasksAssemblyFile>{typeof(PublishImageIndex).Assembly.Location}</ImageTasksAssemblyFile>
                  </PropertyGroup>
                  <Import Project="{RepoFile("src", "Sdk", "targets", "ImageTasks.targets")}" />
                  <!-- the image step: what it was given, nothing built -->
                  <Target Name="_ImageTasksBuildImage" Condition="'$(_ImageTasksMultiPlatform)' != 'true'" DependsOnTargets="_ImageTasksPrepare;_ImageTasksStandardLabels">
                    <Message Importance="high" Text="image: rid=$(_ImageTasksRuntimeIdentifier) suffix=$(_ImageTasksPlatformSuffix) report=$([System.IO.Path]::GetFileName('$(ImageTasksReportFile)')) sbom=$([System.IO.Path]::GetFileName('$(_ImageTasksSbomFile)')) app=$(_ImageTasksAppDir)" />
                    <ItemGroup><ImageTasksImageName Include="app:latest-$(_ImageTasksPlatformSuffix)" /></ItemGroup>
                  </Target>
                  <Target Name="ShowNames" AfterTargets="BuildContainerImage" Condition="'$(_ImageTasksMultiPlatform)' == 'true'">
                    <Message Importance="high" Text="names: @(ImageTasksImageName)" />
                  </Target>
                </Project>
                """);
            File.WriteAllText(Path.Combine(folder, "Program.cs"), "System.Console.WriteLine();");

            var (code, output) = MSBuild(project, new Dictionary<string, string> { ["ContainerRuntimeIdentifiers"] = "linux-x64;linux-arm64", ["ContainerGenerateSbom"] = "true" });
            Assert.AreEqual(0, code, output);
            var images = output.Split('\n').Where(l => l.Contains("image: rid=")).Select(l => l.Trim()).ToArray();
            Assert.AreEqual(2, images.Length, output);
            StringAssert.Contains(images[0], "rid=linux-x64 suffix=linux-x64 report=last-build-linux-x64.json sbom=sbom-linux-x64.cdx.json");
            StringAssert.Contains(images[1], "rid=linux-arm64 suffix=linux-arm64 report=last-build-linux-arm64.json sbom=sbom-linux-arm64.cdx.json");
            StringAssert.Contains(images[1], "/linux-arm64/app/", "each platform publishes its app into a folder of its own");
            StringAssert.Contains(output, "names: app:latest-linux-x64;app:latest-linux-arm64", "the outer build has every platform's image names");

            // on the command line, where ';' separates properties: escaped as %3B, it is still a list
            (code, output) = MSBuild(project, new Dictionary<string, string>(), "-p:ContainerRuntimeIdentifiers=linux-x64%3Blinux-arm64", "-p:ContainerImageTags=1.0%3Blatest");
            Assert.AreEqual(0, code, output);
            images = output.Split('\n').Where(l => l.Contains("image: rid=")).Select(l => l.Trim()).ToArray();
            Assert.AreEqual(2, images.Length, output);
            StringAssert.Contains(images[1], "rid=linux-arm64 suffix=linux-arm64");

            (code, output) = MSBuild(project, new Dictionary<string, string> { ["ContainerRuntimeIdentifiers"] = "linux-arm64" });
            Assert.AreEqual(0, code, output);
            StringAssert.Contains(output, "rid=linux-arm64 suffix= report=last-build.json sbom= ", "one runtime identifier: one image, as ContainerRuntimeIdentifier would");

            (code, output) = MSBuild(project, new Dictionary<string, string> { ["ContainerRuntimeIdentifiers"] = "linux-x64;win-x64" });
            Assert.AreNotEqual(0, code, output);
            StringAssert.Contains(output, "IMG5008");
            Assert.IsFalse(output.Contains("image: rid="), "no platform is built when one of them is bad:\n" + output);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
