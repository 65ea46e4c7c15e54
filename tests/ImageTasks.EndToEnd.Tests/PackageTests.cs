using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>The package itself and how its targets behave where no image is built. No Docker needed.</summary>
[TestClass]
public sealed class PackageTests
{
    [TestMethod]
    public void Package_has_the_tasks_and_targets_and_nothing_for_the_consumers_references()
    {
        using var zip = ZipFile.OpenRead(Consumer.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();

        foreach (var expected in new[]
                 {
                     "build/ImageTasks.props", "build/ImageTasks.targets", "Sdk/Sdk.props", "Sdk/Sdk.targets",
                     "targets/ImageTasks.props", "targets/ImageTasks.targets",
                     "tasks/net8.0/ImageTasks.Tasks.dll", "tasks/net8.0/ImageTasks.Tasks.deps.json", "tasks/net8.0/ImageTasks.Tasks.runtimeconfig.json",
                     "tasks/net8.0/ImageTasks.Core.dll", "tasks/net8.0/ImageTasks.Docker.dll", "tasks/net8.0/Docker.DotNet.dll", "tasks/net8.0/NuGet.Versioning.dll",
                     "tasks/net8.0/Tomlyn.dll",
                     "tasks/net10.0/ImageTasks.Tasks.dll", "tasks/net10.0/ImageTasks.Tasks.deps.json", "tasks/net10.0/ImageTasks.Core.dll",
                     "tasks/net10.0/ImageTasks.Docker.dll", "tasks/net10.0/ImageTasks.Dockerfiles.dll", "tasks/net10.0/Docker.DotNet.dll", "tasks/net10.0/Tomlyn.dll",
                     "tasks/net472/ImageTasks.Tasks.dll",
                 })
            Assert.Contains(expected, entries);
        Assert.IsFalse(entries.Any(e => e.StartsWith("lib/", StringComparison.Ordinal)), "no lib/: nothing is referenced by the consumer");
        Assert.IsFalse(entries.Any(e => Path.GetFileName(e).StartsWith("Microsoft.Build", StringComparison.Ordinal)), "MSBuild's own assemblies are not shipped");

        var metadata = Consumer.Nuspec(Consumer.Package);
        Assert.AreEqual("ImageTasks", Field(metadata, "id").Value);
        Assert.AreEqual("true", Field(metadata, "developmentDependency").Value);
        Assert.IsFalse(metadata.Descendants().Any(e => e.Name.LocalName == "dependency"), "no dependencies");
    }

    [TestMethod]
    public void Net10_task_assemblies_are_ReadyToRun_for_linux_x64_and_the_net8_ones_are_IL()
    {
        // the runtime takes ahead-of-time code only when it was compiled against its own major version: the .NET 10
        // SDK's MSBuild loads tasks/net10.0, whose code is compiled; tasks/net8.0 (SDK 8 and 9, and the host) is IL
        using var zip = ZipFile.OpenRead(Consumer.Package);
        foreach (var folder in new[] { "net10.0", "net8.0" })
            foreach (var name in new[] { "ImageTasks.Tasks.dll", "ImageTasks.Core.dll", "ImageTasks.Docker.dll", "Docker.DotNet.dll" })
            {
                using var pe = new PEReader(Bytes(zip, $"tasks/{folder}/{name}"));
                var readyToRun = pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0;
                Assert.AreEqual(folder == "net10.0", readyToRun, $"{folder}/{name}");
                // a ReadyToRun image's machine is the architecture's XOR the OS's value (Linux: 0x7B79)
                if (readyToRun) Assert.AreEqual((ushort)Machine.Amd64 ^ 0x7B79, (int)(ushort)pe.PEHeaders.CoffHeader.Machine, $"{folder}/{name}: linux-x64 code");
            }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Package_has_license_readme_repository_and_the_version_git_gives()
    {
        var metadata = Consumer.Nuspec(Consumer.Package);
        using var zip = ZipFile.OpenRead(Consumer.Package);

        var license = Field(metadata, "license");
        Assert.AreEqual("expression", license.Attribute("type")?.Value);
        Assert.AreEqual("MIT", license.Value);

        Assert.AreEqual("README.md", Field(metadata, "readme").Value);
        var readme = Text(zip, "README.md");
        StringAssert.Contains(readme, $"""<PackageReference Include="ImageTasks" Version="{Consumer.Version}" PrivateAssets="all" />""", "the minimal project file, with this version");
        StringAssert.Contains(readme, "`PipPackage`", "the main items and properties");
        Assert.IsFalse(System.Text.RegularExpressions.Regex.IsMatch(readme, "@[A-Za-z]+@"), "every placeholder is filled in");
        StringAssert.StartsWith(Text(zip, "CHANGELOG.md"), "# Changelog");
        StringAssert.Contains(Field(metadata, "releaseNotes").Value, "CHANGELOG.md");
        Assert.IsFalse(string.IsNullOrWhiteSpace(Field(metadata, "description").Value));
        CollectionAssert.IsSubsetOf(new[] { "docker", "container", "msbuild" }, Field(metadata, "tags").Value.Split(' '));

        // the commit packed, and its URL when the clone's origin is a web one (a local path remote gives none)
        var repository = Field(metadata, "repository");
        Assert.AreEqual("git", repository.Attribute("type")?.Value);
        var (gitCode, head) = Consumer.Exec("git", ["rev-parse", "HEAD"]);
        if (gitCode == 0)
            Assert.AreEqual(head.Trim(), repository.Attribute("commit")?.Value, "the package in artifacts/feed is of another commit: pack again (tests/run.sh does)");
        var origin = Consumer.Exec("git", ["remote", "get-url", "origin"]).Output.Trim();
        if (origin.StartsWith("https://", StringComparison.Ordinal))
            Assert.IsNotNull(repository.Attribute("url"), "an https origin is the repository's URL");
        if (repository.Attribute("url")?.Value is { } url)
            Assert.AreEqual(WebUrl(url), Field(metadata, "projectUrl").Value, "the project URL defaults to the repository's");

        // the version is MinVer's for this commit, the same one every packed assembly carries
        var (code, computed) = Consumer.Exec("dotnet", ["msbuild", Path.Combine("src", "Sdk", "ImageTasks.Sdk.csproj"), "-nologo", "-p:Configuration=Release",
            "-t:MinVer", "-getProperty:PackageVersion"]);
        Assert.AreEqual(0, code, computed);
        Assert.AreEqual(computed.Trim(), Consumer.Version, "the package's version is the one git gives");
        Assert.AreEqual(Consumer.Version, Field(metadata, "version").Value);
        foreach (var assembly in new[] { "net8.0/ImageTasks.Tasks.dll", "net8.0/ImageTasks.Core.dll", "net8.0/ImageTasks.Docker.dll", "net8.0/ImageTasks.Dockerfiles.dll", "net472/ImageTasks.Tasks.dll",
                     "net10.0/ImageTasks.Tasks.dll", "net10.0/ImageTasks.Core.dll", "net10.0/ImageTasks.Docker.dll", "net10.0/ImageTasks.Dockerfiles.dll" })
        {
            using var pe = new PEReader(Bytes(zip, "tasks/" + assembly));
            var reader = pe.GetMetadataReader();
            var informational = reader.GetAssemblyDefinition().GetCustomAttributes().Select(reader.GetCustomAttribute)
                .Where(a => reader.GetString(reader.GetTypeReference((TypeReferenceHandle)reader.GetMemberReference((MemberReferenceHandle)a.Constructor).Parent).Name) == "AssemblyInformationalVersionAttribute")
                .Select(a => a.DecodeValue(new StringOnlyDecoder()).FixedArguments[0].Value as string).Single()!;
            Assert.AreEqual(Consumer.Version, informational.Split('+')[0], assembly);
        }
    }

    [TestMethod]
    public void Symbols_package_has_the_pdbs_of_the_task_assemblies()
    {
        using var package = ZipFile.OpenRead(Consumer.Package);
        using var symbols = ZipFile.OpenRead(Path.ChangeExtension(Consumer.Package, ".snupkg"));
        Assert.IsFalse(package.Entries.Any(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)), "the pdbs are in the symbols package only");

        var pdbs = symbols.Entries.Select(e => e.FullName).Where(e => e.EndsWith(".pdb", StringComparison.Ordinal)).Order().ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "tasks/net10.0/ImageTasks.Core.pdb", "tasks/net10.0/ImageTasks.Docker.pdb", "tasks/net10.0/ImageTasks.Dockerfiles.pdb", "tasks/net10.0/ImageTasks.Tasks.pdb",
            "tasks/net472/ImageTasks.Tasks.pdb", "tasks/net8.0/ImageTasks.Core.pdb", "tasks/net8.0/ImageTasks.Docker.pdb",
            "tasks/net8.0/ImageTasks.Dockerfiles.pdb", "tasks/net8.0/ImageTasks.Tasks.pdb",
        }, pdbs);
        foreach (var pdb in pdbs)
        {
            // a debugger takes a pdb whose id is the one its assembly names
            using var pe = new PEReader(Bytes(package, Path.ChangeExtension(pdb, ".dll")));
            var codeView = pe.ReadCodeViewDebugDirectoryData(pe.ReadDebugDirectory().Single(d => d.Type == DebugDirectoryEntryType.CodeView));
            using var provider = MetadataReaderProvider.FromPortablePdbStream(Bytes(symbols, pdb));
            Assert.AreEqual(codeView.Guid, new Guid(provider.GetMetadataReader().DebugMetadataHeader!.Id.Take(16).ToArray()), pdb);
        }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Repository_and_project_urls_are_the_ones_given()
    {
        _ = Consumer.Package; // built and packed
        var output = Path.Combine(Consumer.Root, nameof(Repository_and_project_urls_are_the_ones_given));
        var (code, log) = Consumer.Exec("dotnet", ["pack", Path.Combine("src", "Sdk"), "-c", "Release", "--no-build", "-nologo", "-o", output,
            "-p:RepositoryUrl=https://code.example.invalid/team/imagetasks.git"]);
        Assert.AreEqual(0, code, log);

        var package = Directory.GetFiles(output, "ImageTasks.*.nupkg").Single();
        var metadata = Consumer.Nuspec(package);
        Assert.AreEqual("https://code.example.invalid/team/imagetasks.git", Field(metadata, "repository").Attribute("url")?.Value);
        Assert.AreEqual("https://code.example.invalid/team/imagetasks", Field(metadata, "projectUrl").Value);
        using var zip = ZipFile.OpenRead(package);
        StringAssert.Contains(Text(zip, "README.md"), "[the source repository](https://code.example.invalid/team/imagetasks)", "the readme links the full README");
    }

    static XElement Field(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new AssertFailedException($"the nuspec has no <{name}>");

    static string WebUrl(string repositoryUrl) => repositoryUrl.EndsWith(".git", StringComparison.Ordinal) ? repositoryUrl[..^4] : repositoryUrl;

    static MemoryStream Bytes(ZipArchive zip, string entry)
    {
        var memory = new MemoryStream();
        using (var stream = (zip.GetEntry(entry) ?? throw new AssertFailedException("no " + entry + " in the package")).Open()) stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }

    static string Text(ZipArchive zip, string entry) => new StreamReader(Bytes(zip, entry)).ReadToEnd();

    /// <summary>Decodes custom attributes whose arguments are strings (AssemblyInformationalVersionAttribute).</summary>
    sealed class StringOnlyDecoder : ICustomAttributeTypeProvider<object?>
    {
        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
        public object? GetSystemType() => null;
        public object? GetSZArrayType(object? elementType) => null;
        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => null;
        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => null;
        public object? GetTypeFromSerializedName(string name) => null;
        public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(object? type) => false;
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Targets_evaluate_with_their_defaults()
    {
        var sample = Consumer.Copy("Greeting", nameof(Targets_evaluate_with_their_defaults));
        Assert.AreEqual(0, sample.Run("restore", [], docker: false).ExitCode);

        var result = sample.Run("msbuild", ["-getProperty:ImageTasksAssemblyFile", "-getProperty:ContainerRepository", "-getProperty:ContainerImageTag",
            "-getProperty:ContainerWorkingDirectory", "-getProperty:ImagePythonVersion", "-getProperty:ContainerRuntimeIdentifier", "-getProperty:BuildImage"], docker: false);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var properties = System.Text.Json.JsonDocument.Parse(result.Output).RootElement.GetProperty("Properties");
        var assembly = properties.GetProperty("ImageTasksAssemblyFile").GetString()!;
        StringAssert.StartsWith(assembly, Consumer.Packages, "the task comes from this run's own package cache");
        StringAssert.EndsWith(assembly, Path.Combine("tasks", $"net{Environment.Version.Major}.0", "ImageTasks.Tasks.dll"), "the .NET 10 SDK's MSBuild takes the net10.0 tasks");
        Assert.IsTrue(File.Exists(assembly), assembly);
        // the SDK's container properties are left alone at evaluation: ImageTasks computes their defaults in its targets
        foreach (var sdkProperty in new[] { "ContainerRepository", "ContainerImageTag", "ContainerWorkingDirectory", "ContainerRuntimeIdentifier" })
            Assert.AreEqual("", properties.GetProperty(sdkProperty).GetString(), sdkProperty);
        Assert.AreEqual("3.12", properties.GetProperty("ImagePythonVersion").GetString());
        Assert.AreEqual("false", properties.GetProperty("BuildImage").GetString());
    }

    [TestMethod]
    [Timeout(600_000)]
    public void Design_time_build_builds_no_image()
    {
        var sample = Consumer.Copy("Greeting", nameof(Design_time_build_builds_no_image));
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
    public void The_task_assembly_path_can_be_overridden()
    {
        var sample = Consumer.Copy("Greeting", nameof(The_task_assembly_path_can_be_overridden));
        Assert.AreEqual(0, sample.Run("restore", [], docker: false).ExitCode);

        var result = sample.Run("msbuild", ["-getProperty:ImageTasksAssemblyFile", "-p:ImageTasksAssemblyFile=/custom/ImageTasks.Tasks.dll"], docker: false);

        Assert.AreEqual("/custom/ImageTasks.Tasks.dll", result.Output.Trim(), result.ToString());
    }
}
