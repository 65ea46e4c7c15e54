using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Diagnostics;
using ImageTasks.Dockerfiles;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests.Dockerfiles;

[TestClass]
public sealed class StagesAndKeysTests
{
    const string MultiStage = """
        ARG BASE=debian:12
        FROM ${BASE} AS deps
        RUN echo deps > /deps
        FROM deps AS build
        COPY src/ /src/
        RUN cat /src/main.txt > /out
        FROM ${BASE} AS unused
        RUN echo never
        FROM alpine AS tools
        RUN echo tool > /tool
        FROM ${BASE}
        COPY --from=build /out /app/out
        COPY --from=2 /never /never
        COPY --from=busybox:1.36 /bin/busybox /bin/
        RUN echo last
        """;

    [TestMethod]
    public void Only_the_stages_the_target_needs_are_built()
    {
        using var c = new DockerfileContext();
        c.Write("src/main.txt", "main");
        var program = c.Program(MultiStage.Replace("COPY --from=2 /never /never\n", "", StringComparison.Ordinal));
        CollectionAssert.AreEqual(new[] { 0, 1, 4 }, program.Needed.Select(s => s.Index).ToArray(), "deps, build and the last one");
        CollectionAssert.AreEqual(new[] { "debian:12", "busybox:1.36" }, Planning.DockerfilePlanner.ExternalImages(program).ToArray());

        var withUnused = c.Program(MultiStage);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 4 }, withUnused.Needed.Select(s => s.Index).ToArray(), "--from=2 names a stage by index");
        CollectionAssert.AreEqual(new[] { 3 }, c.Program(MultiStage, target: "tools").Needed.Select(s => s.Index).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1 }, c.Program(MultiStage, target: "BUILD").Needed.Select(s => s.Index).ToArray());
        var e = Assert.ThrowsExactly<ImageTasksException>(() => c.Program(MultiStage, target: "nope"));
        Assert.AreEqual(ErrorCodes.InvalidStage, e.Code);
    }

    [TestMethod]
    public void A_stage_on_a_stage_starts_from_its_final_key_and_copy_from_keys_on_the_source()
    {
        using var c = new DockerfileContext();
        c.Write("src/main.txt", "main");
        var plan = c.Plan(MultiStage.Replace("COPY --from=2 /never /never\n", "", StringComparison.Ordinal));
        var (deps, build, final) = (plan.Stages[0], plan.Stages[1], plan.Stages[2]);
        Assert.AreEqual(deps.Plan.FinalKey, build.Plan.BaseKey);
        Assert.AreEqual(DockerfileContext.Image("debian:12").Id, final.Plan.BaseKey);
        var copy = (CopyFromImageStep)final.Definition.Definition.Steps[0];
        Assert.AreEqual(build.Plan.FinalKey, copy.SourceKey);
        Assert.AreEqual("cache:" + build.Plan.FinalKey, copy.SourceImage);
        CollectionAssert.AreEqual(new[] { "/out" }, copy.Paths.ToArray());
        var external = (CopyFromImageStep)final.Definition.Definition.Steps[1];
        Assert.AreEqual(DockerfileContext.Image("busybox:1.36").Id, external.SourceKey);

        // a change in the build stage's input changes the key of the copy that uses its result
        var before = final.Plan.Steps.Select(s => s.Key).ToArray();
        c.Write("src/main.txt", "changed");
        var after = c.Plan(MultiStage.Replace("COPY --from=2 /never /never\n", "", StringComparison.Ordinal)).Stages[2].Plan.Steps.Select(s => s.Key).ToArray();
        Assert.IsTrue(before.Zip(after).All(p => p.First != p.Second), "every step from the COPY --from on changes");
    }

    internal const string Copies = """
        FROM debian
        WORKDIR /app
        COPY requirements.txt ./
        RUN echo install
        COPY . .
        RUN echo one
        RUN echo two
        """;

    internal static DockerfileContext App()
    {
        var c = new DockerfileContext();
        c.Write("requirements.txt", "flask\n");
        c.Write("app.py", "print(1)\n");
        c.Write("docs/readme.md", "docs\n");
        c.Write("docs/keep.md", "kept\n");
        c.Write("build/out.bin", "binary\n");
        c.Write(".dockerignore", "# generated\nbuild\ndocs/*.md\n!docs/keep.md\n**/*.tmp\n");
        return c;
    }

    [TestMethod]
    public void Editing_a_file_no_instruction_copies_changes_no_key()
    {
        using var c = App();
        var keys = c.Keys(Copies);
        c.Write("build/out.bin", "another binary\n");
        c.Write("docs/readme.md", "new docs\n");
        c.Write("scratch.tmp", "temp\n");
        c.Write("docs/notes.tmp", "temp\n");
        CollectionAssert.AreEqual(keys, c.Keys(Copies), "ignored files are not in the context");

        c.Write("docs/keep.md", "kept, edited\n");
        var edited = c.Keys(Copies);
        CollectionAssert.AreEqual(keys[..3], edited[..3], "steps before the COPY . keep their keys");
        Assert.IsTrue(keys[3..].Zip(edited[3..]).All(p => p.First != p.Second), "the COPY . and what follows rebuild");

        c.Write("requirements.txt", "flask\nrequests\n");
        var requirements = c.Keys(Copies);
        Assert.AreEqual(edited[0], requirements[0], "WORKDIR keeps its key");
        Assert.AreNotEqual(edited[1], requirements[1], "the COPY of requirements.txt changes");
    }

    [TestMethod]
    public void Editing_the_last_run_changes_one_key()
    {
        using var c = App();
        var keys = c.Keys(Copies);
        var edited = c.Keys(Copies.Replace("echo two", "echo three", StringComparison.Ordinal));
        CollectionAssert.AreEqual(keys[..^1], edited[..^1]);
        Assert.AreNotEqual(keys[^1], edited[^1]);
        var withArg = c.Keys(Copies.Replace("RUN echo install", "ARG V=1\nRUN echo install", StringComparison.Ordinal));
        Assert.AreEqual(keys[1], withArg[1]);
        Assert.AreNotEqual(keys[2], withArg[2], "an ARG value is part of a RUN's key");
    }

    [TestMethod]
    public void A_copied_folder_leaves_out_what_dockerignore_excludes()
    {
        using var c = App();
        var plan = Planner.Plan(c.Plan(Copies).Target.Definition.Definition, "sha256:1", new FileDigester());
        var paths = plan.Steps[3].Files.Select(f => f.ImagePath).ToArray();
        CollectionAssert.AreEquivalent(new[] { "/app/.dockerignore", "/app/app.py", "/app/docs", "/app/docs/keep.md", "/app/requirements.txt" }, paths);
    }

    [TestMethod]
    public void Copy_sources_wildcards_and_excluded_files()
    {
        using var c = App();
        c.Write("conf/a.json", "{}");
        c.Write("conf/b.json", "{}");
        c.Write("conf/c.yaml", "x");
        var step = (CopyStep)c.Steps("FROM debian\nCOPY conf/*.json /etc/app/")[0];
        CollectionAssert.AreEqual(new[] { "a.json", "b.json" }, step.Sources.Select(s => Path.GetFileName(s.HostPath)).ToArray());
        var e = Assert.ThrowsExactly<ImageTasksException>(() => c.Steps("FROM debian\nCOPY build/out.bin /x"));
        Assert.AreEqual(ErrorCodes.CopySourceNotFound, e.Code, "an excluded file is not in the context");
        var single = (CopyStep)c.Steps("FROM debian\nWORKDIR /app\nCOPY --chown=1000:1000 --chmod=640 app.py run")[1];
        Assert.AreEqual("/app/run", single.Destination);
        Assert.AreEqual("app.py", single.IntoExistingFolderAs, "a folder of the parent image named /app/run would receive it as app.py");
        Assert.AreEqual("1000:1000", single.Owner);
        Assert.AreEqual("640", single.Mode);
    }

    [TestMethod]
    public void A_file_copied_to_a_destination_without_a_slash_keys_the_name_it_gets_in_an_existing_folder()
    {
        // COPY settings.ini /etc and COPY app.ini /etc (same bytes): /etc is a folder, so they write different paths
        using var c = App();
        c.Write("settings.ini", "x=1\n");
        c.Write("app.ini", "x=1\n");
        var settings = c.Keys("FROM debian\nCOPY settings.ini /etc");
        var app = c.Keys("FROM debian\nCOPY app.ini /etc");
        Assert.AreNotEqual(settings[^1], app[^1]);

        // through a symbolic link the file lands under the link's name, as Docker does
        File.CreateSymbolicLink(Path.Combine(c.Directory, "link.ini"), "settings.ini");
        var link = (CopyStep)c.Steps("FROM debian\nCOPY link.ini /etc")[0];
        Assert.AreEqual("link.ini", link.IntoExistingFolderAs);
        Assert.AreNotEqual(settings[^1], c.Keys("FROM debian\nCOPY link.ini /etc")[^1]);
        Assert.AreEqual(settings[^1], c.Keys("FROM debian\nCOPY settings.ini /etc")[^1], "the same copy keeps its key");
    }

    [TestMethod]
    public void Dockerignore_patterns_match_as_docker_matches_them()
    {
        var ignore = new DockerIgnore(["*.log", "/secret", "**/node_modules", "temp?", "docs", "!docs/README.md", "a/**/z"]);
        Assert.IsTrue(ignore.Excludes("x.log"));
        Assert.IsFalse(ignore.Excludes("sub/x.log"), "* does not cross folders");
        Assert.IsTrue(ignore.Excludes("secret/key"), "a pattern matching a parent folder excludes what is in it");
        Assert.IsTrue(ignore.Excludes("web/app/node_modules/lib/index.js"));
        Assert.IsTrue(ignore.Excludes("temp1"));
        Assert.IsFalse(ignore.Excludes("temp12"));
        Assert.IsTrue(ignore.Excludes("docs/guide.md"));
        Assert.IsFalse(ignore.Excludes("docs/README.md"), "an exception re-includes");
        Assert.IsTrue(ignore.Excludes("a/z") && ignore.Excludes("a/b/c/z"));
        Assert.IsFalse(ignore.Excludes("main.cs"));
    }
}
