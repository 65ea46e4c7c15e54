namespace ImageTasks.Dockerfiles.Tests;

[TestClass]
public sealed class HeredocTests
{
    [TestMethod]
    public void Run_heredoc_body_is_read_after_the_line()
    {
        var document = DockerfileParser.Parse("FROM x\nRUN <<EOF\nset -e\n\n# not a comment\necho $HOME\nEOF\nRUN next\n");
        var run = document.Instructions[1];
        CollectionAssert.AreEqual(new[] { "<<EOF" }, run.Arguments.ToArray());
        var heredoc = run.Heredocs.Single();
        Assert.AreEqual(new Heredoc("EOF", "set -e\n\n# not a comment\necho $HOME\n", false, false), heredoc);
        Assert.AreEqual(7, run.EndLine);
        Assert.AreEqual(8, document.Instructions[2].Line);
    }

    [TestMethod]
    public void Dash_heredoc_strips_tabs()
    {
        var heredoc = DockerfileParser.Parse("RUN <<-EOT\n\techo a\n\t\techo b\n\tEOT\n").Instructions.Single().Heredocs.Single();
        Assert.IsTrue(heredoc.StripTabs);
        Assert.AreEqual("\techo a\n\t\techo b\n", heredoc.Content);
        Assert.AreEqual("echo a\necho b\n", heredoc.Text);
    }

    [TestMethod]
    public void Copy_heredoc_with_quoted_delimiter_and_flags()
    {
        var copy = DockerfileParser.Parse("COPY --chmod=755 <<\"EOF\" /entrypoint.sh\n#!/bin/sh\nexec \"$@\"\nEOF\n").Instructions.Single();
        CollectionAssert.AreEqual(new[] { "--chmod=755" }, copy.Flags.ToArray());
        CollectionAssert.AreEqual(new[] { "<<\"EOF\"", "/entrypoint.sh" }, copy.Arguments.ToArray());
        Assert.AreEqual(new Heredoc("EOF", "#!/bin/sh\nexec \"$@\"\n", false, true), copy.Heredocs.Single());
    }

    [TestMethod]
    public void Several_heredocs_on_one_line_are_read_in_order()
    {
        var copy = DockerfileParser.Parse("COPY <<a.txt <<'b.txt' /dst/\nA\na.txt\nB\nb.txt\n").Instructions.Single();
        CollectionAssert.AreEqual(
            new[] { new Heredoc("a.txt", "A\n", false, false), new Heredoc("b.txt", "B\n", false, true) },
            copy.Heredocs.ToArray());
    }

    [TestMethod]
    public void Heredoc_marker_after_continuation_lines()
    {
        var run = DockerfileParser.Parse("RUN --mount=type=cache,target=/c \\\n  <<EOT\nmake\nEOT\n").Instructions.Single();
        Assert.AreEqual("make\n", run.Heredocs.Single().Content);
    }

    [TestMethod]
    public void Onbuild_trigger_reads_its_heredocs()
    {
        var document = DockerfileParser.Parse("ONBUILD RUN 3<<EOF cat /dev/fd/3\nhi\nEOF\nRUN next\n");
        Assert.AreEqual(new Heredoc("EOF", "hi\n", false, false), document.Instructions[0].Trigger!.Heredocs.Single());
        Assert.AreEqual("RUN", document.Instructions[1].Keyword);
    }

    [TestMethod]
    [DataRow("RUN echo \"<<EOF\"")]
    [DataRow("RUN cat <<EOF<x")]
    [DataRow("RUN cat <<< hello")]
    [DataRow("RUN echo $((1 << 2))")]
    [DataRow("RUN [\"cat\", \"<<EOF\"]")]
    [DataRow("CMD cat <<EOF")]
    public void NotAHeredoc(string line)
    {
        Assert.IsEmpty(DockerfileParser.Parse(line).Instructions.Single().Heredocs);
    }

    [TestMethod]
    public void Unterminated_heredoc_is_an_error_at_the_marker()
    {
        var error = Assert.ThrowsExactly<DockerfileSyntaxException>(
            () => DockerfileParser.Parse("FROM x\nRUN cat <<EOF\nhello\n", "Dockerfile"));
        Assert.AreEqual(DockerfileErrorCodes.UnterminatedHeredoc, error.Code);
        Assert.AreEqual((2, 9), (error.Line, error.Column));
        StringAssert.Contains(error.Message, "EOF");
    }
}
