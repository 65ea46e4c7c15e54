namespace ImageTasks.Dockerfiles.Tests;

[TestClass]
public sealed class ErrorTests
{
    private static DockerfileSyntaxException Fails(string text) =>
        Assert.ThrowsExactly<DockerfileSyntaxException>(() => DockerfileParser.Parse(text, "app/Dockerfile"));

    [TestMethod]
    [DataRow("FROM x\nENV a=1 \\\n   # comment\n   b\n", 4, 4, "'b'")]
    [DataRow("LABEL version", 1, 7, "version=value")]
    [DataRow("FROM x\nCMD [\"a\", 1]", 2, 5, "1, which is not a string")]
    [DataRow("COPY [\"a\", [\"b\"]]", 1, 6, "[\"b\"], which is not a string")]
    [DataRow("ONBUILD HEALTHCHECK CMD [null]", 1, 25, "null, which is not a string")]
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
    public void Invalid_directive_is_an_error(string text, int line)
    {
        var error = Fails(text);
        Assert.AreEqual(DockerfileErrorCodes.InvalidDirective, error.Code);
        Assert.AreEqual(line, error.Line);
    }

    [TestMethod]
    public void To_string_has_the_location_and_code()
    {
        Assert.AreEqual("app/Dockerfile(1,7): error IMG6001: LABEL version has no value. Write 'LABEL version=value'.",
                        Fails("LABEL version").ToString());
    }
}
