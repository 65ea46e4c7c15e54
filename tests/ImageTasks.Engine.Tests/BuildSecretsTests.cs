using ImageTasks.Definition;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>Build secrets and build environment of a step, and a function's files, on the engine.</summary>
[TestClass]
public sealed class BuildSecretsTests : EngineFixture
{
    [TestMethod]
    public async Task A_secret_is_a_variable_and_a_file_to_the_step_byte_for_byte_and_the_environment_stays_out_of_the_config()
    {
        const string value = "multi line\nsecret with 'quotes' and $dollars\n";
        var tag = $"imagetasks-test/build-secret:{Guid.NewGuid():N}";
        // the variable and the file hold the same bytes, the trailing newline too (x keeps $(...) from dropping it)
        var step = new ShellStep(["[ \"$TOKEN\"x = \"$(cat /run/TOKEN; echo x)\" ] || exit 8; " +
                                  "printf %s \"$TOKEN\" | od -c | head -1; test \"$MODE\" = fast && echo \"$TOKEN\" > /leaked-if-read || exit 9"])
        {
            Secrets = ["TOKEN"],
            BuildEnvironment = [new("MODE", "fast")],
        };
        var log = new CollectingLog();
        await BuildAsync(Definition(TestBed.BasePlain, step), Options(tag) with { SecretValues = new Dictionary<string, string> { ["TOKEN"] = value } }, log);
        Assert.IsTrue(log.Output.Any(o => o.Line.Contains("m   u   l   t   i", StringComparison.Ordinal)), "the step read the value: " + string.Join("\n", log.Output));
        // what the step writes is its own: the layer keeps the file it wrote, the configuration keeps neither variable
        StringAssert.Contains(RunInImage(tag, "cat", "/leaked-if-read"), "multi line");
        var config = TestBed.Docker("image", "inspect", "--format", "{{json .Config.Env}}", tag);
        Assert.IsFalse(config.Contains("TOKEN", StringComparison.Ordinal) || config.Contains("MODE", StringComparison.Ordinal), config);
        Assert.AreEqual(RunInImage(TestBed.BasePlain, "ls", "-A", "/run"), RunInImage(tag, "ls", "-A", "/run"), "the secrets volume's files (at /run) are in no layer");
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task A_step_that_runs_as_another_user_reads_its_secret()
    {
        var step = new ShellStep(["[ \"$(id -u)\" = 65534 ] && [ \"$TOKEN\" = \"$(cat /run/TOKEN)\" ]"]) { Secrets = ["TOKEN"] };
        var result = await BuildAsync(Definition(TestBed.BasePlain, new ConfigStep { User = "65534" }, step),
            Options() with { SecretValues = new Dictionary<string, string> { ["TOKEN"] = "t0k3n" } });
        Assert.AreEqual(2, result.Layers.Count);
    }
}
