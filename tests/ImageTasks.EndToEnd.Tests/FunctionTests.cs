using System.Formats.Tar;
using System.Text;
using ImageTasks.Tests;

namespace ImageTasks.EndToEnd.Tests;

/// <summary>Build-time .NET code (ImageBuildFunction, Modal's run_function) and build secrets, on the FunctionData sample.</summary>
[TestClass]
public sealed class FunctionTests
{
    const string Token = "s3cr3t-Fn-9f2b7c41d0";

    static Dictionary<string, string> WithToken(string token) => new() { ["FUNCTION_DATA_TOKEN"] = token };

    static BuildOutput Build(Sample sample, string token, params string[] extra) =>
        sample.Run("build", [.. sample.TestBedProperties(), .. extra], docker: true, WithToken(token));

    static LayerReport FunctionLayer(Sample sample) => sample.Report().Layers.Single(l => l.Kind == "function");

    [TestMethod]
    [Timeout(1_200_000)]
    public void A_function_writes_what_the_app_reads_and_reruns_only_when_its_tool_changes()
    {
        var sample = Consumer.Copy("FunctionData", nameof(A_function_writes_what_the_app_reads_and_reruns_only_when_its_tool_changes));
        try
        {
            var first = Build(sample, Token);
            Assert.AreEqual(0, first.ExitCode, first.ToString());
            Assert.IsFalse(FunctionLayer(sample).Cached, "the first build runs the function");
            Assert.AreEqual("hello from a function; secret present; mode build", Docker.RunImage(sample.Image).Trim());

            // unchanged but for a second tag (so the task runs: an up-to-date build does not), and a new secret value
            var again = Build(sample, Token + "-rotated", "-p:ContainerImageTags=latest%3Bagain");
            Assert.AreEqual(0, again.ExitCode, again.ToString());
            Assert.IsTrue(FunctionLayer(sample).Cached, "an unchanged rebuild reuses the function layer:\n" + again);

            sample.Edit("Program.cs", text => text.Replace("no data at ", "nothing at "));
            var appEdit = Build(sample, Token);
            Assert.AreEqual(0, appEdit.ExitCode, appEdit.ToString());
            Assert.IsTrue(FunctionLayer(sample).Cached, "an app edit reuses the function layer:\n" + appEdit);
            Assert.IsFalse(sample.Report().Layers.Single(l => l.Kind == "app").Cached, "and rebuilds the app");

            sample.Edit("tools/MakeData/Program.cs", text => text.Replace("; mode {mode}", "; mode={mode}"));
            var toolEdit = Build(sample, Token);
            Assert.AreEqual(0, toolEdit.ExitCode, toolEdit.ToString());
            var layers = sample.Report().Layers;
            Assert.IsTrue(layers.SkipWhile(l => l.Kind != "function").All(l => !l.Cached), "a tool edit reruns the function and every layer above it:\n" + toolEdit);
            Assert.AreEqual("hello from a function; secret present; mode=build", Docker.RunImage(sample.Image).Trim());
        }
        finally
        {
            Docker.RemoveImage(sample.Image);
            Docker.RemoveImage(sample.Repository + ":again");
        }
    }

    [TestMethod]
    [Timeout(1_200_000)]
    public void A_secret_used_by_a_command_a_pip_step_and_a_function_is_in_no_output_binlog_history_config_layer_or_file()
    {
        var sample = Consumer.Copy("FunctionData", nameof(A_secret_used_by_a_command_a_pip_step_and_a_function_is_in_no_output_binlog_history_config_layer_or_file));
        var binlog = Path.Combine(sample.Directory, "secrets.binlog");
        var archive = Path.Combine(sample.Directory, "image.tar");
        sample.Edit("FunctionData.csproj", text => text.Replace("</Project>", """
              <ItemGroup>
                <ImageCommand Include="check-secret" Secrets="MAKE_DATA_TOKEN" Env="LEVEL=2" Command="echo token=$MAKE_DATA_TOKEN; test -n &quot;$MAKE_DATA_TOKEN&quot; &amp;&amp; test -f /run/MAKE_DATA_TOKEN &amp;&amp; test &quot;$LEVEL&quot; = 2" />
                <PipPackage Include="imgt-colors" Secrets="MAKE_DATA_TOKEN" />
                <AptPackage Include="jq" Secrets="MAKE_DATA_TOKEN" />
                <ImageDockerfileCommand Include="dockerfile-secret" Command="RUN test -n &quot;$MAKE_DATA_TOKEN&quot; &amp;&amp; echo dockerfile=$MAKE_DATA_TOKEN" Secrets="MAKE_DATA_TOKEN" />
              </ItemGroup>
            </Project>
            """));
        try
        {
            var build = Build(sample, Token, "-bl:" + binlog);
            Assert.AreEqual(0, build.ExitCode, build.ToString());
            StringAssert.Contains(build.Output, "token=***", "the command printed the secret, masked");
            StringAssert.Contains(build.Output, "dockerfile=***", "so did the Dockerfile line");
            Assert.AreEqual("hello from a function; secret present; mode build", Docker.RunImage(sample.Image).Trim());

            Assert.IsFalse(build.Output.Contains(Token, StringComparison.Ordinal), "not in the build output");
            Assert.AreEqual(-1, RegistryTests.BinlogBytes(binlog).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token)), "not in the binlog");
            var history = TestBed.Docker("history", "--no-trunc", sample.Image);
            Assert.IsFalse(history.Contains(Token, StringComparison.Ordinal), "not in the image history");
            StringAssert.Contains(history, "@MAKE_DATA_TOKEN", "the history names the secret only:\n" + history);
            Assert.IsFalse(TestBed.Docker("inspect", sample.Image).Contains(Token, StringComparison.Ordinal), "not in what docker inspect shows");
            var config = TestBed.Docker("inspect", "--format", "{{json .Config}}", sample.Image);
            Assert.IsFalse(config.Contains("MAKE_DATA", StringComparison.Ordinal) || config.Contains("LEVEL=2", StringComparison.Ordinal), "the image's configuration has neither secret nor build environment");
            TestBed.Docker("save", "-o", archive, sample.Image);
            Assert.AreEqual(0, LayersHolding(archive, Token), "no layer holds it");
            File.Delete(archive);
            var files = Directory.EnumerateFiles(sample.Directory, "*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".binlog", StringComparison.Ordinal))
                .Where(f => File.ReadAllBytes(f).AsSpan().IndexOf(Encoding.UTF8.GetBytes(Token)) >= 0).ToArray();
            CollectionAssert.AreEqual(Array.Empty<string>(), files, "no file of the project (obj/, the report) holds it");

            // a secret's name is part of the key: renaming it reruns the steps that use it
            sample.Edit("FunctionData.csproj", text => text.Replace("MAKE_DATA_TOKEN", "MAKE_DATA_KEY"));
            sample.Edit("tools/MakeData/Program.cs", text => text.Replace("MAKE_DATA_TOKEN", "MAKE_DATA_KEY"));
            var renamed = Build(sample, Token);
            Assert.AreEqual(0, renamed.ExitCode, renamed.ToString());
            Assert.IsFalse(FunctionLayer(sample).Cached, "a new secret name reruns the function");
        }
        finally { Docker.RemoveImage(sample.Image); }
    }

    [TestMethod]
    [Timeout(600_000)]
    public void A_failing_function_fails_the_build_with_its_exit_code_and_last_lines()
    {
        var sample = Consumer.Copy("FunctionData", nameof(A_failing_function_fails_the_build_with_its_exit_code_and_last_lines));
        sample.Edit("FunctionData.csproj", text => text.Replace("Arguments=\"--greeting;", "Arguments=\"--fail;--greeting;"));
        var build = Build(sample, Token);
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error IMG3001", build.ToString());
        StringAssert.Contains(build.Output, "exit code 7", build.ToString());
        StringAssert.Contains(build.Output, "MakeData fails as asked", build.ToString());
        Assert.IsFalse(Docker.ImageExists(sample.Image));
    }

    [TestMethod]
    [Timeout(600_000)]
    public void A_missing_secret_fails_before_anything_runs_naming_where_it_was_looked_for()
    {
        var sample = Consumer.Copy("FunctionData", nameof(A_missing_secret_fails_before_anything_runs_naming_where_it_was_looked_for));
        var build = sample.Run("build", [.. sample.TestBedProperties()], docker: true, new Dictionary<string, string>());
        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "error IMG5030", build.ToString());
        StringAssert.Contains(build.Output, "\"MAKE_DATA_TOKEN\"", build.ToString());
        StringAssert.Contains(build.Output, "the environment variable FUNCTION_DATA_TOKEN", build.ToString());
        Assert.IsFalse(File.Exists(sample.ReportFile) && sample.Report().Layers.Count > 0, "nothing ran");
    }

    /// <summary>How many layers of a `docker save` archive hold the text (layers are tars inside the tar).</summary>
    static int LayersHolding(string archive, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var holding = 0;
        using var reader = new TarReader(File.OpenRead(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is null) continue;
            using var bytes = new MemoryStream();
            entry.DataStream.CopyTo(bytes);
            if (bytes.GetBuffer().AsSpan(0, (int)bytes.Length).IndexOf(needle) >= 0) holding++;
        }
        return holding;
    }
}
