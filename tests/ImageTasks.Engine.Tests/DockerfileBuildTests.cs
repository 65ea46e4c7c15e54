using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Tests;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace ImageTasks.Engine.Tests;

[TestClass]
public sealed class DockerfileBuildTests : EngineFixture
{
    [ClassInitialize]
    public static Task Init(TestContext _) => ConnectAsync();

    [ClassCleanup]
    public static Task Cleanup() => RemoveCacheAsync();

    const string HeredocRun = "RUN <<EOF\nset -e\necho \"$GREETING\" > /app/greeting\nls /app > /app/listing\nEOF\n";
    const string PlainRun = "RUN set -e; echo \"$GREETING\" > /app/greeting; ls /app > /app/listing\n";

    /// <summary>Two stages FROM the test bed's images (ARG before FROM), ARG/ENV substitution, a COPY --from, COPY with
    /// .dockerignore, a copied entrypoint script, and a heredoc RUN (the classic builder has no heredocs: <paramref name="heredoc"/>
    /// false writes the same commands as one shell-form RUN).</summary>
    static string Dockerfile(bool heredoc = true, string last = "echo last > /tmp/last") =>
        "ARG PLAIN\nARG PYTHON\n" +
        "FROM ${PYTHON} AS build\n" +
        "ARG GREETING=hello\n" +
        "ENV BUILD_DIR=/build\n" +
        "WORKDIR $BUILD_DIR\n" +
        "COPY src/ ./src/\n" +
        "RUN python -c \"import os; open('/build/out.txt', 'w').write(os.environ['GREETING'] + ' from ' + open('src/main.txt').read().strip())\"\n" +
        "FROM ${PYTHON} AS unused\n" +
        "RUN exit 1\n" +
        "FROM ${PLAIN}\n" +
        "ARG GREETING=hello\n" +
        "ENV APP_HOME=/app PATH=$PATH:/app/bin MODE=${MODE:-release}\n" +
        "WORKDIR $APP_HOME\n" +
        "COPY --from=build /build/out.txt ./\n" +
        "COPY . ./\n" +
        "COPY entrypoint.sh /usr/local/bin/\n" +
        (heredoc ? HeredocRun : PlainRun) +
        "USER 1000:1000\n" +
        "ENTRYPOINT [\"entrypoint.sh\"]\n" +
        "CMD [\"show\"]\n" +
        $"RUN {last}\n";

    static DirectoryInfo Context()
    {
        var dir = Directory.CreateTempSubdirectory("imagetasks-dockerfile-");
        void Write(string relative, string text)
        {
            var path = Path.Combine(dir.FullName, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        Write("src/main.txt", "the build stage\n");
        Write("bin/hello", "#!/bin/sh\necho hello from bin\n");
        Write("ignored/secret.txt", "not in the image\n");
        Write("debug.log", "log\n");
        Write("entrypoint.sh", "#!/bin/sh\nset -e\nif [ \"$1\" = show ]; then\n" +
                               "  echo \"greeting=$(cat /app/greeting) out=$(cat /app/out.txt) user=$(id -u) pwd=$(pwd) mode=$MODE $(hello)\"\n  exit 0\nfi\nexec \"$@\"\n");
        Write(".dockerignore", "ignored\n*.log\nDockerfile*\n");
        var executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                         | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(Path.Combine(dir.FullName, "entrypoint.sh"), executable);
        File.SetUnixFileMode(Path.Combine(dir.FullName, "bin/hello"), executable);
        return dir;
    }

    static Dictionary<string, string> Args(string greeting = "hi") => new()
    {
        ["PLAIN"] = TestBed.BasePlain, ["PYTHON"] = TestBed.BasePython, ["GREETING"] = greeting,
    };

    static async Task<DockerfileBuildResult> BuildDockerfileAsync(DirectoryInfo context, string dockerfile, string tag, CollectingLog? log = null)
    {
        var path = Path.Combine(context.FullName, "Dockerfile");
        await File.WriteAllTextAsync(path, dockerfile);
        var options = new DockerfileOptions { ContextDirectory = context.FullName, BuildArgs = Args() };
        return await new DockerfileBuilder(Backend).BuildAsync(path, options, Options(tag), log ?? new CollectingLog(), CancellationToken.None);
    }

    [TestMethod]
    public async Task A_multi_stage_dockerfile_builds_runs_and_rebuilds_only_what_changed()
    {
        var context = Context();
        var tag = $"imagetasks-test/dockerfile:{Guid.NewGuid():N}";
        var log = new CollectingLog();
        var cold = await BuildDockerfileAsync(context, Dockerfile(), tag, log);
        Assert.HasCount(2, cold.Stages, "the unused stage is not built");
        Assert.AreEqual(0, cold.Reused);
        Assert.IsFalse(log.Lines.Any(l => l.StartsWith("warning", StringComparison.Ordinal)), string.Join("\n", log.Lines));
        Assert.AreEqual("greeting=hi out=hi from the build stage user=1000 pwd=/app mode=release hello from bin", TestBed.Docker("run", "--rm", tag).Trim());
        Assert.AreEqual("hi", RunInImage(tag, "cat", "/app/greeting"), "the heredoc ran with the ARG in its environment");
        Assert.AreEqual("bin\nentrypoint.sh\ngreeting\nlisting\nout.txt\nsrc", RunInImage(tag, "cat", "/app/listing"), ".dockerignore left out ignored/, debug.log and the Dockerfile");

        var again = await BuildDockerfileAsync(context, Dockerfile(), tag);
        Assert.AreEqual(0, again.Built);
        Assert.AreEqual(cold.ImageId, again.ImageId);

        var lastEdited = await BuildDockerfileAsync(context, Dockerfile(last: "echo changed > /tmp/last"), tag);
        Assert.AreEqual(1, lastEdited.Built, "editing the last RUN rebuilds one layer");
        Assert.AreEqual("changed", RunInImage(tag, "cat", "/tmp/last"));

        File.WriteAllText(Path.Combine(context.FullName, "ignored", "secret.txt"), "edited\n");
        File.WriteAllText(Path.Combine(context.FullName, "debug.log"), "more log\n");
        var ignoredEdited = await BuildDockerfileAsync(context, Dockerfile(last: "echo changed > /tmp/last"), tag);
        Assert.AreEqual(0, ignoredEdited.Built, "editing files .dockerignore excludes rebuilds nothing");
        Assert.AreEqual(lastEdited.ImageId, ignoredEdited.ImageId);

        TestBed.Docker("rmi", tag);
        context.Delete(recursive: true);
    }

    [TestMethod]
    public async Task The_result_matches_the_engines_own_builder()
    {
        var context = Context();
        var ours = $"imagetasks-test/dockerfile-ours:{Guid.NewGuid():N}";
        var theirs = $"imagetasks-test/dockerfile-classic:{Guid.NewGuid():N}";
        // the classic builder builds every stage: the unused one must succeed there
        var dockerfile = Dockerfile(heredoc: false).Replace("RUN exit 1", "RUN true", StringComparison.Ordinal);
        await BuildDockerfileAsync(context, dockerfile, ours);
        var args = Args().SelectMany(a => new[] { "--build-arg", $"{a.Key}={a.Value}" });
        var (code, _, stderr) = TestBed.Run("docker", ["build", "-q", "-t", theirs, .. args, context.FullName],
            environment: new Dictionary<string, string?> { ["DOCKER_BUILDKIT"] = "0" });
        Assert.AreEqual(0, code, stderr);

        const string Listing = "find /app /usr/local/bin /tmp/last | sort | while read f; do " +
                               "echo \"$f $(stat -c '%a %u:%g %F %s' \"$f\") $(if [ -f \"$f\" ]; then sha256sum < \"$f\" | cut -c1-16; fi)\"; done";
        Assert.AreEqual(RunInImage(theirs, "sh", "-c", Listing), RunInImage(ours, "sh", "-c", Listing), "files, modes, owners and contents");
        foreach (var field in new[] { "{{json .Config.Env}}", "{{json .Config.Entrypoint}}", "{{json .Config.Cmd}}", "{{.Config.User}}", "{{.Config.WorkingDir}}" })
            Assert.AreEqual(TestBed.Docker("image", "inspect", "--format", field, theirs).Trim(), TestBed.Docker("image", "inspect", "--format", field, ours).Trim(), field);
        Assert.AreEqual(TestBed.Docker("run", "--rm", theirs).Trim(), TestBed.Docker("run", "--rm", ours).Trim());

        TestBed.Docker("rmi", ours, theirs);
        context.Delete(recursive: true);
    }
}
