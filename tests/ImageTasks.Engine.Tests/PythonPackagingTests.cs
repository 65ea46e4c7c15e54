using ImageTasks.Definition;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

/// <summary>Requirements files with includes, pyproject.toml, markers, direct URLs and local wheels, installed by pip
/// from the test bed's index on the test bed's Python base (Debian's Python 3.11).</summary>
[TestClass]
public sealed class PythonPackagingTests : EngineFixture
{
    static readonly PipOptions Index = new() { IndexUrl = TestBed.PypiUrl, ExtraOptions = ["--trusted-host=127.0.0.1"] };
    const string Versions = "import importlib.metadata as m\nfor n in ('imgt-greeting', 'imgt-colors'):\n    try: print(n, m.version(n))\n    except m.PackageNotFoundError: print(n, 'absent')";

    TempFolder _folder = null!;

    [TestInitialize]
    public void Start() => _folder = new TempFolder();

    [TestCleanup]
    public void Stop() => _folder.Dispose();

    string Write(string relative, string content) => _folder.File(relative, content);

    static string Installed(string tag) => RunInImage(tag, "python3", "-c", Versions).ReplaceLineEndings("; ");

    static string NewTag() => $"imagetasks-test/python:{Guid.NewGuid():N}";

    [TestMethod]
    public async Task A_requirements_file_installs_with_its_r_and_c_includes_and_only_an_included_change_rebuilds()
    {
        var top = Write("app/requirements.txt", "-r base.txt\n-c ../constraints.txt\n");
        Write("app/base.txt", "imgt-greeting\n");
        var constraints = Write("constraints.txt", "imgt-greeting==1.0.0\n");
        var unrelated = Write("app/notes.txt", "not read\n");
        var step = new PipRequirementsStep(top, Index);
        var tag = NewTag();

        var first = await BuildAsync(Definition(TestBed.BasePython, step), Options(tag));
        Assert.AreEqual(1, first.Built);
        Assert.AreEqual("imgt-greeting 1.0.0; imgt-colors 1.0.0", Installed(tag), "the constraint of the -c file held");
        Assert.AreEqual("absent", RunInImage(tag, "sh", "-c", $"test -e {StepVolume.Inputs} && echo present || echo absent"),
            "the files came through the step's volume, not the image");

        File.WriteAllText(unrelated, "changed\n");
        Assert.AreEqual(0, (await BuildAsync(Definition(TestBed.BasePython, step), Options(tag))).Built, "an unrelated file rebuilds nothing");

        File.WriteAllText(constraints, "imgt-greeting==2.0.0\n");
        Assert.AreEqual(1, (await BuildAsync(Definition(TestBed.BasePython, step), Options(tag))).Built, "a changed include rebuilds the layer");
        Assert.AreEqual("imgt-greeting 2.0.0; imgt-colors 2.0.0", Installed(tag));
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task A_pyproject_installs_its_dependencies_with_and_without_optional_groups()
    {
        var path = Write("pyproject.toml", """
            [project]
            name = "app"
            version = "0.1"
            dependencies = ["imgt-colors==1.0.0"]

            [project.optional-dependencies]
            greet = ["imgt-greeting==1.0.0"]
            """);
        var tag = NewTag();
        await BuildAsync(Definition(TestBed.BasePython, new PipStep(PyProject.Requirements(path, []), Index)), Options(tag));
        Assert.AreEqual("imgt-greeting absent; imgt-colors 1.0.0", Installed(tag));
        await BuildAsync(Definition(TestBed.BasePython, new PipStep(PyProject.Requirements(path, ["greet"]), Index)), Options(tag));
        Assert.AreEqual("imgt-greeting 1.0.0; imgt-colors 1.0.0", Installed(tag), "the chosen group is installed");
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task A_marker_excludes_a_package_on_the_bases_python()
    {
        var tag = NewTag();
        var step = new PipStep([Pep508.Parse("imgt-colors==2.0.0; python_version >= '3.11'"), Pep508.Parse("imgt-greeting; python_version < '3.11'")], Index);
        await BuildAsync(Definition(TestBed.BasePython, step), Options(tag));
        Assert.AreEqual("imgt-greeting absent; imgt-colors 2.0.0", Installed(tag), "Python 3.11 takes the first and skips the second");
        TestBed.Docker("rmi", tag);
    }

    [TestMethod]
    public async Task ImageAddPython_on_the_plain_debian_base_makes_a_pip_step_work()
    {
        var tag = NewTag();
        var result = await BuildAsync(Definition(TestBed.BasePlain, new AddPythonStep("3.11"), new PipStep([PipPackage.Create("imgt-greeting", "1.0.0")], Index)), Options(tag));
        Assert.AreEqual(2, result.Built);
        Assert.AreEqual("hello x in blue (greeting 1.0.0, colors 1.0.0)", RunInImage(tag, "python", "-c", "import imgt_greeting; print(imgt_greeting.greet('x'))"));
        TestBed.Docker("rmi", tag);
        var e = await Assert.ThrowsExactlyAsync<Diagnostics.ImageTasksException>(() => BuildAsync(Definition(TestBed.BasePlain, new AddPythonStep("3.12"))));
        Assert.AreEqual(Diagnostics.ErrorCodes.BaseCannotAddPython, e.Code, e.Message);
    }

    [TestMethod]
    public async Task A_git_reference_installs_from_a_bare_repository_served_over_http()
    {
        // a bare repository with a small setuptools project, tagged v0.3.0, served as git's "dumb" http protocol
        var work = Path.Combine(_folder.Path, "work");
        Write("work/pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"imgt-gitpkg\"\nversion = \"0.3.0\"\n");
        Write("work/imgt_gitpkg.py", "VALUE = 'from git'\n");
        void Git(string folder, params string[] args)
        {
            var run = TestBed.Run("git", ["-C", folder, "-c", "user.name=t", "-c", "user.email=t@example.com", .. args]);
            Assert.AreEqual(0, run.Code, run.Stderr);
        }
        Git(work, "init", "-q");
        Git(work, "add", ".");
        Git(work, "commit", "-q", "-m", "v0.3.0");
        Git(work, "tag", "v0.3.0");
        Git(_folder.Path, "clone", "-q", "--bare", work, Path.Combine(_folder.Path, "served", "gitpkg.git"));
        Git(Path.Combine(_folder.Path, "served", "gitpkg.git"), "update-server-info");
        var port = FreePort();
        using var server = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", ["-m", "http.server", "--bind", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            { WorkingDirectory = Path.Combine(_folder.Path, "served") })!;
        try
        {
            await Task.Delay(1000);
            var tag = NewTag();
            // pip needs git in the image; the base's own setuptools builds it (the test bed's index has no `wheel`)
            var step = new PipStep([Pep508.Parse($"imgt-gitpkg @ git+http://127.0.0.1:{port}/gitpkg.git@v0.3.0")], Index with { ExtraOptions = [.. Index.ExtraOptions, "--no-build-isolation"] });
            await BuildAsync(Definition(TestBed.BasePython, new AptStep([new AptPackage("git")]), step), Options(tag) with { Network = "host" });
            Assert.AreEqual("from git 0.3.0", RunInImage(tag, "python3", "-c", "import imgt_gitpkg, importlib.metadata as m; print(imgt_gitpkg.VALUE, m.version('imgt-gitpkg'))"));
            TestBed.Docker("rmi", tag);
        }
        finally { server.Kill(); }
    }

    static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [TestMethod]
    public async Task A_direct_URL_and_a_local_wheel_install_and_the_wheel_stays_out_of_the_image()
    {
        var files = TestBed.PypiUrl[..TestBed.PypiUrl.LastIndexOf("/simple", StringComparison.Ordinal)] + "/files/";
        using (var http = new HttpClient())
            await File.WriteAllBytesAsync(Path.Combine(_folder.Path, "imgt_greeting-2.0.0-py3-none-any.whl"), await http.GetByteArrayAsync(files + "imgt_greeting-2.0.0-py3-none-any.whl"));
        var step = new PipStep(
            [Pep508.LocalFile(Path.Combine(_folder.Path, "imgt_greeting-2.0.0-py3-none-any.whl")), Pep508.Parse($"imgt-colors @ {files}imgt_colors-2.0.0-py3-none-any.whl")],
            new PipOptions { ExtraOptions = ["--no-index"] });
        var tag = NewTag();
        Assert.AreEqual(1, (await BuildAsync(Definition(TestBed.BasePython, step), Options(tag))).Built);
        Assert.AreEqual("imgt-greeting 2.0.0; imgt-colors 2.0.0", Installed(tag), "no index: the wheel from the host, its dependency from the URL");
        Assert.AreEqual("absent", RunInImage(tag, "sh", "-c", $"test -e {StepVolume.LocalPackages} && echo present || echo absent"));
        TestBed.Docker("rmi", tag);
    }
}
