using System.Security.Cryptography;
using System.Text;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Planning;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>
/// Conda steps on the test bed's micromamba STAND-IN (testbed.sh conda: a script at /usr/local/bin/micromamba that
/// records its arguments and writes conda-meta files; no real micromamba and no conda channel are reachable here). What
/// is tested is ImageTasks' side: the argv micromamba gets, one layer per step, the cache volume, the channel token kept
/// out of the command line, history, layers, output and key, and the base check.
/// </summary>
[TestClass]
public sealed class CondaStandInTests : EngineFixture
{
    const string Calls = "/opt/conda/imagetasks-standin/calls";
    TempFolder _folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [TestInitialize]
    public void Start() => _folder = new TempFolder();

    [TestCleanup]
    public void Stop() => _folder.Dispose();

    static string NewTag() => $"imagetasks-test/conda:{Guid.NewGuid():N}";

    static int LayerCount(string image) => int.Parse(TestBed.Docker("image", "inspect", "-f", "{{len .RootFS.Layers}}", image).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    static string Lines(params string[] lines) => string.Join("\n", lines);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Micromamba_gets_its_arguments_as_given_one_layer_a_step_with_its_package_cache_in_the_conda_volume()
    {
        var specFile = _folder.File("environment.yml", "name: app\nchannels:\n  - conda-forge\ndependencies:\n  - scipy=1.11\n  - pandas>=2\n");
        var packages = new CondaStep([CondaPackage.Create("numpy", "1.26.*"), new CondaPackage("python 3.12.*"), CondaPackage.Create("xz", channel: "conda-forge")], ["conda-forge", "bioconda"]);
        var fromFile = new CondaStep([], ["conda-forge"], specFile);
        var tag = NewTag();
        var ct = TestContext.CancellationTokenSource.Token;

        var result = await BuildAsync(Definition(TestBed.MicromambaBase, packages, fromFile), Options(tag), cancellationToken: ct);
        Assert.AreEqual(2, result.Built);
        Assert.AreEqual(LayerCount(TestBed.MicromambaBase) + 2, LayerCount(tag), "one layer per step");
        Assert.AreEqual(Lines("install", "-y", "-n", "base", "-c", "conda-forge", "-c", "bioconda", "numpy=1.26.*", "python 3.12.*", "conda-forge::xz"),
            RunInImage(tag, "cat", $"{Calls}/0001.argv"));
        Assert.AreEqual(Lines("install", "-y", "-n", "base", "-c", "conda-forge", "-f", StepVolume.Inputs + "/conda-spec.yml"), RunInImage(tag, "cat", $"{Calls}/0002.argv"));
        Assert.AreEqual(Lines("numpy-1.26.0-0.json", "pandas-2-0.json", "python-3.12.0-0.json", "scipy-1.11-0.json", "xz-0-0.json"),
            RunInImage(tag, "ls", "/opt/conda/conda-meta"), "the records micromamba writes for what it installed");
        Assert.AreEqual("absent", RunInImage(tag, "sh", "-c", $"test -e {StepVolume.Inputs} && echo present || echo absent"), "the spec file came through the step's volume");

        // the package cache: the conda volume at /mnt during the step, never in the layer
        Assert.AreEqual("CONDA_PKGS_DIRS=/mnt", RunInImage(tag, "cat", $"{Calls}/0001.env"));
        Assert.AreEqual(RunInImage(TestBed.MicromambaBase, "ls", "-A", "/mnt"), RunInImage(tag, "ls", "-A", "/mnt"), "the layer keeps nothing of the cache");
        var volume = CacheRepository + "-conda";
        StringAssert.Contains(TestBed.Docker("run", "--rm", "-v", volume + ":/cache", "--entrypoint", "", TestBed.MicromambaBase, "ls", "/cache"), "numpy-1.26.0-0.tar.bz2");

        // a second, forced build finds the downloads in the volume
        var log = new CollectingLog();
        var forced = await BuildAsync(Definition(TestBed.MicromambaBase, packages with { Force = true }), Options(tag), log, ct);
        Assert.AreEqual(1, forced.Built);
        CollectionAssert.Contains(log.Output.Select(o => o.Line.Trim()).ToList(), "numpy 1.26.0: found in the package cache");

        // the package set in another order is the same layer
        var reordered = new CondaStep([new CondaPackage("conda-forge::xz"), new CondaPackage("python 3.12.*"), new CondaPackage("numpy=1.26.*")], ["conda-forge", "bioconda"]);
        Assert.AreEqual(0, (await BuildAsync(Definition(TestBed.MicromambaBase, reordered), Options(tag), cancellationToken: ct)).Built);
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_channel_token_reaches_micromamba_and_nothing_else()
    {
        var token = "tok" + Guid.NewGuid().ToString("N");
        var channels = new[] { $"https://conda.example.com/t/{token}/private", "conda-forge" };
        var step = new CondaStep([new CondaPackage("numpy")], channels);
        var tag = NewTag();
        var log = new CollectingLog();

        var result = await BuildAsync(Definition(TestBed.MicromambaBase, step), Options(tag), log, TestContext.CancellationTokenSource.Token);
        Assert.AreEqual(1, result.Built);
        Assert.AreEqual(Lines("install", "-y", "-n", "base", "--rc-file", "/proc/self/fd/9", "numpy"), RunInImage(tag, "cat", $"{Calls}/0001.argv"),
            "the channels are in the configuration file, not on the command line");
        var rc = $"channels:\n  - \"{channels[0]}\"\n  - \"conda-forge\"\n";
        Assert.AreEqual(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(rc))).ToLowerInvariant(), RunInImage(tag, "cat", $"{Calls}/0001.rc-sha256"),
            "micromamba read the channels, the token with them, in their order");

        var output = log.Output.Select(o => o.Line).ToList();
        CollectionAssert.Contains(output.Select(l => l.Trim()).ToList(), "- \"https://conda.example.com/t/***/private\"", "the stand-in printed the channel: masked");
        var everything = string.Join("\n", log.Lines.Concat(output));
        Assert.IsFalse(everything.Contains(token, StringComparison.Ordinal), "not in the log");
        Assert.IsFalse(TestBed.Docker("history", "--no-trunc", "--format", "{{.CreatedBy}} {{.Comment}}", tag).Contains(token, StringComparison.Ordinal), "not in the history");
        Assert.IsFalse(TestBed.Docker("image", "inspect", tag).Contains(token, StringComparison.Ordinal), "not in the image config");
        var saved = Path.Combine(_folder.Path, "image.tar");
        TestBed.Docker("save", "-o", saved, tag);
        Assert.AreEqual(-1, File.ReadAllBytes(saved).AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)), "not in any layer");
        Assert.AreEqual(RunInImage(TestBed.MicromambaBase, "ls", "-A", "/run"), RunInImage(tag, "ls", "-A", "/run"), "the configuration file went with the step's volume");

        string Key(string t) => Planner.Plan(Definition(TestBed.MicromambaBase, new CondaStep([new CondaPackage("numpy")], [channels[0].Replace(token, t, StringComparison.Ordinal), "conda-forge"])),
            result.BaseImageId, new FileDigester()).Steps[0].Key;
        Assert.AreEqual(result.Layers[0].Step.Key, Key(token));
        Assert.AreEqual(Key(token), Key("another-token"), "the token is not part of the key");
        Assert.IsFalse(result.Layers[0].Step.Key.Contains(token, StringComparison.Ordinal));
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_base_without_micromamba_is_IMG4108_before_anything_runs()
    {
        var log = new CollectingLog();
        var e = await Assert.ThrowsExactlyAsync<ImageTasksException>(() =>
            BuildAsync(Definition(TestBed.BasePlain, new ShellStep(["echo never"]), new CondaStep([new CondaPackage("numpy")])), Options(), log, TestContext.CancellationTokenSource.Token));
        Assert.AreEqual(ErrorCodes.BaseLacksMicromamba, e.Code, e.Message);
        StringAssert.Contains(e.Message, TestBed.BasePlain);
        Assert.IsFalse(log.Output.Any(), "no step ran");
    }
}
