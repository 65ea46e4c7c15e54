using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Core.Tests;

[TestClass]
public sealed class ValidationTests
{
    [TestMethod]
    [DataRow("-pandas")]
    [DataRow("pandas-")]
    [DataRow("pan das")]
    [DataRow("pandas;rm")]
    [DataRow("pandas[extra")]
    [DataRow("pandas[]")]
    [DataRow("")]
    public void BadPipNameFails(string name) =>
        Expect.Code(ErrorCodes.InvalidPipName, name, () => new PipStep([new PipPackage(name)]));

    [TestMethod]
    [DataRow("pandas")]
    [DataRow("Foo_Bar.baz-2")]
    [DataRow("x")]
    [DataRow("uvicorn[standard]")]
    [DataRow("requests[socks,security]")]
    public void GoodPipNamePasses(string name) => Assert.AreEqual(name, PipPackage.Create(name).Name);

    [TestMethod]
    [DataRow("Foo__Bar.baz", "foo-bar-baz")]
    [DataRow("ruamel.yaml", "ruamel-yaml")]
    [DataRow("typing_extensions", "typing-extensions")]
    public void Pip_names_normalize_per_Pep503(string name, string normalized) =>
        Assert.AreEqual(normalized, new PipPackage(name).NormalizedName);

    [TestMethod]
    [DataRow("==1.2", "==1.2")]
    [DataRow(">= 2.0 , < 3.0", ">=2.0,<3.0")]
    [DataRow("~=1.4", "~=1.4")]
    [DataRow("!=1.5.*", "!=1.5.*")]
    [DataRow("==1.5.*", "==1.5.*")]
    [DataRow("===foobar", "===foobar")]
    [DataRow("==1.0rc1", "==1.0rc1")]
    [DataRow("==1!2.0.post1.dev3+local.7", "==1!2.0.post1.dev3+local.7")]
    [DataRow("1.2.3", "==1.2.3")]
    [DataRow("2.0", "==2.0")]
    [DataRow("[2.0,3.0)", ">=2.0,<3.0")]
    [DataRow("[1.0]", "==1.0")]
    [DataRow("(,2.0]", "<=2.0")]
    [DataRow("[1.0,)", ">=1.0")]
    [DataRow("(1.0,2.0)", ">1.0,<2.0")]
    [DataRow("[1.0.0-beta.1,2.0)", ">=1.0.0-beta.1,<2.0")]
    public void VersionsTranslateToPep440(string version, string expected)
    {
        Assert.AreEqual(expected, Validation.ToPep440(version));
        Assert.AreEqual(expected, PipPackage.Create("pkg", version).Specifier);
        Assert.AreEqual("pkg" + expected, new PipPackage("pkg", version).Requirement);
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("  ")]
    public void No_version_is_any_version(string? version) => Assert.IsNull(PipPackage.Create("pkg", version).Specifier);

    [TestMethod]
    [DataRow("latest")]
    [DataRow("==")]
    [DataRow(">=1.0;rm -rf /")]
    [DataRow("=>1.0")]
    [DataRow(">=1.0.*")]
    [DataRow("~=1")]
    [DataRow("~=1.*")]
    [DataRow(">1.0+local")]
    [DataRow("==1. 0")]
    [DataRow("1.2.*")]
    [DataRow(">=1.0,")]
    [DataRow("[2.0,3.0")]
    [DataRow("(1.0)")]
    [DataRow("[1.0.0-foo,2.0)")]
    [DataRow("[1.*,2.0)")]
    public void Bad_pip_version_fails(string version)
    {
        var e = Expect.Code(ErrorCodes.InvalidPipVersion, version, () => PipPackage.Create("pkg", version));
        StringAssert.Contains(e.Message, "[2.0,3.0)"); // shows an example of each accepted form
        StringAssert.Contains(e.Message, ">=2.0,<3.0");
        StringAssert.Contains(e.Message, "1.2.3");
    }

    [TestMethod]
    public void Non_normalized_specifier_is_refused_by_the_step() =>
        Expect.Code(ErrorCodes.InvalidPipVersion, ">= 1.0", () => new PipStep([new PipPackage("pkg") with { Specifier = ">= 1.0" }]));

    [TestMethod]
    [DataRow("a")]
    [DataRow("Curl")]
    [DataRow("-curl")]
    [DataRow("lib ssl")]
    [DataRow("curl;ls")]
    [DataRow("gcc:AMD64")]
    [DataRow("curl:")]
    public void Bad_apt_name_fails(string name) =>
        Expect.Code(ErrorCodes.InvalidAptName, name, () => new AptStep([new AptPackage(name)]));

    [TestMethod]
    [DataRow("1.2 3")]
    [DataRow("1.2;ls")]
    [DataRow("1.2*")]
    [DataRow("abc")]
    [DataRow("1.2-")]
    [DataRow("$(ls)")]
    [DataRow("")]
    public void Bad_apt_version_fails(string version) =>
        Expect.Code(ErrorCodes.InvalidAptVersion, version, () => new AptStep([new AptPackage("curl", version)]));

    [TestMethod]
    [DataRow("libssl-dev", "3.0.2-0ubuntu1.10")]
    [DataRow("g++", "4:11.2.0-1ubuntu1")]
    [DataRow("gcc:amd64", null)]
    [DataRow("python3.11", "3.11.2-6+deb12u1")]
    [DataRow("zlib1g", "1:1.2.13.dfsg-1~rc1")]
    public void Good_apt_package_passes(string name, string? version) =>
        Assert.AreEqual(1, new AptStep([new AptPackage(name, version)]).Packages.Count);

    [TestMethod]
    [DataRow("pypi.example.com/simple")]
    [DataRow("ftp://example.com/simple")]
    [DataRow("/wheels")]
    [DataRow("https://example.com/a b")]
    public void Bad_index_url_fails(string url)
    {
        Expect.Code(ErrorCodes.InvalidPipOption, url, () => new PipStep([], new PipOptions { IndexUrl = url }));
        Expect.Code(ErrorCodes.InvalidPipOption, url, () => new PipStep([], new PipOptions { ExtraIndexUrls = [url] }));
    }

    [TestMethod]
    [DataRow("wheels")]
    [DataRow("ssh://host/wheels")]
    public void Bad_find_links_fails(string link) =>
        Expect.Code(ErrorCodes.InvalidPipOption, link, () => new PipStep([], new PipOptions { FindLinks = [link] }));

    [TestMethod]
    [DataRow("no-deps")]
    [DataRow("--timeout 60")]
    [DataRow("")]
    public void Bad_extra_option_fails(string option) =>
        Expect.Code(ErrorCodes.InvalidPipOption, option, () => new PipStep([], new PipOptions { ExtraOptions = [option] }));

    [TestMethod]
    [DataRow("--index-url=https://u:TOKEN@pkgs.example.com/simple", "--index-url")]
    [DataRow("--extra-index-url=https://pkgs.example.com/simple?token=TOKEN", "--extra-index-url")]
    [DataRow("--index=https://pkgs.example.com/simple", "--index")]
    [DataRow("--extra-index=https://pkgs.example.com/simple", "--extra-index")]
    [DataRow("--find-links=https://TOKEN@pkgs.example.com/wheels", "--find-links")]
    [DataRow("-ihttps://pkgs.example.com/simple", "-ihttps://pkgs.example.com/simple")]
    [DataRow("-qf", "-qf")]
    [DataRow("--proxy=http://u:TOKEN@proxy.example.com:3128", "--proxy")]
    [DataRow("--trusted-host=https://pkgs.example.com/?key=TOKEN", "--trusted-host")]
    public void Index_options_and_credentials_in_extra_options_fail_without_showing_the_token(string option, string name)
    {
        var e = Expect.Code(ErrorCodes.InvalidPipOption, name, () => new PipStep([], new PipOptions { ExtraOptions = [option] }));
        Assert.IsFalse(e.Message.Contains("TOKEN"), e.Message);
    }

    [TestMethod]
    public void Good_pip_options_pass() => Assert.IsNotNull(new PipStep([PipPackage.Create("pkg")], new PipOptions
    {
        IndexUrl = "https://pypi.example.com/simple",
        ExtraIndexUrls = ["http://localhost:8080/simple", "file:///srv/index"],
        FindLinks = ["/wheels", "https://example.com/wheels/"],
        ExtraOptions = ["--no-deps", "--config-settings=--build-option=--a b", "--ignore-installed", "-I", "-U", "--timeout=60", "--trusted-host=pkgs.example.com"],
    }));

    private static readonly string Host = Path.GetFullPath("/tmp/src");

    [TestMethod]
    [DataRow("app")]
    [DataRow("/app/../etc")]
    [DataRow("..")]
    [DataRow("C:\\app")]
    [DataRow("")]
    public void Bad_destination_fails(string destination) =>
        Expect.Code(ErrorCodes.InvalidDestination, destination, () => new CopyStep([new CopySource(Host)], destination));

    [TestMethod]
    [DataRow("644x")]
    [DataRow("0888")]
    [DataRow("64")]
    [DataRow("06444")]
    [DataRow("rw-r--r--")]
    public void Bad_mode_fails(string mode) =>
        Expect.Code(ErrorCodes.InvalidMode, mode, () => new CopyStep([new CopySource(Host)], "/app", mode));

    [TestMethod]
    [DataRow("1000:")]
    [DataRow(":1000")]
    [DataRow("app user")]
    [DataRow("1000:1000:1")]
    [DataRow("$(id)")]
    [DataRow("app")]
    [DataRow("app:app")]
    public void Bad_owner_fails(string owner) =>
        Expect.Code(ErrorCodes.InvalidOwner, owner, () => new CopyStep([new CopySource(Host)], "/app", owner: owner));

    [TestMethod]
    [DataRow("relative/path", null)]
    [DataRow("", null)]
    public void Bad_copy_source_fails(string hostPath, string? targetName) =>
        Expect.Code(ErrorCodes.InvalidCopySource, hostPath, () => new CopyStep([new CopySource(hostPath, targetName)], "/app"));

    [TestMethod]
    [DataRow("../x")]
    [DataRow("/etc/x")]
    [DataRow("")]
    public void Bad_target_name_fails(string targetName) =>
        Expect.Code(ErrorCodes.InvalidCopySource, targetName, () => new CopyStep([new CopySource(Host, targetName)], "/app"));

    [TestMethod]
    public void Copy_without_sources_fails() =>
        Expect.Code(ErrorCodes.InvalidCopySource, "/app", () => new CopyStep([], "/app"));

    [TestMethod]
    public void Good_copy_passes() =>
        Assert.AreEqual("0755", new CopyStep([new CopySource(Host, "conf/app.json")], "/app/", "0755", "1000:1000").Mode);

    private static ImageDefinition WithConfig(ConfigStep step) => new(ImageReference.Parse("ubuntu"), [step]);

    [TestMethod]
    [DataRow("1ABC")]
    [DataRow("A-B")]
    [DataRow("A B")]
    [DataRow("")]
    public void Bad_environment_name_fails(string name) =>
        Expect.Code(ErrorCodes.InvalidEnvironmentName, name, () => WithConfig(new ConfigStep { Environment = [new(name, "x")] }));

    [TestMethod]
    [DataRow("0")]
    [DataRow("65536")]
    [DataRow("80/sctp")]
    [DataRow("http")]
    [DataRow("80-90")]
    public void Bad_port_fails(string port) =>
        Expect.Code(ErrorCodes.InvalidPort, port, () => WithConfig(new ConfigStep { ExposedPorts = [port] }));

    [TestMethod]
    [DataRow("")]
    [DataRow("my label")]
    public void Bad_label_fails(string key) =>
        Expect.Code(ErrorCodes.InvalidLabel, key, () => WithConfig(new ConfigStep { Labels = [new(key, "x")] }));

    [TestMethod]
    [DataRow("app")]
    [DataRow("/app/../..")]
    public void Bad_working_directory_fails(string dir) =>
        Expect.Code(ErrorCodes.InvalidWorkingDirectory, dir, () => WithConfig(new ConfigStep { WorkingDirectory = dir }));

    [TestMethod]
    public void Good_config_passes() => Assert.AreEqual(1, WithConfig(new ConfigStep
    {
        Environment = [new("_APP_MODE1", "prod")],
        ExposedPorts = ["1", "8080/tcp", "53/udp", "65535"],
        Labels = [new("org.opencontainers.image.source", "x")],
        WorkingDirectory = "/app",
        User = "1000:1000",
    }).Steps.Count);

    [TestMethod]
    public void Empty_shell_command_fails() =>
        Assert.AreEqual(ErrorCodes.EmptyCommand, Assert.ThrowsExactly<ImageTasksException>(() => new ShellStep(["echo", " "])).Code);
}
