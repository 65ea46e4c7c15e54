using ImageTasks.Definition;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>One platform of several on the engine: linux/arm64 steps under QEMU on the test bed's arm64 base, pulled by
/// its digest in the base's index; every layer (committed or loaded) is of arm64, and the engine's tag of the base is
/// not moved.</summary>
[TestClass]
public sealed class PlatformBuildTests : EngineFixture
{
    [TestMethod]
    [Timeout(600_000)]
    public async Task Arm64_steps_run_emulated_and_every_layer_committed_or_loaded_is_of_arm64()
    {
        using var folder = new TempFolder();
        folder.File("hello.txt", "hello");
        var tag = $"imagetasks-test/arm64:{Guid.NewGuid():N}";
        var baseBefore = TestBed.Docker("image", "inspect", "--format", "{{.Id}}", TestBed.BasePlain).Trim();
        try
        {
            var result = await BuildAsync(Definition(TestBed.BasePlain,
                    new ShellStep(["uname -m > /machine"]),
                    new CopyStep([new CopySource(Path.Combine(folder.Path, "hello.txt"))], "/srv/"),
                    new ShellStep(["cat /srv/hello.txt >> /machine"])),
                Options(tag) with { Platform = "linux/arm64", OneOfSeveralPlatforms = true });
            foreach (var layer in result.Layers)
                Assert.AreEqual("linux/arm64", TestBed.Docker("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", layer.ImageId).Trim(), layer.Step.Step.Summary);
            Assert.AreEqual("aarch64\nhello", RunInImage(tag, "cat", "/machine"));
            Assert.AreEqual(baseBefore, TestBed.Docker("image", "inspect", "--format", "{{.Id}}", TestBed.BasePlain).Trim(), "the base's tag keeps its image");
        }
        finally { TestBed.Run("docker", ["rmi", tag]); }
    }
}
