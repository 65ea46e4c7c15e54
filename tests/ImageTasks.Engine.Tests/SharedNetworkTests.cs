using ImageTasks.Backend;
using ImageTasks.Definition;
using ImageTasks.Tests;

namespace ImageTasks.Engine.Tests;

[TestClass]
public sealed class SharedNetworkTests : EngineFixture
{
    [TestMethod]
    public async Task Steps_on_the_default_network_join_one_namespace_that_goes_with_the_backend()
    {
        var tag = $"imagetasks-test/network:{Guid.NewGuid():N}";
        var owner = BuildOwner.Current.NewName("")[..^9]; // host-pid-start of this process
        string Holders() => TestBed.Docker("ps", "-a", "--format", "{{.Names}}", "--filter", "name=" + DockerBackend.NetworkHolderPrefix + owner).Trim();
        using (var backend = await DockerBackend.ConnectAsync(new EngineEndpoint(new Uri(TestBed.DockerHost), "test bed")))
        {
            var steps = new BuildStep[]
            {
                new ShellStep(["cat /proc/sys/kernel/hostname > /h1; getent hosts localhost > /dev/null"]),
                new ShellStep(["cat /proc/sys/kernel/hostname > /h2"]),
            };
            var result = await new ImageBuilder(backend).BuildAsync(Definition(TestBed.BasePlain, steps), Options(tag) with { Network = null }, new CollectingLog(), CancellationToken.None);
            Assert.AreEqual(2, result.Built);
            var names = RunInImage(tag, "cat", "/h1", "/h2").Split('\n');
            Assert.AreEqual(names[0], names[1], "both steps ran in the holder's namespace (its hostname)");
            Assert.AreNotEqual("", Holders(), "the holder lives while the backend does");
        }
        Assert.AreEqual("", Holders(), "disposing the backend removes the holder");
        TestBed.Run("docker", ["image", "rm", "-f", tag]);
    }
}
