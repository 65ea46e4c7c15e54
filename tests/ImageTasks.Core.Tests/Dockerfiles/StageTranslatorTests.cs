using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;
using ImageTasks.Engine;

namespace ImageTasks.Core.Tests.Dockerfiles;

[TestClass]
public sealed class StageTranslatorTests
{
    static IReadOnlyList<string> Env(IReadOnlyList<BuildStep> steps) =>
        steps.Aggregate(DockerfileContext.DebianConfig, ImageConfigs.Apply).Env;

    [TestMethod]
    public void Env_path_extends_the_base_images_path()
    {
        using var c = new DockerfileContext();
        var steps = c.Steps("FROM debian\nENV PATH=$PATH:/foo\nENV PATH=\"/opt/bin:${PATH}\"");
        Assert.AreEqual("PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/foo", Env(steps).Single());
    }

    [TestMethod]
    public void Env_pairs_see_the_values_from_before_the_instruction()
    {
        using var c = new DockerfileContext();
        var steps = c.Steps("FROM debian\nENV A=old\nENV A=new B=$A C=\"two words\" D=a\\ b");
        var env = ((ConfigStep)steps[1]).Environment.ToDictionary(e => e.Key, e => e.Value);
        Assert.AreEqual("new", env["A"]);
        Assert.AreEqual("old", env["B"]);
        Assert.AreEqual("two words", env["C"]);
        Assert.AreEqual("a b", env["D"]);
    }

    [TestMethod]
    public void Arg_before_from_is_seen_by_from_only_unless_declared_again()
    {
        using var c = new DockerfileContext();
        const string dockerfile = "ARG BASE=debian\nARG VERSION=1\nFROM ${BASE}:12\nARG VERSION\nRUN echo $VERSION $BASE\nLABEL v=$VERSION b=x$BASE";
        var plan = c.Plan(dockerfile);
        Assert.AreEqual("debian:12", plan.Target.Stage.From);
        var run = (RunStep)plan.Target.Definition.Definition.Steps[0];
        CollectionAssert.AreEqual(new[] { "VERSION=1" }, run.Environment.Select(e => $"{e.Key}={e.Value}").ToArray(), "only the ARG declared in the stage");
        var labels = ((ConfigStep)plan.Target.Definition.Definition.Steps[1]).Labels;
        Assert.AreEqual("1", labels[0].Value);
        Assert.AreEqual("x", labels[1].Value, "BASE is not declared in the stage");

        var given = c.Plan(dockerfile, new Dictionary<string, string> { ["BASE"] = "ubuntu", ["VERSION"] = "2" });
        Assert.AreEqual("ubuntu:12", given.Target.Stage.From);
        Assert.AreEqual("2", ((RunStep)given.Target.Definition.Definition.Steps[0]).Environment.Single().Value);
    }

    [TestMethod]
    public void Env_wins_over_arg_and_args_stay_out_of_the_image()
    {
        using var c = new DockerfileContext();
        var steps = c.Steps("FROM debian\nARG MODE=debug\nARG OTHER\nRUN echo $MODE\nENV MODE=release\nRUN echo $MODE\nWORKDIR /src/$MODE");
        Assert.AreEqual("MODE=debug", string.Join(",", ((RunStep)steps[0]).Environment.Select(e => $"{e.Key}={e.Value}")), "OTHER has no value: unset");
        Assert.AreEqual(0, ((RunStep)steps[2]).Environment.Count, "ENV MODE hides ARG MODE");
        Assert.AreEqual("/src/release", ((ConfigStep)steps[3]).WorkingDirectory);
        Assert.IsFalse(Env(steps).Any(e => e.StartsWith("OTHER", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Run_forms_shell_and_heredocs()
    {
        using var c = new DockerfileContext();
        var steps = c.Steps("FROM debian\nRUN echo a\nRUN [\"echo\", \"b\"]\nSHELL [\"/bin/bash\", \"-eu\", \"-c\"]\nRUN echo c\n" +
                            "RUN <<EOF\necho d\necho e\nEOF\nRUN cat > /x <<EOF\nline $HOME\nEOF\nRUN <<EOT\n#!/usr/bin/env python3\nprint(1)\nEOT\nCMD echo f");
        CollectionAssert.AreEqual(new[] { "/bin/sh", "-c", "echo a" }, ((RunStep)steps[0]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "echo", "b" }, ((RunStep)steps[1]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "/bin/bash", "-eu", "-c", "echo c" }, ((RunStep)steps[3]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "/bin/bash", "-eu", "-c", "echo d\necho e\n" }, ((RunStep)steps[4]).Command.ToArray());
        CollectionAssert.AreEqual(new[] { "/bin/bash", "-eu", "-c", "cat > /x <<EOF\nline $HOME\nEOF" }, ((RunStep)steps[5]).Command.ToArray());
        var script = ((RunStep)steps[6]).Command;
        Assert.AreEqual("#!/usr/bin/env python3\nprint(1)\n", script[^2]);
        CollectionAssert.AreEqual(new[] { "/bin/bash", "-eu", "-c", "echo f" }, ((ConfigStep)steps[7]).Command!.ToArray());
    }

    [TestMethod]
    public void Config_instructions()
    {
        using var c = new DockerfileContext();
        var steps = c.Steps("FROM debian\nARG PORT=8080\nWORKDIR app\nWORKDIR sub\nUSER 1000:1000\nEXPOSE $PORT 53/udp 9000-9001\nVOLUME [\"/data\"]\n" +
                            "STOPSIGNAL SIGTERM\nHEALTHCHECK --interval=1m30s --retries=3 CMD curl -f http://localhost/\nCMD [\"serve\"]\nENTRYPOINT [\"/entry\"]");
        var config = steps.Aggregate(DockerfileContext.DebianConfig, ImageConfigs.Apply);
        Assert.AreEqual("/app/sub", config.WorkingDir);
        Assert.AreEqual("1000:1000", config.User);
        CollectionAssert.AreEqual(new[] { "53/udp", "8080/tcp", "9000/tcp", "9001/tcp" }, config.ExposedPorts.ToArray());
        CollectionAssert.AreEqual(new[] { "/data" }, config.Volumes.ToArray());
        Assert.AreEqual("SIGTERM", config.StopSignal);
        Assert.AreEqual(TimeSpan.FromSeconds(90), config.Healthcheck!.Interval);
        CollectionAssert.AreEqual(new[] { "CMD-SHELL", "curl -f http://localhost/" }, config.Healthcheck.Test.ToArray());
        CollectionAssert.AreEqual(new[] { "serve" }, config.Cmd!.ToArray(), "a CMD of this stage survives a later ENTRYPOINT");

        var inherited = c.Steps("FROM debian\nENTRYPOINT [\"/entry\"]").Aggregate(DockerfileContext.DebianConfig, ImageConfigs.Apply);
        Assert.IsNull(inherited.Cmd, "ENTRYPOINT clears the base image's CMD");
    }

    [TestMethod]
    [DataRow("ONBUILD RUN true", ErrorCodes.UnsupportedInstruction)]
    [DataRow("RUN --mount=type=secret,id=x cat /run/secrets/x", ErrorCodes.UnsupportedFlag)]
    [DataRow("RUN --mount=type=bind,target=/src make", ErrorCodes.UnsupportedFlag)]
    [DataRow("RUN --security=insecure true", ErrorCodes.UnsupportedFlag)]
    [DataRow("ADD https://example.com/x.tar.gz /x", ErrorCodes.UnsupportedSource)]
    [DataRow("COPY <<EOF /x", ErrorCodes.UnsupportedSource)]
    [DataRow("COPY --chown=app:app a.txt /a", ErrorCodes.OwnerNotNumeric)]
    [DataRow("COPY missing.txt /a", ErrorCodes.CopySourceNotFound)]
    [DataRow("COPY ../outside /a", ErrorCodes.CopySourceNotFound)]
    [DataRow("COPY a.txt b.txt /dir", ErrorCodes.DestinationNotFolder)]
    [DataRow("COPY --parents a.txt /a/", ErrorCodes.UnsupportedFlag)]
    [DataRow("LABEL x=${UNSET:?required}", ErrorCodes.InvalidSubstitution)]
    [DataRow("SHELL bash -c", ErrorCodes.InvalidValue)]
    [DataRow("HEALTHCHECK --interval=soon CMD true", ErrorCodes.InvalidValue)]
    [DataRow("EXPOSE 99999", ErrorCodes.InvalidPort)]
    public void What_cannot_be_honoured_is_a_coded_error_naming_the_line(string line, string code)
    {
        using var c = new DockerfileContext();
        c.Write("a.txt", "a");
        c.Write("b.txt", "b");
        if (line.StartsWith("COPY <<", StringComparison.Ordinal)) line += "\nhello\nEOF";
        var e = Assert.ThrowsExactly<ImageTasksException>(() => c.Plan("FROM debian\nRUN true\n" + line));
        Assert.AreEqual(code, e.Code, e.Message);
        Assert.AreEqual(3, e.Line, e.Message);
        StringAssert.EndsWith(e.File, "Dockerfile");
        Assert.IsFalse(e.Message.Contains("Dockerfile(", StringComparison.Ordinal), e.Message); // MSBuild prints the location
    }

    [TestMethod]
    [DataRow("FOO bar", "Unknown instruction 'FOO' in 'FOO bar'")]
    [DataRow("RUN", "'RUN' has no arguments")]
    [DataRow("COPY --from=a", "'COPY --from=a' has no arguments")]
    [DataRow("ENV =1", "'=1' in ENV has no name")]
    [DataRow("LABEL a=b =c", "'=c' in LABEL has no name")]
    [DataRow("HEALTHCHECK --interval=1s PING", "NONE or CMD, not 'PING'")]
    [DataRow("HEALTHCHECK NONE now", "Remove 'now'")]
    [DataRow("HEALTHCHECK CMD", "'HEALTHCHECK CMD' has no command")]
    [DataRow("HEALTHCHECK cmd []", "has no command")]
    [DataRow("ONBUILD FROM x", "ONBUILD cannot wrap FROM")]
    [DataRow("ONBUILD", "'ONBUILD' has no arguments")]
    public void What_buildkit_parses_but_refuses_to_build_is_a_syntax_error_naming_the_line(string line, string inMessage)
    {
        using var c = new DockerfileContext();
        var e = Assert.ThrowsExactly<ImageTasksException>(() => c.Plan("FROM debian\nRUN true\n" + line));
        Assert.AreEqual(DockerfileErrorCodes.SyntaxError, e.Code, e.Message);
        Assert.AreEqual(3, e.Line, e.Message);
        StringAssert.EndsWith(e.File, "Dockerfile");
        Assert.IsFalse(e.Message.Contains("Dockerfile(", StringComparison.Ordinal), e.Message); // MSBuild prints the location
        StringAssert.Contains(e.Message, inMessage);
    }

    [TestMethod]
    [DataRow("FOO\nFROM debian\n", 1)]
    [DataRow("FROM debian AS unused\nWORKDIR\nFROM debian\nRUN true\n", 2)]
    [DataRow("FROM debian\nRUN a \\\nb\nc d\n", 4)]
    public void Every_instruction_is_checked_before_any_stage(string dockerfile, int line)
    {
        using var c = new DockerfileContext();
        var e = Assert.ThrowsExactly<ImageTasksException>(() => c.Plan(dockerfile));
        Assert.AreEqual(DockerfileErrorCodes.SyntaxError, e.Code, e.Message);
        Assert.AreEqual(line, e.Line, e.Message);
    }

    [TestMethod]
    public void Quoted_flag_values_are_unquoted()
    {
        using var c = new DockerfileContext();
        c.Write("a.txt", "a");
        var copy = (CopyStep)c.Steps("FROM debian\nCOPY --chown=\"1:1\" --chmod='640' a.txt /a").Single();
        Assert.AreEqual("1:1", copy.Owner);
        Assert.AreEqual("640", copy.Mode);
    }

    [TestMethod]
    public void A_base_image_with_onbuild_triggers_is_refused()
    {
        using var c = new DockerfileContext();
        var program = c.Program("FROM onbuild-image\nRUN true");
        var image = DockerfileContext.Image("onbuild-image") with { Config = new ImageConfig { OnBuild = ["RUN make"] } };
        var e = Assert.ThrowsExactly<ImageTasksException>(() => Planning.DockerfilePlanner.Plan(program, Definition.Dockerfiles.BuildContext.Load(c.Directory),
            _ => image, "cache", new Planning.FileDigester(), new Planning.PlanOptions()));
        Assert.AreEqual(ErrorCodes.UnsupportedInstruction, e.Code);
        Assert.AreEqual(1, e.Line);
    }

    [TestMethod]
    public void Maintainer_and_unused_build_args_are_warnings()
    {
        using var c = new DockerfileContext();
        var plan = c.Plan("FROM debian\nMAINTAINER someone\nARG USED\nRUN true", new Dictionary<string, string> { ["USED"] = "1", ["NOT_USED"] = "2", ["HTTP_PROXY"] = "http://proxy" });
        Assert.AreEqual(ErrorCodes.MaintainerIgnored, plan.Warnings.Single().Code);
        CollectionAssert.AreEqual(new[] { "NOT_USED" }, plan.Program.UnusedBuildArgs().ToArray());
        var env = ((RunStep)plan.Target.Definition.Definition.Steps[0]).Environment.Select(e => e.Key).ToArray();
        CollectionAssert.AreEqual(new[] { "USED", "HTTP_PROXY" }, env, "proxy build arguments reach RUN without an ARG");
    }

    [TestMethod]
    public void Entrypoint_script_that_does_not_exec_its_arguments_is_a_warning()
    {
        using var c = new DockerfileContext();
        c.Write("good.sh", "#!/bin/sh\nset -e\necho starting\nexec \"$@\"\n");
        c.Write("gosu.sh", "#!/bin/bash\nexec gosu app \"$@\"\n");
        c.Write("bad.sh", "#!/bin/sh\necho starting\n\"$@\"\n");
        c.Write("app.py", "#!/usr/bin/env python3\nprint(1)\n");
        string[] Warnings(string tail) => c.Plan("FROM debian\nCOPY good.sh gosu.sh bad.sh app.py /usr/local/bin/\nWORKDIR /app\nCOPY bad.sh ./\n" + tail)
            .Warnings.Select(w => w.Code).ToArray();
        Assert.IsEmpty(Warnings("ENTRYPOINT [\"good.sh\"]\nCMD [\"run\"]"));
        Assert.IsEmpty(Warnings("ENTRYPOINT [\"/usr/local/bin/gosu.sh\"]"));
        Assert.IsEmpty(Warnings("ENTRYPOINT [\"app.py\"]"), "not a shell script");
        Assert.IsEmpty(Warnings("ENTRYPOINT bad.sh"), "shell form: the command gets no arguments");
        CollectionAssert.AreEqual(new[] { ErrorCodes.EntrypointDoesNotExec }, Warnings("ENTRYPOINT [\"bad.sh\"]\nCMD [\"run\"]"));
        CollectionAssert.AreEqual(new[] { ErrorCodes.EntrypointDoesNotExec }, Warnings("ENTRYPOINT [\"./bad.sh\"]"));
    }
}
