using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>The base image is checked before the steps that need it, once per image id; setup commands can fix it.</summary>
[TestClass]
public sealed class BaseImageCheckTests : EngineFixture
{
    static readonly string State = Directory.CreateTempSubdirectory("imagetasks-state-").FullName;

    [ClassCleanup]
    public static void Cleanup() => Directory.Delete(State, recursive: true);

    static BuildOptions Checked(string? state = null) => Options() with { StateDirectory = state ?? Directory.CreateTempSubdirectory("imagetasks-state-").FullName };

    static PipStep Greeting => new([PipPackage.Create("imgt-greeting", "1.0.0")], new PipOptions { IndexUrl = TestBed.PypiUrl });

    [TestMethod]
    public async Task Pip_steps_on_a_base_without_python_fail_before_anything_runs()
    {
        var marker = new ShellStep(["touch /ran"]);
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePlain, marker, Greeting), Checked()));
        Assert.AreEqual(ErrorCodes.BaseLacksPython, error.Code);
        StringAssert.Contains(error.Message, TestBed.BasePlain);
        StringAssert.Contains(error.Message, "python3-pip", "the message shows the setup commands that fix it");
        Assert.AreEqual(0, (await new LayerCache(Backend, CacheRepository).ListAsync(default)).Count, "no step ran");
    }

    [TestMethod]
    public async Task Setup_commands_that_install_python_make_the_same_definition_build()
    {
        var setup = SetupCommands.Parse([
            "RUN apt-get update && apt-get install -y --no-install-recommends python3-pip python-is-python3 && rm -rf /var/lib/apt/lists/*",
            "RUN rm -f /usr/lib/python3*/EXTERNALLY-MANAGED",
            "ENV APP_STAGE=setup",
        ]);
        var tag = $"imagetasks-test/setup:{Guid.NewGuid():N}";
        var result = await BuildAsync(new ImageDefinition(ImageReference.Parse(TestBed.BasePlain), setup, [Greeting]), Checked() with { Tags = [tag] });
        Assert.AreEqual(4, result.Built);
        Assert.AreEqual("hello y in blue (greeting 1.0.0, colors 1.0.0) setup",
            RunInImage(tag, "sh", "-c", "python -c \"import imgt_greeting; print(imgt_greeting.greet('y'))\" | tr -d '\\n'; echo \" $APP_STAGE\""));
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task Apt_steps_on_a_base_without_apt_get_fail_with_the_code()
    {
        var setup = SetupCommands.Parse(["RUN rm /usr/bin/apt-get"]);
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            BuildAsync(new ImageDefinition(ImageReference.Parse(TestBed.BasePlain), setup, [new AptStep([new AptPackage("jq")])]), Checked()));
        Assert.AreEqual(ErrorCodes.BaseLacksApt, error.Code);
        StringAssert.Contains(error.Message, "apt-get");
    }

    [TestMethod]
    public async Task A_base_of_another_platform_fails_with_the_code()
    {
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            BuildAsync(Definition(TestBed.BasePython, Greeting), Checked() with { Platform = "linux/arm64" }));
        Assert.AreEqual(ErrorCodes.BasePlatformMismatch, error.Code);
        StringAssert.Contains(error.Message, "linux/amd64");
    }

    [TestMethod]
    public async Task A_passed_check_is_remembered_per_image()
    {
        var first = new CollectingLog();
        await BuildAsync(Definition(TestBed.BasePython, Greeting), Checked(State), first);
        Assert.IsTrue(first.Lines.Any(l => l.StartsWith("Checked the base image", StringComparison.Ordinal)));
        var second = new CollectingLog();
        await BuildAsync(Definition(TestBed.BasePython, Greeting with { Force = true }), Checked(State), second);
        Assert.IsFalse(second.Lines.Any(l => l.StartsWith("Checked the base image", StringComparison.Ordinal)), "the second build does not check again");
    }
}
