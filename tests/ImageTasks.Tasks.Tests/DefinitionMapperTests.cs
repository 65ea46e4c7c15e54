using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

[TestClass]
public sealed class DefinitionMapperTests
{
    [TestMethod]
    public void ABadFileDestinationIsQuotedAsGiven()
    {
        var request = Request();
        request.Files.Add(Data("data/a.txt", "Destination=../../etc/passwd"));
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));
        Assert.AreEqual(ErrorCodes.InvalidDestination, e.Code);
        StringAssert.Contains(e.Message, "\"../../etc/passwd\"");
    }

    [TestMethod]
    public void AColonInContainerImageTagIsABadTag()
    {
        var request = Request();
        request.Tags.Add("v1:2");
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.ImageNamesOf(request));
        Assert.AreEqual(ErrorCodes.InvalidImageReference, e.Code);
        StringAssert.Contains(e.Message, "its tag \"v1:2\"");
    }

    [TestMethod]
    public void KindsFollowTheDefaultOrderThenAppThenConfig()
    {
        var request = Request();
        request.Files.Add(Data("data/a.txt"));
        request.Commands.Add(Data("echo hi"));
        request.PipPackages.Add(Data("pandas"));
        request.AptPackages.Add(Data("ffmpeg"));
        request.AppDirectory = "/work/app/bin/publish/";

        var image = DefinitionMapper.Map(request);

        CollectionAssert.AreEqual(new[] { "apt", "pip", "command", "file", "app", "config" }, image.Kinds.ToArray());
        Assert.IsInstanceOfType<AptStep>(image.Definition.Steps[0]);
        Assert.IsInstanceOfType<PipStep>(image.Definition.Steps[1]);
        Assert.IsInstanceOfType<ShellStep>(image.Definition.Steps[2]);
        Assert.IsInstanceOfType<CopyStep>(image.Definition.Steps[3]);
        var app = (CopyStep)image.Definition.Steps[4];
        Assert.AreEqual("/app", app.Destination);
        Assert.AreEqual("/work/app/bin/publish/", app.Sources.Single().HostPath);
        Assert.IsInstanceOfType<ConfigStep>(image.Definition.Steps[5]);
    }

    [TestMethod]
    public void DockerfileLinesAreOneStepEachAfterCommandsAndSetupLinesComeFirst()
    {
        var request = Request();
        request.Files.Add(Data("data/a.txt"));
        request.Commands.Add(Data("echo hi"));
        request.DockerfileCommands.Add(Data("ENV MODE=production"));
        request.DockerfileCommands.Add(Data("run", "Command=RUN echo a; echo b"));
        request.SetupCommands.Add(Data("RUN apt-get update"));

        var image = DefinitionMapper.Map(request);

        CollectionAssert.AreEqual(new[] { "setup", "command", "dockerfile", "dockerfile", "file", "config" }, image.Kinds.ToArray());
        Assert.AreEqual(1, image.Definition.SetupStepCount);
        Assert.AreEqual("production", ((ConfigStep)image.Definition.Steps[2]).Environment.Single().Value);
        CollectionAssert.AreEqual(new[] { "/bin/sh", "-c", "echo a; echo b" }, ((RunStep)image.Definition.Steps[3]).Command.ToArray());
    }

    [TestMethod]
    public void ADockerfileLineTheChainCannotHonourIsACodedError()
    {
        var request = Request();
        request.DockerfileCommands.Add(Data("COPY a /b"));
        Assert.AreEqual(ErrorCodes.UnsupportedSetupCommand, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request)).Code);
    }

    [TestMethod]
    public void OrderMetadataPutsACommandBeforeTheAptInstall()
    {
        var request = Request();
        request.AptPackages.Add(Data("ffmpeg"));
        request.Commands.Add(Data("add key", "Command=curl -fsSL https://example.org/key | gpg --dearmor -o /etc/apt/keyrings/x.gpg", "Order=50"));
        request.Commands.Add(Data("echo later"));

        var image = DefinitionMapper.Map(request);

        CollectionAssert.AreEqual(new[] { "command", "apt", "command", "config" }, image.Kinds.ToArray());
        StringAssert.StartsWith(((ShellStep)image.Definition.Steps[0]).Commands.Single(), "curl -fsSL");
        Assert.AreEqual("echo later", ((ShellStep)image.Definition.Steps[2]).Commands.Single());
    }

    [TestMethod]
    public void WithinAKindProjectFileOrderIsKept()
    {
        var request = Request();
        request.Commands.Add(Data("echo 1"));
        request.Commands.Add(Data("echo 2", "Layer=second"));
        request.Commands.Add(Data("echo 3"));

        var image = DefinitionMapper.Map(request);

        // one layer per group, groups in the order of their first item; within a group, project-file order
        CollectionAssert.AreEqual(new[] { "echo 1", "echo 3" }, ((ShellStep)image.Definition.Steps[0]).Commands.ToArray());
        CollectionAssert.AreEqual(new[] { "echo 2" }, ((ShellStep)image.Definition.Steps[1]).Commands.ToArray());
    }

    [TestMethod]
    public void ItemsWithTheSameOptionsFormOneLayer()
    {
        var request = Request();
        request.PipPackages.Add(Data("pandas"));
        request.PipPackages.Add(Data("numpy"));
        request.PipPackages.Add(Data("private-lib", "IndexUrl=http://127.0.0.1:8080/simple"));
        request.PipPackages.Add(Data("requests"));

        var steps = DefinitionMapper.Map(request).Definition.Steps.OfType<PipStep>().ToList();

        Assert.HasCount(2, steps);
        CollectionAssert.AreEqual(new[] { "pandas", "numpy", "requests" }, steps[0].Packages.Select(p => p.Name).ToArray());
        Assert.IsNull(steps[0].Options.IndexUrl);
        Assert.AreEqual("private-lib", steps[1].Packages.Single().Name);
        Assert.AreEqual("http://127.0.0.1:8080/simple", steps[1].Options.IndexUrl);
    }

    [TestMethod]
    public void PipOptionsComeFromPropertiesAndItemMetadataWins()
    {
        var request = Request();
        request.PipIndexUrl = "http://index/simple";
        request.PipExtraIndexUrls = "http://extra1/simple;http://extra2/simple";
        request.PipFindLinks = "/wheels";
        request.PipPre = "true";
        request.PipExtraOptions = "--no-cache-dir --timeout=60";
        request.PipPackages.Add(Data("pandas"));
        request.PipPackages.Add(Data("stable", "Pre=false", "IndexUrl=http://other/simple"));

        var steps = DefinitionMapper.Map(request).Definition.Steps.OfType<PipStep>().ToList();

        var defaults = steps[0].Options;
        Assert.AreEqual("http://index/simple", defaults.IndexUrl);
        CollectionAssert.AreEqual(new[] { "http://extra1/simple", "http://extra2/simple" }, defaults.ExtraIndexUrls.ToArray());
        CollectionAssert.AreEqual(new[] { "/wheels" }, defaults.FindLinks.ToArray());
        Assert.IsTrue(defaults.Pre);
        CollectionAssert.AreEqual(new[] { "--no-cache-dir", "--timeout=60" }, defaults.ExtraOptions.ToArray());
        Assert.IsFalse(steps[1].Options.Pre);
        Assert.AreEqual("http://other/simple", steps[1].Options.IndexUrl);
    }

    [TestMethod]
    public void NuGetVersionRangesAreTranslatedForPip()
    {
        var request = Request();
        request.PipPackages.Add(Data("imgt-greeting", "Version=[2.0,3.0)"));
        request.PipPackages.Add(Data("pandas", "Version=2.2.1"));
        request.PipPackages.Add(Data("numpy", "Version=>=1.26"));
        request.AptPackages.Add(Data("ffmpeg", "Version=7:5.1.6-0+deb12u1"));

        var steps = DefinitionMapper.Map(request).Definition.Steps;

        var pip = (PipStep)steps[1];
        CollectionAssert.AreEqual(new[] { "imgt-greeting>=2.0,<3.0", "pandas==2.2.1", "numpy>=1.26" }, pip.Packages.Select(p => p.Requirement).ToArray());
        Assert.AreEqual("7:5.1.6-0+deb12u1", ((AptStep)steps[0]).Packages.Single().Version);
    }

    [TestMethod]
    public void ForceBuildMetadataForcesThatStepOnly()
    {
        var request = Request();
        request.AptPackages.Add(Data("ffmpeg"));
        request.PipPackages.Add(Data("pandas", "ForceBuild=true"));
        request.PipPackages.Add(Data("numpy"));

        var steps = DefinitionMapper.Map(request).Definition.Steps;

        Assert.IsFalse(steps[0].Force);
        var pip = steps.OfType<PipStep>().ToList();
        Assert.HasCount(2, pip); // a forced item is a layer of its own
        Assert.IsTrue(pip[0].Force);
        Assert.AreEqual("pandas", pip[0].Packages.Single().Name);
        Assert.IsFalse(pip[1].Force);
    }

    [TestMethod]
    public void CommandMetadataCarriesACommandWithSemicolons()
    {
        var request = Request();
        request.Commands.Add(Data("setup", "Command=mkdir -p /data; chmod 777 /data"));

        var shell = (ShellStep)DefinitionMapper.Map(request).Definition.Steps[0];

        Assert.AreEqual("mkdir -p /data; chmod 777 /data", shell.Commands.Single());
    }

    [TestMethod]
    public void FilesGoToTheirDestinationFolderOrPath()
    {
        var request = Request();
        request.Files.Add(Data("data/message.txt", "Destination=/srv/data/"));
        request.Files.Add(Data("data/nested/deep.txt", "Destination=/srv/data/", "RecursiveDir=nested/"));
        request.Files.Add(Data("config/app.json", "Destination=/etc/app/settings.json", "Mode=0600"));
        request.Files.Add(Data("wwwroot/"));

        var copies = DefinitionMapper.Map(request).Definition.Steps.OfType<CopyStep>().ToList();

        Assert.HasCount(3, copies);
        Assert.AreEqual("/srv/data", copies[0].Destination);
        CollectionAssert.AreEqual(new[] { "message.txt", "nested/deep.txt" }, copies[0].Sources.Select(s => s.TargetName).ToArray());
        Assert.AreEqual("/work/app/data/message.txt", copies[0].Sources[0].HostPath);
        Assert.AreEqual("/etc/app", copies[1].Destination);
        Assert.AreEqual("settings.json", copies[1].Sources.Single().TargetName);
        Assert.AreEqual("0600", copies[1].Mode);
        Assert.AreEqual("/app", copies[2].Destination); // default: the working directory; a folder's contents go into it
        Assert.IsNull(copies[2].Sources.Single().TargetName);
        Assert.AreEqual("/work/app/wwwroot", copies[2].Sources.Single().HostPath);
    }

    [TestMethod]
    public void ConfigurationHasTheAppCommandAndClearsTheBaseCommand()
    {
        var request = Request();
        request.WorkingDirectory = "/srv/app";
        request.User = "1000:1000";
        request.AppCommand.Add("/srv/app/App");
        request.AppCommandArgs.Add("--serve");
        request.EnvironmentVariables.Add(Data("APP_MODE", "Value=production"));
        request.Labels.Add(Data("org.opencontainers.image.source", "Value=https://example.org/app"));
        request.Ports.Add(Data("8080"));
        request.Ports.Add(Data("53", "Type=UDP"));

        var config = (ConfigStep)DefinitionMapper.Map(request).Definition.Steps.Single();

        CollectionAssert.AreEqual(new[] { "/srv/app/App", "--serve" }, config.Entrypoint!.ToArray());
        Assert.IsNotNull(config.Command);
        Assert.IsEmpty(config.Command); // the base's CMD (python3) must not become the app's argument
        Assert.AreEqual("/srv/app", config.WorkingDirectory);
        Assert.AreEqual("1000:1000", config.User);
        Assert.AreEqual(new KeyValuePair<string, string>("APP_MODE", "production"), config.Environment.Single());
        Assert.AreEqual("https://example.org/app", config.Labels.Single().Value);
        CollectionAssert.AreEqual(new[] { "8080/tcp", "53/udp" }, config.ExposedPorts.ToArray());
    }

    [TestMethod]
    public void DefaultBaseIsThePythonSlimImageOfThePythonVersion()
    {
        var request = Request();
        request.BaseImage = null;
        Assert.AreEqual("python:3.12-slim-bookworm", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
        Assert.IsTrue(DefinitionMapper.Map(request).DefaultBase);

        request.PythonVersion = "3.11";
        Assert.AreEqual("python:3.11-slim-bookworm", DefinitionMapper.Map(request).Definition.BaseImage.ToString());
    }

    [TestMethod]
    public void ImageNamesJoinRegistryRepositoryAndTags()
    {
        var request = Request();
        CollectionAssert.AreEqual(new[] { "app:latest" }, DefinitionMapper.ImageNamesOf(request).ToArray());

        request.Registry = "localhost:5000/";
        request.Tags = ["1.0", "latest", "1.0"];
        CollectionAssert.AreEqual(new[] { "localhost:5000/app:1.0", "localhost:5000/app:latest" }, DefinitionMapper.ImageNamesOf(request).ToArray());
    }

    [TestMethod]
    [DataRow("Order", "first", "Order of \"ffmpeg\"")]
    [DataRow("ForceBuild", "sometimes", "ForceBuild of \"ffmpeg\"")]
    public void BadMetadataIsACodedError(string name, string value, string what)
    {
        var request = Request();
        request.AptPackages.Add(Data("ffmpeg", $"{name}={value}"));

        var error = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));

        Assert.AreEqual(TaskErrorCodes.InvalidMetadata, error.Code);
        StringAssert.Contains(error.Message, what);
        StringAssert.Contains(error.Message, value);
    }

    [TestMethod]
    public void BadPipNameIsIMG1001()
    {
        var request = Request();
        request.PipPackages.Add(Data("not a package!"));

        var error = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(request));

        Assert.AreEqual(ErrorCodes.InvalidPipName, error.Code);
    }
}
