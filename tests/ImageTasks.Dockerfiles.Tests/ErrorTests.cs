namespace ImageTasks.Dockerfiles.Tests;

[TestClass]
public sealed class ErrorTests
{
    private static DockerfileSyntaxException Fails(string text) =>
        Assert.ThrowsExactly<DockerfileSyntaxException>(() => DockerfileParser.Parse(text, "app/Dockerfile"));

    [TestMethod]
    [DataRow("FROM x\n\n  FOO bar\n", 3, 3, "FOO")]
    [DataRow("FROM x\nRUN\n", 2, 1, "RUN")]
    [DataRow("FROM x\nCOPY --from=a\n", 2, 1, "COPY")]
    [DataRow("FROM x\nENV a=1 \\\n   # comment\n   b\n", 4, 4, "'b'")]
    [DataRow("ENV =1", 1, 5, "no name")]
    [DataRow("LABEL version", 1, 7, "version=value")]
    [DataRow("HEALTHCHECK --interval=1s PING", 1, 27, "NONE or CMD")]
    [DataRow("HEALTHCHECK NONE now", 1, 18, "no arguments")]
    [DataRow("HEALTHCHECK CMD", 1, 13, "no command")]
    [DataRow("ONBUILD FROM x", 1, 9, "ONBUILD")]
    [DataRow("ONBUILD  bogus", 1, 10, "bogus")]
    [DataRow("RUN a \\\nb\nc d", 3, 1, "'c'")]
    public void SyntaxErrorNamesFileLineAndColumn(string text, int line, int column, string inMessage)
    {
        var error = Fails(text);
        Assert.AreEqual(DockerfileErrorCodes.SyntaxError, error.Code);
        Assert.AreEqual("app/Dockerfile", error.File);
        Assert.AreEqual((line, column), (error.Line, error.Column));
        StringAssert.Contains(error.Message, inMessage);
    }

    [TestMethod]
    [DataRow("# escape=x\nFROM a", 1)]
    [DataRow("# escape=`\n# Escape=\\\nFROM a", 2)]
    [DataRow("# syntax=a\n# syntax=b\nFROM a", 2)]
    public void InvalidDirectiveIsAnError(string text, int line)
    {
        var error = Fails(text);
        Assert.AreEqual(DockerfileErrorCodes.InvalidDirective, error.Code);
        Assert.AreEqual(line, error.Line);
    }

    [TestMethod]
    public void ToStringHasTheLocationAndCode()
    {
        Assert.AreEqual("app/Dockerfile(1,1): error IMG6001: Unknown instruction 'FOO'. Each instruction must start with a name such as " +
                        "FROM, RUN, COPY or ENV; if this line continues the one before, end that line with '\\'.", Fails("FOO").ToString());
    }
}
