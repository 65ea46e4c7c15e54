using System.Diagnostics;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Tests;

/// <summary>
/// The test bed started by tests/testbed/testbed.sh: its variables come from the environment (tests/run.sh exports
/// them) or from &lt;repo&gt;/.testbed/env. When it is not there, tests are inconclusive on a developer machine and
/// fail with CI=true: a test that needs Docker never passes without it.
/// </summary>
public static class TestBed
{
    static readonly Lazy<IReadOnlyDictionary<string, string>> Variables = new(Load);

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DockerHost => Get("IMAGETASKS_DOCKER_HOST");
    public static string Registry => Get("IMAGETASKS_REGISTRY");
    public static string PypiUrl => Get("IMAGETASKS_PYPI_URL");
    /// <summary>The same index behind basic auth (user <see cref="AuthUser"/>, password <see cref="AuthPassword"/>).</summary>
    public static string PrivatePypiUrl => Get("IMAGETASKS_PRIVATE_PYPI_URL");
    public static string AuthUser => Get("IMAGETASKS_AUTH_USER");
    public static string AuthPassword => File.ReadAllText(Get("IMAGETASKS_AUTH_PASSWORD_FILE")).Trim();
    public static string BasePython => Get("IMAGETASKS_BASE_PYTHON");
    public static string BasePlain => Get("IMAGETASKS_BASE_PLAIN");
    /// <summary>The micromamba stand-in (testbed.sh conda): the plain base with a script that records its arguments and
    /// writes conda-meta files. Not micromamba. A test bed env written before it existed: its name in the registry.</summary>
    public static string MicromambaBase => Variables.Value.TryGetValue("IMAGETASKS_TESTBED_MICROMAMBA_BASE", out var name) && name.Length > 0
        ? name : Registry + "/micromamba-standin:bookworm";
    public static string AuthRegistry => Get("IMAGETASKS_AUTH_REGISTRY");
    /// <summary>The second engine (its own dockerd, which fault tests may kill and restart with `testbed.sh engine2`).</summary>
    public static string Engine2Host => Get("IMAGETASKS_TESTBED_ENGINE2_HOST");
    public static string Engine2PidFile => Get("IMAGETASKS_TESTBED_ENGINE2_PIDFILE");
    /// <summary>Podman's Docker-compatible API service (`testbed.sh podman`), with a store of its own.</summary>
    public static string PodmanHost => Get("IMAGETASKS_TESTBED_PODMAN_HOST");

    public static string Get(string name)
    {
        if (Variables.Value.TryGetValue(name, out var value) && value.Length > 0) return value;
        var message = $"The test bed is not up ({name} is not set). Run: bash tests/testbed/testbed.sh up";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(message);
        Assert.Inconclusive(message);
        return "";
    }

    /// <summary>Runs the docker CLI (for setting up and checking, never in the product) and returns its stdout.</summary>
    public static string Docker(params string[] args)
    {
        var (code, stdout, stderr) = Run("docker", args);
        if (code != 0) Assert.Fail($"docker {string.Join(" ", args)} exited {code}: {stderr}");
        return stdout;
    }

    public static (int Code, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        start.Environment["DOCKER_HOST"] = DockerHost;
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    static IReadOnlyDictionary<string, string> Load()
    {
        var values = new Dictionary<string, string>();
        var file = Path.Combine(Environment.GetEnvironmentVariable("IMAGETASKS_TESTBED_DIR") ?? Path.Combine(RepoRoot, ".testbed"), "env");
        if (File.Exists(file))
            foreach (var line in File.ReadAllLines(file))
            {
                // export NAME='value'
                var eq = line.IndexOf('=');
                if (!line.StartsWith("export ", StringComparison.Ordinal) || eq < 0) continue;
                values[line[7..eq]] = line[(eq + 1)..].Trim('\'');
            }
        foreach (var name in new[] { "IMAGETASKS_DOCKER_HOST", "IMAGETASKS_REGISTRY", "IMAGETASKS_PYPI_URL", "IMAGETASKS_PRIVATE_PYPI_URL", "IMAGETASKS_BASE_PYTHON",
                     "IMAGETASKS_BASE_PLAIN", "IMAGETASKS_AUTH_REGISTRY", "IMAGETASKS_AUTH_USER", "IMAGETASKS_AUTH_PASSWORD_FILE",
                     "IMAGETASKS_TESTBED_ENGINE2_HOST", "IMAGETASKS_TESTBED_ENGINE2_PIDFILE", "IMAGETASKS_TESTBED_MICROMAMBA_BASE",
                     "IMAGETASKS_TESTBED_PODMAN_HOST" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } v) values[name] = v;
        return values;
    }

    static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ImageTasks.sln"))) return dir.FullName;
        throw new InvalidOperationException("ImageTasks.sln not found above " + AppContext.BaseDirectory);
    }
}
