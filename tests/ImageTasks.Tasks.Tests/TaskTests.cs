using System.Reflection;
using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Definition;
using ImageTasks.Tasks.Mapping;
using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

[TestClass]
public sealed class TaskTests
{
    /// <summary>A runner whose backend must never be reached: bad input fails before anything connects.</summary>
    private static RequestRunner Unreachable(List<string> calls) =>
        new((_, _) => { calls.Add("connect"); throw new AssertFailedException("the engine was reached"); });

    private static BuildContainerImage Task(MockEngine engine, List<string> calls) => new()
    {
        BuildEngine = engine,
        Runner = Unreachable(calls),
        ProjectFile = "/work/app/App.csproj",
        Repository = "app",
        BaseImage = "localhost:5000/python:3.11-slim-bookworm",
    };

    [TestMethod]
    public void BadPipNameLogsIMG1001InCanonicalFormAndBuildsNothing()
    {
        var engine = new MockEngine();
        var calls = new List<string>();
        var task = Task(engine, calls);
        task.PipPackages = [Items.Task("not a package!")];

        Assert.IsFalse(task.Execute());

        Assert.HasCount(1, engine.Errors);
        var error = engine.Errors[0];
        Assert.AreEqual(ErrorCodes.InvalidPipName, error.Code);
        Assert.AreEqual("/work/app/App.csproj", error.File);
        StringAssert.Matches(engine.Log, new Regex(@"^/work/app/App\.csproj: error IMG1001: .*not a package!"));
        Assert.IsEmpty(calls);
        Assert.IsNull(task.ImageId);
    }

    [TestMethod]
    public void BadMetadataLogsIMG5001AndBuildsNothing()
    {
        var engine = new MockEngine();
        var calls = new List<string>();
        var task = Task(engine, calls);
        task.Commands = [Items.Task("echo hi", "Order=soon")];

        Assert.IsFalse(task.Execute());

        Assert.AreEqual("IMG5001", engine.Errors.Single().Code);
        StringAssert.Contains(engine.Log, "error IMG5001: The value \"soon\" of Order of \"echo hi\" is not valid.");
        Assert.IsEmpty(calls);
    }

    [TestMethod]
    public void MissingAppFolderIsIMG5006()
    {
        var engine = new MockEngine();
        var calls = new List<string>();
        var task = Task(engine, calls);
        task.AppDirectory = Path.Combine(Path.GetTempPath(), "imagetasks-no-such-folder-" + Guid.NewGuid().ToString("N"));

        Assert.IsFalse(task.Execute());

        Assert.AreEqual(TaskErrorCodes.AppDirectoryMissing, engine.Errors.Single().Code);
        Assert.IsEmpty(calls);
    }

    [TestMethod]
    public void OutOfProcessPathForwardsTheCodedErrorAndTheExitCode()
    {
        // the net472 path, run here: the task writes the request and runs `dotnet ImageTasks.Tasks.dll request.json`
        var host = typeof(BuildContainerImage).Assembly.Location;
        Assert.IsTrue(File.Exists(Path.ChangeExtension(host, ".runtimeconfig.json")), "the host's runtimeconfig.json is beside it");
        var engine = new MockEngine();
        var task = new BuildContainerImage
        {
            BuildEngine = engine,
            RunOutOfProcess = true,
            HostAssembly = host,
            ProjectFile = "/work/app/App.csproj",
            Repository = "app",
            PipPackages = [Items.Task("not a package!")],
        };

        Assert.IsFalse(task.Execute());

        var error = engine.Errors.Single();
        Assert.AreEqual("IMG1001", error.Code);
        Assert.AreEqual("/work/app/App.csproj", error.File);
        StringAssert.Contains(error.Message, "not a package!");
    }

    [TestMethod]
    public void OutOfProcessPathReportsAMissingHost()
    {
        var engine = new MockEngine();
        var task = new BuildContainerImage
        {
            BuildEngine = engine,
            RunOutOfProcess = true,
            HostAssembly = "/nonexistent/tasks/net8.0/ImageTasks.Tasks.dll",
            Repository = "app",
        };

        Assert.IsFalse(task.Execute());

        Assert.AreEqual(TaskErrorCodes.HostNotStarted, engine.Errors.Single().Code);
    }

    [TestMethod]
    public void TheHostFolderOfANet472TaskIsTheNet8OneBesideIt()
    {
        var path = Path.Combine("pkg", "tasks", "net472", "ImageTasks.Tasks.dll");
        Assert.AreEqual(Path.Combine("pkg", "tasks", "net8.0", "ImageTasks.Tasks.dll"), OutOfProcessHost.DefaultHostAssembly(path));
    }

    [TestMethod]
    public void StepOutputIsHighImportanceAndPrefixedByTheStep()
    {
        var engine = new MockEngine();
        var request = Request();
        request.AptPackages.Add(Data("jq"));
        request.PipPackages.Add(Data("pandas"));
        var image = DefinitionMapper.Map(request);
        var log = new TaskBuildLog(new MSBuildTaskLog(new Microsoft.Build.Utilities.TaskLoggingHelper(engine, "BuildContainerImage")), image, request.ProjectFile);
        var pip = new PlannedStep(1, image.Definition.Steps[1], new string('a', 64), new string('b', 64), false, []);

        log.StepOutput(pip, "Collecting pandas");

        var message = engine.Messages.Single();
        Assert.AreEqual("[2/3 pip] Collecting pandas", message.Message);
        Assert.AreEqual(MessageImportance.High, message.Importance);
    }

    [TestMethod]
    public void ProtocolLinesRoundTrip()
    {
        var writer = new StringWriter();
        var host = new ProtocolWriter(writer);
        host.Error("IMG1001", "/p/App.csproj", 3, 7, "bad\nname \"x\"\t");
        host.Warning("IMG9999", null, 0, 0, "careful");
        host.Message(true, "[1/2 pip] Collecting");
        host.Result(new ImageResult { Success = true, ImageId = "sha256:abc", ImageNames = ["app:latest"] });
        var engine = new MockEngine();
        var log = new MSBuildTaskLog(new Microsoft.Build.Utilities.TaskLoggingHelper(engine, "t"));

        ImageResult? result = null;
        foreach (var line in writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries))
            result = ProtocolReader.Forward(line, log) ?? result;
        ProtocolReader.Forward("some stray output", log);

        var error = engine.Errors.Single();
        Assert.AreEqual(("IMG1001", "/p/App.csproj", 3, 7, "bad\nname \"x\"\t"), (error.Code, error.File, error.LineNumber, error.ColumnNumber, error.Message));
        Assert.AreEqual("careful", engine.Warnings.Single().Message);
        Assert.AreEqual(MessageImportance.High, engine.Messages[0].Importance);
        Assert.AreEqual("some stray output", engine.Messages[1].Message);
        Assert.IsNotNull(result);
        Assert.AreEqual("sha256:abc", result.ImageId);
        CollectionAssert.AreEqual(new[] { "app:latest" }, result.ImageNames);
    }

    [TestMethod]
    public void EveryCodeIsUniqueWellFormedAndTheTasksOnesAreIMG5xxx()
    {
        static IEnumerable<(string Name, string Code)> Codes(Type type) => type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (type.Name + "." + f.Name, (string)f.GetRawConstantValue()!));

        var tasks = Codes(typeof(TaskErrorCodes)).ToList();
        // every code a user can see: the core's, the Dockerfile area's and the MSBuild integration's
        var all = tasks.Concat(Codes(typeof(ErrorCodes))).Concat(Codes(typeof(ImageTasks.Dockerfiles.DockerfileErrorCodes))).ToList();
        foreach (var (name, code) in all) StringAssert.Matches(code, new Regex(@"^IMG\d{4}$"), name);
        foreach (var (name, code) in tasks) StringAssert.StartsWith(code, "IMG5", name);
        var duplicates = all.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => g.Key + ": " + string.Join(", ", g.Select(c => c.Name))).ToList();
        Assert.IsEmpty(duplicates, string.Join("; ", duplicates));
    }

    [TestMethod]
    [DataRow("linux-x64", "linux/amd64")]
    [DataRow("linux-arm64", "linux/arm64")]
    [DataRow(null, "linux/amd64")]
    public void RuntimeIdentifiersMapToPlatforms(string? rid, string platform) =>
        Assert.AreEqual(platform, DefinitionMapper.PlatformOf(rid));

    [TestMethod]
    public void WindowsRuntimeIdentifierIsIMG5008() =>
        Assert.AreEqual(TaskErrorCodes.UnsupportedRuntimeIdentifier, Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.PlatformOf("win-x64")).Code);

    [TestMethod]
    public void ArchiveToAFolderIsNamedAfterTheRepository()
    {
        var request = Request();
        var folder = Path.GetTempPath();
        Assert.AreEqual(Path.GetFullPath(folder), RequestRunner.ArchivePath(folder, request), "a folder stays a folder; the publisher names the file in it");
        Assert.AreEqual("/work/app/out/image.tar", RequestRunner.ArchivePath("out/image.tar", request));
    }
}
