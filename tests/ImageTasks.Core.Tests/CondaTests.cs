using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tests;

namespace ImageTasks.Core.Tests;

/// <summary>Conda steps (CondaPackage, CondaSpecFile, channels): checks, keys, and what the engine hands the backend
/// (on <see cref="FakeBackend"/>): micromamba's argv, the cache volume, a channel token kept off the command line.</summary>
[TestClass]
public sealed class CondaTests
{
    const string BaseId = "sha256:0123";
    const string Token = "tk-5ecret-c0nda-t0ken";
    const string TokenChannel = "https://conda.example.com/t/" + Token + "/private";
    TempFolder _folder = null!;

    [TestInitialize]
    public void Start() => _folder = new TempFolder();

    [TestCleanup]
    public void Stop() => _folder.Dispose();

    static string Key(params BuildStep[] steps) =>
        Planner.Plan(new ImageDefinition(ImageReference.Parse("debian:12"), steps), BaseId, new FileDigester()).Steps[^1].Key;

    static CondaStep Conda(IEnumerable<string> specs, params string[] channels) => new(specs.Select(s => new CondaPackage(s)), channels);

    [TestMethod]
    [DataRow("numpy", null, null, "numpy")]
    [DataRow("numpy", "1.26.*", null, "numpy=1.26.*")]
    [DataRow("numpy", ">=1.26,<2", null, "numpy>=1.26,<2")]
    [DataRow("numpy", "==1.26.4", "conda-forge", "conda-forge::numpy==1.26.4")]
    [DataRow("numpy>=1.26", null, null, "numpy>=1.26")]
    [DataRow("python 3.12.* *_cpython", null, null, "python 3.12.* *_cpython")]
    [DataRow("conda-forge::scipy", null, null, "conda-forge::scipy")]
    [DataRow("numpy", null, "https://conda.example.com/conda-forge", "https://conda.example.com/conda-forge::numpy")]
    public void A_package_reaches_micromamba_as_one_match_spec(string include, string? version, string? channel, string argument) =>
        Assert.AreEqual(argument, CondaPackage.Create(include, version, channel).Argument);

    [TestMethod]
    [DataRow("numpy; rm -rf /", null)]
    [DataRow("numpy$(reboot)", null)]
    [DataRow("numpy && reboot", null)]
    [DataRow("numpy`reboot`", null)]
    [DataRow("numpy'", null)]
    [DataRow("-y", null)]
    [DataRow("", null)]
    [DataRow("numpy", "1.26;reboot")]
    [DataRow("numpy", "$(reboot)")]
    public void A_spec_with_a_shell_metacharacter_is_IMG1046_with_the_value(string include, string? version)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => CondaPackage.Create(include, version));
        Assert.AreEqual(ErrorCodes.InvalidCondaSpec, e.Code, e.Message);
        StringAssert.Contains(e.Message, version ?? include.Trim());
    }

    [TestMethod]
    public void A_whole_spec_with_a_Version_too_is_IMG1046() =>
        Expect.Code(ErrorCodes.InvalidCondaSpec, "numpy>=1.26", () => CondaPackage.Create("numpy>=1.26", "1.27"));

    [TestMethod]
    [DataRow("conda forge")]
    [DataRow("conda-forge;reboot")]
    [DataRow("$(reboot)")]
    [DataRow("ftp://conda.example.com/x")]
    [DataRow("https://conda.example.com/x y")]
    [DataRow("https://conda.example.com/`reboot`")]
    [DataRow("-c")]
    public void An_invalid_channel_is_IMG1047_with_the_value(string channel)
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => Conda(["numpy"], channel));
        Assert.AreEqual(ErrorCodes.InvalidCondaChannel, e.Code, e.Message);
        StringAssert.Contains(e.Message, $"\"{channel}\"");
        e = Assert.ThrowsExactly<ImageTasksException>(() => CondaPackage.Create("numpy", channel: channel));
        Assert.AreEqual(ErrorCodes.InvalidCondaChannel, e.Code, e.Message);
    }

    [TestMethod]
    public void A_token_in_a_packages_Channel_is_IMG1047_without_the_token()
    {
        var e = Assert.ThrowsExactly<ImageTasksException>(() => CondaPackage.Create("numpy", channel: TokenChannel));
        Assert.AreEqual(ErrorCodes.InvalidCondaChannel, e.Code);
        Assert.IsFalse(e.Message.Contains(Token, StringComparison.Ordinal), e.Message);
        StringAssert.Contains(e.Message, CondaChannels.ChannelsVariable);
    }

    [TestMethod]
    public void A_missing_spec_file_or_one_with_a_token_is_IMG1048()
    {
        var missing = Path.Combine(_folder.Path, "env.txt");
        Expect.Code(ErrorCodes.InvalidCondaSpecFile, missing, () => new CondaStep([], [], missing));
        var withToken = _folder.File("env.yml", $"channels:\n  - {TokenChannel}\ndependencies:\n  - numpy\n");
        var e = Assert.ThrowsExactly<ImageTasksException>(() => new CondaStep([], [], withToken));
        Assert.AreEqual(ErrorCodes.InvalidCondaSpecFile, e.Code);
        Assert.IsFalse(e.Message.Contains(Token, StringComparison.Ordinal), e.Message);
    }

    [TestMethod]
    public void The_package_set_keys_in_any_order_and_channels_key_in_their_order()
    {
        Assert.AreEqual(Key(Conda(["numpy=1.26.*", "scipy", "pandas>=2"], "conda-forge", "bioconda")),
            Key(Conda(["pandas>=2", "numpy=1.26.*", "scipy"], "conda-forge", "bioconda")));
        Assert.AreNotEqual(Key(Conda(["numpy"], "conda-forge", "bioconda")), Key(Conda(["numpy"], "bioconda", "conda-forge")), "channel priority is their order");
        Assert.AreNotEqual(Key(Conda(["numpy"])), Key(Conda(["numpy=1.26"])));
        Assert.AreNotEqual(Key(Conda(["numpy"])), Key(Conda(["numpy"], "conda-forge")));
        Assert.AreNotEqual(Key(Conda(["numpy"])), Key(new CondaStep([CondaPackage.Create("numpy", channel: "conda-forge")])));
    }

    [TestMethod]
    public void A_channel_token_is_in_no_key_and_a_new_token_rebuilds_nothing()
    {
        var first = Planner.Plan(new ImageDefinition(ImageReference.Parse("debian:12"), [Conda(["numpy"], TokenChannel, "conda-forge")]), BaseId, new FileDigester());
        var other = Key(Conda(["numpy"], TokenChannel.Replace(Token, "another-token-value", StringComparison.Ordinal), "conda-forge"));
        Assert.AreEqual(first.Steps[^1].Key, other);
        Assert.AreNotEqual(other, Key(Conda(["numpy"], "https://conda.example.com/t/x/other", "conda-forge")), "the channel itself is keyed");
        Assert.IsFalse(first.Steps[^1].Step.Summary.Contains(Token, StringComparison.Ordinal), "the log's summary has no token");
        var userInfo = "https://user:" + Token + "@conda.example.com/private";
        Assert.AreEqual(Key(Conda(["numpy"], userInfo)), Key(Conda(["numpy"], "https://user:other-password@conda.example.com/private")));
        Assert.IsTrue(CondaChannels.HasCredentials(userInfo) && CondaChannels.HasCredentials("https://conda.example.com/private?token=" + Token));
        Assert.IsFalse(CondaChannels.Redact(userInfo).Contains(Token, StringComparison.Ordinal));
    }

    [TestMethod]
    public void A_spec_file_is_keyed_by_its_content_not_its_path()
    {
        var a = _folder.File("a/env.txt", "numpy=1.26\n");
        var b = _folder.File("b/other-name.txt", "numpy=1.26\n");
        Assert.AreEqual(Key(new CondaStep([], [], a)), Key(new CondaStep([], [], b)));
        File.WriteAllText(b, "numpy=1.27\n");
        Assert.AreNotEqual(Key(new CondaStep([], [], a)), Key(new CondaStep([], [], b)));
    }

    static async Task<FakeBackend> BuildAsync(bool cacheVolumes, Func<string, ProbeResult>? probes, params BuildStep[] steps)
    {
        var engine = new FakeBackend();
        if (probes is not null) engine.ProbeAnswer = probes;
        engine.AddImage("debian:12");
        await new ImageBuilder(engine).BuildAsync(new ImageDefinition(ImageReference.Parse("debian:12"), steps),
            new BuildOptions { CacheRepository = "cache", StateDirectory = null, UseCacheVolumes = cacheVolumes }, new RecordingLog(), default);
        return engine;
    }

    [TestMethod]
    public async Task The_engine_runs_micromamba_install_with_separate_arguments_and_the_conda_cache_volume()
    {
        var specFile = _folder.File("env.txt", "scipy\n");
        var engine = await BuildAsync(true, null, Conda(["numpy=1.26.*", "python 3.12.*"], "conda-forge", "bioconda"), new CondaStep([], ["conda-forge"], specFile));
        var argv = engine.Runs[0].Command!;
        CollectionAssert.AreEqual(new[] { "micromamba", "install", "-y", "-n", "base", "-c", "conda-forge", "-c", "bioconda", "numpy=1.26.*", "python 3.12.*" },
            argv.SkipWhile(a => a != "micromamba").ToArray());
        CollectionAssert.AreEqual(new[] { "sh", "-c" }, argv.Take(2).ToArray(), "a fixed script, every value an argument after it");
        Assert.AreEqual(StepCommands.CondaPackagesDir, engine.Runs[0].CacheMounts.Single(m => m.Key.EndsWith("-conda", StringComparison.Ordinal)).Value);
        Assert.IsNull(engine.Runs[0].Secrets, "no token, no spec file: nothing in the step's volume");
        var withFile = engine.Runs[1];
        CollectionAssert.AreEqual(new[] { "-f", StepVolume.Inputs + "/conda-spec.txt" }, withFile.Command!.SkipWhile(a => a != "-f").ToArray());
        Assert.AreEqual("inputs/conda-spec.txt", withFile.Secrets!.HostFiles.Single().Key);
        Assert.AreEqual(specFile, withFile.Secrets.HostFiles.Single().Value);
    }

    [TestMethod]
    public async Task Without_cache_volumes_the_package_cache_is_a_folder_the_step_removes()
    {
        var engine = await BuildAsync(false, null, Conda(["numpy"]));
        Assert.AreEqual(0, engine.Runs[0].CacheMounts.Count);
        Assert.IsTrue(engine.Runs[0].Command!.Contains("/tmp/imagetasks-conda-pkgs"));
    }

    [TestMethod]
    public async Task A_channel_token_reaches_micromamba_in_a_file_of_the_step_volume_never_its_command_line()
    {
        var engine = await BuildAsync(true, null, Conda(["numpy"], TokenChannel, "conda-forge"));
        var run = engine.Runs[0];
        Assert.IsFalse(run.Command!.Any(a => a.Contains(Token, StringComparison.Ordinal)), string.Join(" ", run.Command!));
        Assert.IsFalse(run.Command!.SkipWhile(a => a != "micromamba").Contains("-c"), "every channel goes in the file, in its order");
        CollectionAssert.IsSubsetOf(new[] { "--rc-file", "/proc/self/fd/9", StepVolume.Directory + "/mambarc" }, run.Command!.ToArray());
        Assert.AreEqual($"channels:\n  - \"{TokenChannel}\"\n  - \"conda-forge\"\n", run.Secrets!.Files["mambarc"]);
        Assert.AreEqual("output with *** in it", run.Secrets.Mask($"output with {Token} in it"));
        Assert.IsFalse(run.Comment!.Contains(Token, StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_base_without_micromamba_is_IMG4108_and_runs_nothing()
    {
        var engine = new FakeBackend { ProbeAnswer = c => c.StartsWith("micromamba", StringComparison.Ordinal) ? new ProbeResult(127, ["micromamba: not found"]) : new ProbeResult(0, []) };
        engine.AddImage("debian:12");
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() => new ImageBuilder(engine).BuildAsync(
            new ImageDefinition(ImageReference.Parse("debian:12"), [Conda(["numpy"])]),
            new BuildOptions { CacheRepository = "cache", StateDirectory = null }, new RecordingLog(), default));
        Assert.AreEqual(ErrorCodes.BaseLacksMicromamba, e.Code);
        StringAssert.Contains(e.Message, "debian:12");
        Assert.AreEqual(0, engine.Runs.Count);
    }

    [TestMethod]
    public async Task A_conda_step_that_installs_python_makes_the_pip_steps_python_check_moot()
    {
        var engine = await BuildAsync(true, c => c.StartsWith("python", StringComparison.Ordinal) ? new ProbeResult(127, ["python: not found"]) : new ProbeResult(0, []),
            Conda(["python=3.12"]), new PipStep([PipPackage.Create("imgt-colors")]));
        Assert.AreEqual(2, engine.Runs.Count);
        Assert.IsFalse(engine.Probes.Any(p => p.Command.StartsWith("python", StringComparison.Ordinal)));
    }
}
