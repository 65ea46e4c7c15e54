using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <summary>Functions (FunctionStep) and build secrets and environment on steps: their keys, and how the engine runs
/// them, on the in-memory <see cref="FakeBackend"/>.</summary>
[TestClass]
public sealed class FunctionAndSecretsTests
{
    const string Base = "registry.example.com/debian:bookworm";
    const string Secret = "tok-31415926535";
    readonly string _root = Directory.CreateTempSubdirectory("imagetasks-function-").FullName;
    readonly FakeBackend _engine = new();

    public FunctionAndSecretsTests()
    {
        _engine.AddImage(Base);
        _engine.ProbeAnswer = command => new ProbeResult(0, command.StartsWith("python -c", StringComparison.Ordinal) ? ["3.12"] : []);
    }

    [TestCleanup]
    public void Stop() => Directory.Delete(_root, recursive: true);

    /// <summary>A tool project in a folder of its own under the root, published under another folder.</summary>
    FunctionStep Function(string folder = "a", string program = "Fetch", string source = "Console.WriteLine(1);", params string[] arguments)
    {
        var project = Path.Combine(_root, folder, "tool");
        var publish = Path.Combine(_root, folder, "publish");
        Directory.CreateDirectory(project);
        Directory.CreateDirectory(publish);
        File.WriteAllText(Path.Combine(project, "Program.cs"), source);
        File.WriteAllText(Path.Combine(project, "Fetch.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        File.WriteAllText(Path.Combine(publish, program), "#!/bin/sh\n");
        return new FunctionStep("Fetch", publish, program, arguments,
            [new CopySource(Path.Combine(project, "Program.cs"), "Program.cs"), new CopySource(Path.Combine(project, "Fetch.csproj"), "Fetch.csproj")],
            [new FunctionPackage("Humanizer", "2.14.1")]);
    }

    static string Key(params BuildStep[] steps) =>
        Planner.Plan(new ImageDefinition(ImageReference.Parse(Base), steps), "sha256:base", new FileDigester()).Steps[^1].Key;

    [TestMethod]
    public void A_function_key_depends_on_its_inputs_content_not_where_they_are_or_were_published()
    {
        var here = Key(Function("a"));
        Assert.AreEqual(here, Key(Function("b")), "another folder (another machine's checkout) gives the same key");
        Assert.AreNotEqual(here, Key(Function("c", source: "Console.WriteLine(2);")), "a source edit changes it");
        Assert.AreNotEqual(here, Key(Function("d", arguments: ["--model", "small"])), "arguments change it");
        Assert.AreNotEqual(here, Key(Function("e") with { Force = false, Secrets = ["HF_TOKEN"] }), "a secret name changes it");
        Assert.AreNotEqual(Key(Function("f") with { Secrets = ["HF_TOKEN"] }), Key(Function("g") with { Secrets = ["HF_KEY"] }), "so does a new name");
        Assert.AreNotEqual(here, Key(Function("h") with { BuildEnvironment = [new("MODE", "fast")] }), "build environment changes it");
        var packages = Function("i");
        Assert.AreNotEqual(here, Key(new FunctionStep(packages.Name, packages.PublishDirectory, packages.Program, [], packages.Inputs, [new FunctionPackage("Humanizer", "2.14.2")])),
            "a resolved package version changes it");
    }

    [TestMethod]
    public void Steps_without_secrets_or_environment_keep_their_keys()
    {
        var shell = new ShellStep(["echo hi"]);
        Assert.AreEqual(Key(shell), Key(shell with { Secrets = [], BuildEnvironment = [] }));
        Assert.AreNotEqual(Key(shell), Key(shell with { Secrets = ["A"] }));
        Assert.AreEqual(Key(shell with { Secrets = ["A", "B"] }), Key(shell with { Secrets = ["B", "A"] }), "secret names are a set");
    }

    [TestMethod]
    public void Secret_and_environment_names_are_checked()
    {
        var shell = new ShellStep(["echo hi"]);
        Assert.AreEqual(ErrorCodes.InvalidSecretName, Assert.ThrowsExactly<ImageTasksException>(() => shell with { Secrets = ["HF-TOKEN"] }).Code);
        Assert.AreEqual(ErrorCodes.InvalidSecretName, Assert.ThrowsExactly<ImageTasksException>(() => shell with { Secrets = ["A", "A"] }).Code);
        Assert.AreEqual(ErrorCodes.InvalidBuildEnvironment, Assert.ThrowsExactly<ImageTasksException>(() => shell with { BuildEnvironment = [new("1A", "x")] }).Code);
        Assert.AreEqual(ErrorCodes.InvalidFunction, Assert.ThrowsExactly<ImageTasksException>(() => Function(program: "../x")).Code);
    }

    async Task<BuildResult> BuildAsync(IReadOnlyDictionary<string, string> secrets, params BuildStep[] steps) =>
        await new ImageBuilder(_engine).BuildAsync(new ImageDefinition(ImageReference.Parse(Base), steps),
            new BuildOptions { CacheRepository = "cache", StateDirectory = null, SecretValues = secrets }, new ImageBuilderTests.Log(), default);

    [TestMethod]
    public async Task A_function_runs_its_program_from_a_step_volume_with_its_arguments_and_working_directory()
    {
        var function = new FunctionStep("Fetch", Function().PublishDirectory, "Fetch", ["--model", "small model"], Function("z").Inputs, [], "/srv/data");
        await BuildAsync(new Dictionary<string, string>(), function);
        var run = _engine.Runs.Single();
        CollectionAssert.AreEqual(new[] { FunctionStep.MountDirectory + "/Fetch", "--model", "small model" }, run.Command!.ToArray(), "argv, no shell");
        Assert.AreEqual("/srv/data", run.WorkingDirectory);
        Assert.AreEqual(FunctionStep.MountDirectory, run.Files!.Directory, "the program comes from a volume, not a layer");
        Assert.IsNull(run.Archive, "nothing is copied into the layer");
        Assert.IsNull(run.Config.WorkingDir, "the image's working directory is not the function's");
    }

    [TestMethod]
    public async Task A_secret_reaches_every_running_step_kind_as_a_file_and_a_variable_and_never_its_command_line()
    {
        var secrets = new Dictionary<string, string> { ["HF_TOKEN"] = Secret };
        string[] names = ["HF_TOKEN"];
        await BuildAsync(secrets,
            new ShellStep(["echo $HF_TOKEN"]) { Secrets = names, BuildEnvironment = [new("MODE", "fast")] },
            new AptStep([new AptPackage("jq")]) { Secrets = names },
            new PipStep([PipPackage.Create("pandas")], new PipOptions { IndexUrl = "https://u:pw@pypi.example.com/simple" }) { Secrets = names },
            new RunStep(["python", "-V"]) { Secrets = names },
            Function() with { Secrets = names });
        Assert.HasCount(5, _engine.Runs);
        foreach (var run in _engine.Runs)
        {
            Assert.IsFalse(run.Command!.Any(a => a.Contains(Secret, StringComparison.Ordinal)), "the value is in no argument: " + string.Join(" ", run.Command!));
            CollectionAssert.AreEqual(new[] { "/bin/sh", "-c", BuildSecrets.Wrapper, StepCommands.SecretsDir, "@HF_TOKEN" }, run.Command!.Take(5).ToArray());
            Assert.AreEqual(Secret, run.Secrets!.Files["HF_TOKEN"], "the value is a file of the step's secrets volume");
            Assert.AreEqual("*** and ***", run.Secrets.Mask(Secret + " and " + Secret), "and masked in its output");
            Assert.IsFalse(run.Config.Env.Any(e => e.Contains("HF_TOKEN", StringComparison.Ordinal) || e.Contains("MODE", StringComparison.Ordinal)), "not in the image's configuration");
        }
        Assert.IsTrue(_engine.Runs[0].Command!.Contains("MODE=fast"), "the build environment is exported by the wrapper");
        Assert.IsTrue(_engine.Runs[2].Secrets!.Files.ContainsKey("pip.conf"), "a pip step keeps its index credentials file beside the secret");
    }

    [TestMethod]
    public async Task A_new_secret_value_rebuilds_nothing()
    {
        var step = new ShellStep(["echo $HF_TOKEN"]) { Secrets = ["HF_TOKEN"] };
        await BuildAsync(new Dictionary<string, string> { ["HF_TOKEN"] = "one" }, step);
        var rebuilt = await BuildAsync(new Dictionary<string, string> { ["HF_TOKEN"] = "two" }, step);
        Assert.AreEqual(0, rebuilt.Built);
    }

    [TestMethod]
    public async Task A_failing_function_fails_with_its_exit_code_and_masked_last_lines()
    {
        _engine.ExitCodeOf = run => run.Files is null ? 0 : 42;
        _engine.LastLinesOf = _ => ["download failed for token " + Secret];
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            BuildAsync(new Dictionary<string, string> { ["HF_TOKEN"] = Secret }, Function() with { Secrets = ["HF_TOKEN"] }));
        Assert.AreEqual(ErrorCodes.StepFailed, error.Code);
        StringAssert.Contains(error.Message, "exit code 42");
        StringAssert.Contains(error.Message, "download failed for token ***");
        Assert.IsFalse(error.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_secret_without_a_value_fails_naming_it()
    {
        var error = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            BuildAsync(new Dictionary<string, string>(), new ShellStep(["true"]) { Secrets = ["HF_TOKEN"] }));
        Assert.AreEqual(ErrorCodes.SecretMissing, error.Code);
        StringAssert.Contains(error.Message, "\"HF_TOKEN\"");
    }
}
