using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tests;

namespace ImageTasks.Core.Tests;

/// <summary>PEP 508 requirements, requirements files with their includes, pyproject.toml: parsing, checks and keys,
/// and what the engine hands the backend (on <see cref="FakeBackend"/>).</summary>
[TestClass]
public sealed class PythonPackagingTests
{
    const string BaseId = "sha256:0123";
    TempFolder _folder = null!;

    [TestInitialize]
    public void Start() => _folder = new TempFolder();

    [TestCleanup]
    public void Stop() => _folder.Dispose();

    string Write(string relative, string content) => _folder.File(relative, content);

    static string Key(params BuildStep[] steps) =>
        Planner.Plan(new ImageDefinition(ImageReference.Parse("debian:12"), steps), BaseId, new FileDigester()).Steps[^1].Key;

    [TestMethod]
    [DataRow("requests", "requests")]
    [DataRow("Uvicorn [ standard , http2 ] >= 0.20", "Uvicorn[standard,http2]>=0.20")]
    [DataRow("pandas (>=2.0, <3.0)", "pandas>=2.0,<3.0")]
    [DataRow("colors>=1.0;python_version<'3.12' and (sys_platform=='linux' or os_name == \"posix\")",
        "colors>=1.0; python_version < \"3.12\" and (sys_platform == \"linux\" or os_name == \"posix\")")]
    [DataRow("tomli; python_version not in '3.11, 3.12'", "tomli; python_version not in \"3.11, 3.12\"")]
    [DataRow("colors @ https://files.example.com/colors-1.0-py3-none-any.whl#sha256=ab12", "colors @ https://files.example.com/colors-1.0-py3-none-any.whl#sha256=ab12")]
    [DataRow("colors[x] @ https://h.example/c.whl ; extra == 'x'", "colors[x] @ https://h.example/c.whl ; extra == \"x\"")]
    [DataRow("lib @ git+https://git.example.com/org/lib.git@v1.2#subdirectory=py", "lib @ git+https://git.example.com/org/lib.git@v1.2#subdirectory=py")]
    public void Every_requirement_form_reaches_pip_as_one_normalized_argument(string text, string requirement) =>
        Assert.AreEqual(requirement, Pep508.Parse(text).Requirement);

    [TestMethod]
    [DataRow("x; rm -rf /", ErrorCodes.InvalidPipVersion, "rm -rf /")]
    [DataRow("x; python_version <", ErrorCodes.InvalidPipVersion, "python_version <")]
    [DataRow("x; python_version < '3.12", ErrorCodes.InvalidPipVersion, "python_version < '3.12")]
    [DataRow("x; (python_version < '3.12'", ErrorCodes.InvalidPipVersion, "(python_version < '3.12'")]
    [DataRow("x; python_version $ '3'", ErrorCodes.InvalidPipVersion, "python_version $ '3'")]
    [DataRow("x @ https://example.com/$(reboot).whl", ErrorCodes.InvalidPipName, "https://example.com/$(reboot).whl")]
    [DataRow("x @ https://example.com/a.whl;reboot", ErrorCodes.InvalidPipName, "https://example.com/a.whl;reboot")]
    [DataRow("x @ https://example.com/a.whl`reboot`", ErrorCodes.InvalidPipName, "https://example.com/a.whl`reboot`")]
    [DataRow("x @ ftp://example.com/a.whl", ErrorCodes.InvalidPipName, "ftp://example.com/a.whl")]
    [DataRow("x @ https://user:token@example.com/a.whl", ErrorCodes.InvalidPipName, "credentials")]
    [DataRow("x && reboot", ErrorCodes.InvalidPipName, "&& reboot")]
    [DataRow("x[a b]", ErrorCodes.InvalidPipName, "x[a b]")]
    [DataRow("-e .", ErrorCodes.InvalidPipName, "-e .")]
    [DataRow("x >=1.0.0-foo", ErrorCodes.InvalidPipVersion, ">=1.0.0-foo")]
    public void A_bad_requirement_is_refused_with_its_code_and_reason(string text, string code, string quoted)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => Pep508.Parse(text));
        Assert.AreEqual(code, e.Code, e.Message);
        StringAssert.Contains(e.Message, quoted);
        Assert.IsFalse(e.Message.Contains("token", StringComparison.Ordinal), "a credential is never repeated");
    }

    [TestMethod]
    public void A_marker_written_another_way_keys_the_same_and_a_new_marker_rebuilds()
    {
        string K(string text) => Key(new PipStep([Pep508.Parse(text)]));
        Assert.AreEqual(K("colors; python_version<'3.12'"), K("colors ;  python_version < \"3.12\""));
        Assert.AreNotEqual(K("colors; python_version<'3.12'"), K("colors; python_version<'3.13'"));
        Assert.AreNotEqual(K("colors"), K("colors; python_version<'3.12'"));
        Assert.AreNotEqual(K("colors"), K("colors @ https://h.example/colors-1.0-py3-none-any.whl"));
        Assert.AreEqual(Key(new PipStep([PipPackage.Create("colors", "1.0")])), K("colors==1.0"), "a plain requirement keys as a PipPackage always did");
    }

    [TestMethod]
    public void A_local_wheel_is_keyed_by_its_content_and_named_in_the_step_volume()
    {
        var wheel = Write("wheels/imgt_colors-2.0.0-py3-none-any.whl", "wheel bytes");
        var package = Pep508.LocalFile(wheel);
        Assert.AreEqual("imgt-colors", package.NormalizedName);
        Assert.AreEqual(StepVolume.LocalPackages + "/imgt_colors-2.0.0-py3-none-any.whl", package.Requirement);
        var before = Key(new PipStep([package]));
        File.WriteAllText(wheel, "other wheel bytes");
        Assert.AreNotEqual(before, Key(new PipStep([package])), "new content, new key");
        Expect.Code(ErrorCodes.InvalidLocalPipPackage, Path.Combine(_folder.Path, "notes.txt"), () => Pep508.LocalFile(Path.Combine(_folder.Path, "notes.txt")));
        Assert.IsTrue(Pep508.IsLocalPath("./dist/mylib-1.0.tar.gz"));
        Assert.IsFalse(Pep508.IsLocalPath("mylib @ https://h.example/mylib-1.0.tar.gz"));
    }

    [TestMethod]
    public void A_requirements_file_pulls_in_its_includes_constraints_local_paths_and_find_links_folders()
    {
        var top = Write("app/requirements.txt", """
            # comment
            -r common/base.txt
            --constraint=../shared/constraints.txt   # trailing comment
            -f ./wheels
            ./local/mylib-1.0-py3-none-any.whl ; python_version >= "3.8"
            imgt-greeting>=1.0 \
              --hash=sha256:abcd
            -r https://example.com/remote.txt
            /wheels-in-image/x-1.0-py3-none-any.whl
            """);
        var common = Write("app/common/base.txt", "-c more.txt\nimgt-colors\n");
        var more = Write("app/common/more.txt", "imgt-colors<3\n");
        var constraints = Write("shared/constraints.txt", "imgt-colors>=1\n");
        Write("app/wheels/a-1.0-py3-none-any.whl", "a");
        var local = Write("app/local/mylib-1.0-py3-none-any.whl", "mylib");
        CollectionAssert.AreEquivalent(
            new[] { top, common, more, constraints, Path.Combine(_folder.Path, "app", "wheels"), local },
            RequirementsFiles.Collect(top).ToArray());

        var step = new PipRequirementsStep(top);
        var plan = Planner.Plan(new ImageDefinition(ImageReference.Parse("debian:12"), [step]), BaseId, new FileDigester());
        CollectionAssert.Contains(plan.Steps[0].Files.Select(f => f.ImagePath).ToArray(), StepVolume.Inputs + "/shared/constraints.txt", "mirrored relative to the folder that holds them all");
        var argv = StepCommands.PipRequirements(step, plan.Steps[0].Files);
        CollectionAssert.IsSubsetOf(new[] { StepVolume.Inputs + "/app", "-r", StepVolume.Inputs + "/app/requirements.txt" }, argv.ToArray());
    }

    [TestMethod]
    public void A_changed_include_rebuilds_the_layer_and_an_unrelated_file_does_not()
    {
        var top = Write("requirements.txt", "-r base.txt\n-c constraints.txt\n");
        var included = Write("base.txt", "imgt-colors\n");
        Write("constraints.txt", "imgt-colors<3\n");
        var unrelated = Write("other.txt", "numpy\n");
        var step = new PipRequirementsStep(top);
        var before = Key(step);
        File.WriteAllText(unrelated, "scipy\n");
        Assert.AreEqual(before, Key(step), "an unrelated file changes nothing");
        File.WriteAllText(included, "imgt-colors==2.0.0\n");
        Assert.AreNotEqual(before, Key(step), "an included file's change rebuilds");
    }

    [TestMethod]
    public void The_requirements_key_holds_no_host_path()
    {
        var a = Write("one/requirements.txt", "-r base.txt\n");
        Write("one/base.txt", "imgt-colors\n");
        var b = Write("two/deeper/requirements.txt", "-r base.txt\n");
        Write("two/deeper/base.txt", "imgt-colors\n");
        Assert.AreEqual(Key(new PipRequirementsStep(a)), Key(new PipRequirementsStep(b)), "a moved project folder keeps its keys");
        Assert.AreNotEqual(Key(new PipRequirementsStep(a)), Key(new PipRequirementsStep(a, new PipOptions { Pre = true })), "options are keyed as PipPackage's");
    }

    [TestMethod]
    public void A_missing_include_is_refused_before_anything_runs()
    {
        var top = Write("requirements.txt", "-r missing.txt\n");
        var e = Assert.ThrowsExactly<ImageTasksException>(() => Key(new PipRequirementsStep(top)));
        Assert.AreEqual(ErrorCodes.InvalidRequirementsFile, e.Code);
        StringAssert.Contains(e.Message, "missing.txt");
    }

    [TestMethod]
    public async Task The_engine_mounts_requirements_files_in_the_step_volume_and_runs_pip_as_separate_arguments()
    {
        var top = Write("requirements.txt", "-r base.txt\n");
        Write("base.txt", "imgt-colors\n");
        var wheel = Write("imgt_greeting-2.0.0-py3-none-any.whl", "wheel");
        var engine = new FakeBackend();
        engine.AddImage("debian:12");
        engine.ProbeAnswer = command => command.StartsWith("python -c", StringComparison.Ordinal) ? new ProbeResult(0, ["3.11"]) : new ProbeResult(0, []);
        var state = Directory.CreateTempSubdirectory("imagetasks-state-").FullName;
        try
        {
            await new ImageBuilder(engine).BuildAsync(
                new ImageDefinition(ImageReference.Parse("debian:12"), [new PipRequirementsStep(top), new PipStep([Pep508.LocalFile(wheel)])]),
                new BuildOptions { CacheRepository = "cache", StateDirectory = state }, new NullLog(), default);
        }
        finally { Directory.Delete(state, recursive: true); }
        var (requirements, local) = (engine.Runs[0], engine.Runs[1]);
        CollectionAssert.AreEquivalent(new[] { "inputs/requirements.txt", "inputs/base.txt" }, requirements.Secrets!.HostFiles.Select(f => f.Key).ToArray());
        Assert.AreEqual(0, requirements.Secrets.Files.Count, "no secret without credentials");
        Assert.AreEqual("packages/imgt_greeting-2.0.0-py3-none-any.whl", local.Secrets!.HostFiles.Single().Key);
        Assert.AreEqual(StepVolume.LocalPackages + "/imgt_greeting-2.0.0-py3-none-any.whl", local.Command![^1]);
    }

    static async Task<FakeBackend> AddPythonAsync(string version, Func<string, ProbeResult> probes)
    {
        var engine = new FakeBackend { ProbeAnswer = probes };
        engine.AddImage("debian:12");
        await new ImageBuilder(engine).BuildAsync(
            new ImageDefinition(ImageReference.Parse("debian:12"), [new AddPythonStep(version), new PipStep([PipPackage.Create("imgt-colors")])]),
            new BuildOptions { CacheRepository = "cache", StateDirectory = null }, new NullLog(), default);
        return engine;
    }

    static ProbeResult Bookworm(string command) => command.Contains("os-release", StringComparison.Ordinal) ? new ProbeResult(0, ["bookworm"]) : new ProbeResult(0, []);

    [TestMethod]
    public async Task ImageAddPython_installs_debians_python_before_the_pip_steps_without_probing_for_python()
    {
        var engine = await AddPythonAsync("3.11", Bookworm);
        var argv = engine.Runs[0].Command!;
        CollectionAssert.AreEqual(new[] { "env", "IMAGETASKS_PYTHON=3.11" }, argv.Take(2).ToArray(), "the version reaches the fixed script through env");
        CollectionAssert.IsSubsetOf(AddPythonStep.Packages.ToArray(), argv.ToArray());
        Assert.IsFalse(engine.Probes.Any(p => p.Command.StartsWith("python", StringComparison.Ordinal)), "the base's missing Python is not an error");
    }

    [TestMethod]
    public async Task ImageAddPython_on_a_base_that_cannot_take_it_is_IMG4106_and_runs_nothing()
    {
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => AddPythonAsync("3.12", Bookworm));
        Assert.AreEqual(ErrorCodes.BaseCannotAddPython, e.Code);
        StringAssert.Contains(e.Message, "bookworm");
        e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => AddPythonAsync("3.11", c => c.Contains("apt-get", StringComparison.Ordinal) ? new ProbeResult(1, ["apk"]) : new ProbeResult(0, [])));
        Assert.AreEqual(ErrorCodes.BaseCannotAddPython, e.Code);
        StringAssert.Contains(e.Message, "'apk'");
        Expect.Code(ErrorCodes.InvalidPythonVersion, "3", () => new AddPythonStep("3"));
        Expect.Code(ErrorCodes.InvalidPythonVersion, "3.11; reboot", () => new AddPythonStep("3.11; reboot"));
    }

    [TestMethod]
    public async Task A_git_reference_on_a_base_without_git_is_IMG4107_unless_an_apt_step_installs_git()
    {
        var git = Pep508.Parse("lib @ git+https://git.example.com/lib.git@v1");
        Task Build(FakeBackend engine, params BuildStep[] steps) => new ImageBuilder(engine).BuildAsync(
            new ImageDefinition(ImageReference.Parse("debian:12"), steps), new BuildOptions { CacheRepository = "cache", StateDirectory = null }, new NullLog(), default);
        FakeBackend NoGit()
        {
            var engine = new FakeBackend { ProbeAnswer = c => c.StartsWith("git", StringComparison.Ordinal) ? new ProbeResult(127, ["git: not found"]) : new ProbeResult(0, ["3.11"]) };
            engine.AddImage("debian:12");
            return engine;
        }
        var bare = NoGit();
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => Build(bare, new PipStep([git])));
        Assert.AreEqual(ErrorCodes.BaseLacksGit, e.Code);
        StringAssert.Contains(e.Message, "git+https://git.example.com/lib.git@v1");
        Assert.AreEqual(0, bare.Runs.Count, "nothing ran");
        var withApt = NoGit();
        await Build(withApt, new AptStep([new AptPackage("git")]), new PipStep([git]));
        Assert.AreEqual(2, withApt.Runs.Count, "an apt step that installs git makes the check moot");
    }

    sealed class NullLog : IBuildLog
    {
        public void Info(string message) { }
        public void StepOutput(PlannedStep step, string line) { }
        public void Warning(string code, string message) { }
    }

    [TestMethod]
    public void A_pyproject_gives_its_dependencies_and_the_chosen_optional_groups()
    {
        var path = Write("pyproject.toml", """
            [project]
            name = "app"
            version = "1.0"
            dependencies = ["imgt-greeting>=1.0", "tomli; python_version < '3.11'"]

            [project.optional-dependencies]
            dev = ["imgt-colors==2.0.0"]
            Test_Tools = ["pytest @ https://h.example/pytest-8.0-py3-none-any.whl"]
            """);
        string Names(params string[] groups) => string.Join(" | ", PyProject.Requirements(path, groups).Select(p => p.Requirement));
        Assert.AreEqual("imgt-greeting>=1.0 | tomli; python_version < \"3.11\"", Names());
        Assert.AreEqual("imgt-greeting>=1.0 | tomli; python_version < \"3.11\" | imgt-colors==2.0.0 | pytest @ https://h.example/pytest-8.0-py3-none-any.whl",
            Names("dev", "test-tools"));
        Expect.Code(ErrorCodes.UnknownOptionalDependencies, "docs", () => PyProject.Requirements(path, ["docs"]));
        Assert.AreNotEqual(Key(new PipStep(PyProject.Requirements(path, []))), Key(new PipStep(PyProject.Requirements(path, ["dev"]))));
    }

    [TestMethod]
    public void A_broken_pyproject_is_refused_with_the_reason()
    {
        Assert.AreEqual(ErrorCodes.InvalidPyProject, Assert.ThrowsExactly<ImageTasksException>(() => PyProject.Requirements(Write("a.toml", "[project\nx = 1"), [])).Code);
        Assert.AreEqual(ErrorCodes.InvalidPyProject, Assert.ThrowsExactly<ImageTasksException>(() => PyProject.Requirements(Write("b.toml", "[tool.x]\ny = 1\n"), [])).Code);
        Assert.AreEqual(ErrorCodes.InvalidPyProject, Assert.ThrowsExactly<ImageTasksException>(() => PyProject.Requirements(Write("c.toml", "[project]\ndependencies = \"x\"\n"), [])).Code);
        var e = Assert.ThrowsExactly<ImageTasksException>(() => PyProject.Requirements(Write("d.toml", "[project]\ndependencies = [\"x; rm -rf /\"]\n"), []));
        Assert.AreEqual(ErrorCodes.InvalidPipVersion, e.Code);
    }
}
