namespace ImageTasks.Dockerfiles.Tests;

[TestClass]
public sealed class ConformanceTests
{
    public static IEnumerable<object[]> BuildkitVectors => Corpus.BuildkitVectors();

    public static IEnumerable<object[]> OwnVectors => Corpus.OwnVectors();

    public static IEnumerable<object[]> RealWorldFiles => Corpus.RealWorldFiles();

    [TestMethod]
    public void Corpus_is_present()
    {
        Assert.IsNotEmpty(Corpus.BuildkitVectors().ToList(), "no buildkit vectors under " + Corpus.Root);
        Assert.IsNotEmpty(Corpus.RealWorldFiles().ToList(), "no real-world Dockerfiles under " + Corpus.Root);
        Assert.IsNotEmpty(Corpus.OwnVectors().ToList(), "no vectors under " + Corpus.OwnVectorsRoot);
    }

    [TestMethod]
    [DynamicData(nameof(BuildkitVectors))]
    public void Buildkit_vector_matches_its_result(string folder) => AssertVector(folder);

    /// <summary>Cases where this parser and buildkit's disagreed (dumps worked out from buildkit's parser.go).</summary>
    [TestMethod]
    [DynamicData(nameof(OwnVectors))]
    public void Own_vector_matches_its_result(string folder) => AssertVector(folder);

    /// <summary>A vector with a result file parses to exactly that dump; one without is a syntax error.</summary>
    private static void AssertVector(string folder)
    {
        string dockerfile = Path.Combine(folder, "Dockerfile");
        string text = File.ReadAllText(dockerfile);
        string resultFile = Path.Combine(folder, "result");
        if (!File.Exists(resultFile))
        {
            var error = Assert.ThrowsExactly<DockerfileSyntaxException>(() => DockerfileParser.Parse(text, dockerfile));
            StringAssert.StartsWith(error.Code, "IMG6");
            return;
        }
        string dump = DockerfileDump.Render(DockerfileParser.Parse(text, dockerfile));
        Assert.AreEqual(File.ReadAllText(resultFile), dump);
    }

    [TestMethod]
    [DynamicData(nameof(RealWorldFiles))]
    public void Real_world_dockerfile_parses(string relativePath)
    {
        string path = Path.Combine(Corpus.Root, relativePath);
        var document = DockerfileParser.Parse(File.ReadAllText(path), path);
        Assert.IsNotEmpty(document.Instructions);
        Assert.IsTrue(document.Instructions.Any(i => i.Keyword == "FROM"), "no FROM parsed");
    }

    [TestMethod]
    [DataRow("apps/jenkins-windowsservercore-hotspot.Dockerfile", '`', 0)]
    [DataRow("apps/buildkit.Dockerfile", '\\', 10)]
    [DataRow("apps/moby.Dockerfile", '\\', 9)]
    public void Real_world_escape_and_heredocs(string relativePath, char escape, int heredocs)
    {
        var document = DockerfileParser.Parse(File.ReadAllText(Path.Combine(Corpus.Root, relativePath)));
        Assert.AreEqual(escape, document.Escape);
        Assert.AreEqual(heredocs, document.Instructions.Sum(i => i.Heredocs.Count));
    }
}
