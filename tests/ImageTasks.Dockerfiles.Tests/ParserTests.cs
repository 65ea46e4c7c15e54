namespace ImageTasks.Dockerfiles.Tests;

[TestClass]
public sealed class ParserTests
{
    private static Instruction Single(string text) => DockerfileParser.Parse(text).Instructions.Single();

    [TestMethod]
    public void Instruction_names_in_any_case_are_uppercased()
    {
        var document = DockerfileParser.Parse("from alpine\nRuN echo hi\n");
        CollectionAssert.AreEqual(new[] { "FROM", "RUN" }, document.Instructions.Select(i => i.Keyword).ToArray());
        Assert.AreEqual("RuN echo hi", document.Instructions[1].Original);
        Assert.AreEqual(2, document.Instructions[1].Line);
    }

    [TestMethod]
    public void Continuation_skips_comment_and_blank_lines_and_keeps_indentation()
    {
        var run = Single("RUN echo a \\\n# a comment\n\n   \n    b \\\n  # another\n  c\n");
        CollectionAssert.AreEqual(new[] { "echo a     b   c" }, run.Arguments.ToArray());
        Assert.AreEqual(1, run.Line);
        Assert.AreEqual(7, run.EndLine);
    }

    [TestMethod]
    public void Continuation_at_end_of_file_ends_the_instruction()
    {
        var env = Single("ENV a=1 \\\n    b=2 \\");
        CollectionAssert.AreEqual(new[] { new NameValue("a", "1"), new NameValue("b", "2") }, env.Pairs.ToArray());
    }

    [TestMethod]
    public void Cr_lf_line_endings_and_byte_order_mark_are_ignored()
    {
        var document = DockerfileParser.Parse("\uFEFF# escape=`\r\nFROM x\r\nRUN a `\r\n  b\r\n");
        Assert.AreEqual('`', document.Escape);
        CollectionAssert.AreEqual(new[] { "a   b" }, document.Instructions[1].Arguments.ToArray());
    }

    [TestMethod]
    public void Backtick_escape_directive_makes_backslash_literal()
    {
        var document = DockerfileParser.Parse("# ESCAPE = `\n\nFROM windows\nRUN dir c:\\ `\n    && echo hi\nCOPY a c:\\app\\\n");
        Assert.AreEqual('`', document.Escape);
        Assert.AreEqual("`", document.Directives["escape"]);
        CollectionAssert.AreEqual(new[] { "dir c:\\     && echo hi" }, document.Instructions[1].Arguments.ToArray());
        CollectionAssert.AreEqual(new[] { "a", "c:\\app\\" }, document.Instructions[2].Arguments.ToArray());
    }

    [TestMethod]
    public void Directives_after_a_comment_are_comments()
    {
        var document = DockerfileParser.Parse("# a comment\n# escape=`\nFROM x `\n");
        Assert.AreEqual('\\', document.Escape);
        Assert.IsFalse(document.Directives.ContainsKey("escape"));
        CollectionAssert.AreEqual(new[] { "x", "`" }, document.Instructions[0].Arguments.ToArray());
    }

    [TestMethod]
    public void Syntax_directive_is_read()
    {
        var document = DockerfileParser.Parse("#syntax=docker/dockerfile:1\n#   escape=\\\nFROM x\n");
        Assert.AreEqual("docker/dockerfile:1", document.Syntax);
        Assert.AreEqual('\\', document.Escape);
    }

    [TestMethod]
    public void Json_form_is_exec_form()
    {
        var cmd = Single("CMD [ \"a b\", \"\\u00e9\\n\" ]");
        Assert.IsTrue(cmd.IsJson);
        CollectionAssert.AreEqual(new[] { "a b", "é\n" }, cmd.Arguments.ToArray());
    }

    [TestMethod]
    [DataRow("CMD [\"a\", \"b\"", "[\"a\", \"b\"")]
    [DataRow("CMD ['a']", "['a']")]
    [DataRow("CMD [\"a\"] extra", "[\"a\"] extra")]
    public void InvalidJsonFallsBackToShellForm(string line, string expected)
    {
        var cmd = Single(line);
        Assert.IsFalse(cmd.IsJson);
        CollectionAssert.AreEqual(new[] { expected }, cmd.Arguments.ToArray());
    }

    [TestMethod]
    public void Copy_falls_back_to_words_when_json_is_invalid()
    {
        Assert.IsTrue(Single("COPY [\"a b\", \"/c\"]").IsJson);
        var copy = Single("COPY [\"a b\" /c");
        Assert.IsFalse(copy.IsJson);
        CollectionAssert.AreEqual(new[] { "[\"a", "b\"", "/c" }, copy.Arguments.ToArray());
    }

    [TestMethod]
    public void Flags_are_kept_in_order_and_end_at_double_dash()
    {
        var copy = Single("COPY --from=build --chown=1:1 --chmod=755 --link -- --odd /dst");
        CollectionAssert.AreEqual(new[] { "--from=build", "--chown=1:1", "--chmod=755", "--link" }, copy.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { "--odd", "/dst" }, copy.Arguments.ToArray());

        var run = Single("RUN --mount=type=cache,target=/root/.cache --network=none make");
        CollectionAssert.AreEqual(new[] { "--mount=type=cache,target=/root/.cache", "--network=none" }, run.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { "make" }, run.Arguments.ToArray());

        var from = Single("FROM --platform=$BUILDPLATFORM golang:1 AS build");
        CollectionAssert.AreEqual(new[] { "--platform=$BUILDPLATFORM" }, from.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { "golang:1", "AS", "build" }, from.Arguments.ToArray());
    }

    [TestMethod]
    public void Env_and_label_pairs()
    {
        var env = Single("ENV A=1 B=\"x y\" C=a\\ b");
        Assert.IsFalse(env.IsLegacyPairForm);
        CollectionAssert.AreEqual(
            new[] { new NameValue("A", "1"), new NameValue("B", "\"x y\""), new NameValue("C", "a\\ b") }, env.Pairs.ToArray());

        var legacy = Single("ENV PATH  /a b:$PATH");
        Assert.IsTrue(legacy.IsLegacyPairForm);
        CollectionAssert.AreEqual(new[] { new NameValue("PATH", "/a b:$PATH") }, legacy.Pairs.ToArray());

        var label = Single("LABEL org.opencontainers.image.title=\"My app\"");
        CollectionAssert.AreEqual(new[] { "org.opencontainers.image.title", "\"My app\"" }, label.Arguments.ToArray());
    }

    [TestMethod]
    public void Arg_words_keep_quotes()
    {
        CollectionAssert.AreEqual(new[] { "A", "B=\"1 2\"" }, Single("ARG A B=\"1 2\"").Arguments.ToArray());
    }

    [TestMethod]
    public void Onbuild_wraps_an_instruction()
    {
        var onbuild = Single("ONBUILD copy --chown=1 . /app");
        Assert.IsNotNull(onbuild.Trigger);
        Assert.AreEqual("COPY", onbuild.Trigger.Keyword);
        CollectionAssert.AreEqual(new[] { "--chown=1" }, onbuild.Trigger.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { ".", "/app" }, onbuild.Trigger.Arguments.ToArray());
        Assert.AreEqual(9, onbuild.Trigger.Column);
    }

    [TestMethod]
    public void Healthcheck_shapes()
    {
        var check = Single("HEALTHCHECK --interval=5s --retries=3 CMD [\"curl\", \"-f\", \"http://localhost\"]");
        CollectionAssert.AreEqual(new[] { "--interval=5s", "--retries=3" }, check.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { "CMD", "curl", "-f", "http://localhost" }, check.Arguments.ToArray());
        Assert.IsTrue(check.IsJson);

        CollectionAssert.AreEqual(new[] { "CMD", "curl -f x || exit 1" }, Single("HEALTHCHECK CMD curl -f x || exit 1").Arguments.ToArray());
        CollectionAssert.AreEqual(new[] { "NONE" }, Single("HEALTHCHECK NONE").Arguments.ToArray());
    }

    [TestMethod]
    public void String_instructions_keep_the_whole_line()
    {
        CollectionAssert.AreEqual(new[] { "Jane Doe <jane@example.com>" }, Single("MAINTAINER Jane Doe <jane@example.com>").Arguments.ToArray());
        CollectionAssert.AreEqual(new[] { "/my app" }, Single("WORKDIR /my app  ").Arguments.ToArray());
        CollectionAssert.AreEqual(new[] { "SIGTERM" }, Single("STOPSIGNAL SIGTERM").Arguments.ToArray());
    }

    [TestMethod]
    public void Dump_quotes_like_go()
    {
        Assert.AreEqual("\"a\\\"b\\\\c\\t\\x00\\x7f é ☃ \\u00a0\"", DockerfileDump.Quote("a\"b\\c\t\0\x7f é ☃ \u00a0"));
        var dump = DockerfileDump.Render(DockerfileParser.Parse("ONBUILD RUN [\"a\"]\nCOPY --link x y\nENV a b\n"));
        Assert.AreEqual("(onbuild (run \"a\"))\n(copy [\"--link\"] \"x\" \"y\")\n(env \"a\" \"b\" \"\")\n", dump);
    }
}
