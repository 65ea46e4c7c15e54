using ImageTasks.Core.Tests;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;
using ImageTasks.Engine;
using ImageTasks.Tasks.Mapping;
using static ImageTasks.Tasks.Tests.Items;

namespace ImageTasks.Tasks.Tests;

/// <summary>ContainerAppCommandInstruction as the .NET SDK reads it, and wrapper entrypoints given by project items.</summary>
[TestClass]
public sealed class AppCommandInstructionTests
{
    const string Wrapper = "ENTRYPOINT [\"/usr/local/bin/wrap.sh\"]";

    static Protocol.ImageRequest AppRequest(string? instruction = null, params string[] dockerfileLines)
    {
        var request = Request();
        request.AppCommand.Add("/app/App");
        request.AppCommandInstruction = instruction;
        foreach (var line in dockerfileLines) request.DockerfileCommands.Add(Data(line));
        return request;
    }

    static async Task<(FakeBackend Backend, ListTaskLog Log)> BuildAsync(Protocol.ImageRequest request, ImageConfig? baseConfig = null)
    {
        var backend = FakeEngine.With(request.BaseImage!, baseConfig);
        var log = new ListTaskLog();
        var result = await backend.Runner().RunAsync(request, log, default);
        Assert.IsTrue(result.Success, string.Join("\n", log.Errors));
        return (backend, log);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("DefaultArgs")]
    public async Task AnEntrypointLineStaysAndTheAppCommandBecomesItsCmd(string? instruction)
    {
        var request = AppRequest(instruction, Wrapper);
        request.DefaultArgs.Add("--verbose");

        var (backend, _) = await BuildAsync(request);

        var image = backend.Runs.Last().Config;
        CollectionAssert.AreEqual(new[] { "/usr/local/bin/wrap.sh" }, image.Entrypoint!.ToArray());
        CollectionAssert.AreEqual(new[] { "/app/App", "--verbose" }, image.Cmd!.ToArray());
    }

    [TestMethod]
    public async Task WithoutAnEntrypointLineTheAppCommandIsTheEntrypoint()
    {
        var (backend, log) = await BuildAsync(AppRequest());
        CollectionAssert.AreEqual(new[] { "/app/App" }, backend.Runs.Last().Config.Entrypoint!.ToArray());
        Assert.IsEmpty(log.Warnings);
    }

    [TestMethod]
    public async Task NoneSetsNoAppCommand()
    {
        var request = Request();
        request.AppCommandInstruction = "None";
        request.SetupCommands.Add(Data(Wrapper));
        request.DefaultArgs.Add("serve");

        var (backend, _) = await BuildAsync(request);

        var image = backend.Runs.Last().Config;
        CollectionAssert.AreEqual(new[] { "/usr/local/bin/wrap.sh" }, image.Entrypoint!.ToArray());
        CollectionAssert.AreEqual(new[] { "serve" }, image.Cmd!.ToArray());
    }

    [TestMethod]
    public async Task ABaseEntrypointReplacedByDefaultWarnsAndDefaultArgsKeepsIt()
    {
        var baseConfig = new ImageConfig { Entrypoint = ["/docker-entrypoint.sh"], Cmd = ["python3"] };

        var (replaced, log) = await BuildAsync(AppRequest(), baseConfig);
        CollectionAssert.AreEqual(new[] { "/app/App" }, replaced.Runs.Last().Config.Entrypoint!.ToArray());
        var warning = log.Warnings.Single();
        Assert.AreEqual(TaskErrorCodes.BaseEntrypointReplaced, warning.Code);
        StringAssert.Contains(warning.Message, "/docker-entrypoint.sh");
        StringAssert.Contains(warning.Message, "ContainerAppCommandInstruction");

        var (kept, keptLog) = await BuildAsync(AppRequest("DefaultArgs"), baseConfig);
        CollectionAssert.AreEqual(new[] { "/docker-entrypoint.sh" }, kept.Runs.Last().Config.Entrypoint!.ToArray());
        CollectionAssert.AreEqual(new[] { "/app/App" }, kept.Runs.Last().Config.Cmd!.ToArray());
        Assert.IsEmpty(keptLog.Warnings);
    }

    [TestMethod]
    public void EntrypointWithAnEntrypointLineIsAnErrorNamingIt()
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(AppRequest("Entrypoint", Wrapper)));
        Assert.AreEqual(TaskErrorCodes.AppCommandReplacesEntrypoint, e.Code);
        StringAssert.Contains(e.Message, "ImageDockerfileCommand's ENTRYPOINT [\"/usr/local/bin/wrap.sh\"]");
        StringAssert.Contains(e.Message, "DefaultArgs");
    }

    [TestMethod]
    public void NoneWithAnAppCommandIsAnError()
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(AppRequest("None")));
        Assert.AreEqual(TaskErrorCodes.AppCommandNotUsed, e.Code);
        StringAssert.Contains(e.Message, "/app/App");
    }

    [TestMethod]
    [DataRow("Cmd")]
    [DataRow("Entrypoint, DefaultArgs")]
    [DataRow("1")]
    public void AnUnknownInstructionIsAnError(string value)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => DefinitionMapper.Map(AppRequest(value)));
        Assert.AreEqual(TaskErrorCodes.InvalidMetadata, e.Code);
        StringAssert.Contains(e.Message, $"\"{value}\"");
    }

    [TestMethod]
    [DataRow("#!/bin/sh\necho starting\n", true)]
    [DataRow("#!/bin/sh\necho starting\nexec \"$@\"\n", false)]
    [DataRow("#!/usr/bin/env python3\nprint('hi')\n", false)]
    public void AWrapperScriptCopiedByImageFileMustExecItsArguments(string script, bool warns)
    {
        var folder = Directory.CreateTempSubdirectory("imagetasks-entrypoint-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "wrap.sh"), script);
            var request = AppRequest(null, Wrapper);
            request.ProjectDirectory = folder.FullName;
            request.Files.Add(Data("wrap.sh", "Destination=/usr/local/bin/", "Mode=0755"));

            var warnings = DefinitionMapper.Map(request).Warnings;

            Assert.AreEqual(warns, warnings.Any(), string.Join("\n", warnings));
            if (warns)
            {
                Assert.AreEqual(DockerfileErrorCodes.EntrypointDoesNotExec, warnings.Single().Code);
                StringAssert.Contains(warnings.Single().Message, "exec \"$@\"");
                StringAssert.Contains(warnings.Single().Message, "/app/App");
            }
        }
        finally { folder.Delete(true); }
    }
}
