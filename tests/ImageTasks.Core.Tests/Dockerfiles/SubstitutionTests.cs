using ImageTasks.Definition.Dockerfiles;

namespace ImageTasks.Core.Tests.Dockerfiles;

[TestClass]
public sealed class SubstitutionTests
{
    static readonly Dictionary<string, string> Vars = new() { ["A"] = "one", ["EMPTY"] = "", ["PATH"] = "/usr/bin:/bin", ["FILE"] = "archive.tar.gz" };

    static string Expand(string word, char escape = '\\') => Substitution.Expand(word, n => Vars.GetValueOrDefault(n), escape);

    [TestMethod]
    [DataRow("$A", "one")]
    [DataRow("${A}", "one")]
    [DataRow("x${A}y", "xoney")]
    [DataRow("$A-$A", "one-one")]
    [DataRow("$UNSET", "")]
    [DataRow("${UNSET:-fallback}", "fallback")]
    [DataRow("${EMPTY:-fallback}", "fallback")]
    [DataRow("${EMPTY-fallback}", "")]
    [DataRow("${UNSET-fallback}", "fallback")]
    [DataRow("${A:-fallback}", "one")]
    [DataRow("${A:+alt}", "alt")]
    [DataRow("${EMPTY:+alt}", "")]
    [DataRow("${EMPTY+alt}", "alt")]
    [DataRow("${UNSET:+alt}", "")]
    [DataRow("${UNSET:-$A}", "one")]
    [DataRow("${UNSET:-\"a b\"}", "a b")]
    [DataRow("$PATH:/foo", "/usr/bin:/bin:/foo")]
    [DataRow("\\$A", "$A")]
    [DataRow("'$A'", "$A")]
    [DataRow("\"$A\"", "one")]
    [DataRow("\"\\$A\"", "$A")]
    [DataRow("\"a\\b\"", "a\\b")]
    [DataRow("a\\ b", "a b")]
    [DataRow("$", "$")]
    [DataRow("a$", "a$")]
    [DataRow("${FILE%.gz}", "archive.tar")]
    [DataRow("${FILE%%.*}", "archive")]
    [DataRow("${FILE#*.}", "tar.gz")]
    [DataRow("${FILE##*.}", "gz")]
    public void Expands_as_docker_does(string word, string expected) => Assert.AreEqual(expected, Expand(word));

    [TestMethod]
    public void The_escape_directive_changes_the_escape_character()
    {
        Assert.AreEqual("$A", Expand("`$A", '`'));
        Assert.AreEqual("C:\\one", Expand("C:\\$A", '`'));
    }

    [TestMethod]
    [DataRow("${UNSET:?must be set}", "must be set")]
    [DataRow("${UNSET?}", "is not allowed to be unset")]
    [DataRow("${EMPTY:?}", "is not allowed to be empty")]
    [DataRow("${A", "missing")]
    [DataRow("${}", "bad substitution")]
    [DataRow("${A:=x}", "unsupported modifier")]
    [DataRow("'open", "single quote")]
    public void Refuses_what_docker_refuses(string word, string message)
    {
        var e = Assert.ThrowsExactly<SubstitutionException>(() => Expand(word));
        StringAssert.Contains(e.Message, message);
    }
}
