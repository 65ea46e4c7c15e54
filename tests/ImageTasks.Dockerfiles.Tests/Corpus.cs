namespace ImageTasks.Dockerfiles.Tests;

/// <summary>
/// The shared Dockerfile corpus: <c>shared/dockerfiles</c> beside the folder holding ImageTasks.sln (or beside
/// one of its parents, as for a git worktree under <c>wt/</c>), found by walking up from the test assembly; and this
/// project's own vectors in <c>Vectors/</c>, in the same layout as buildkit's.
/// </summary>
internal static class Corpus
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Root { get; } = FindShared(Directory.GetParent(RepositoryRoot)!);

    public static string OwnVectorsRoot { get; } = Path.Combine(RepositoryRoot, "tests", "ImageTasks.Dockerfiles.Tests", "Vectors");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageTasks.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("ImageTasks.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindShared(DirectoryInfo start)
    {
        for (var dir = start; dir != null; dir = dir.Parent)
        {
            string corpus = Path.Combine(dir.FullName, "shared", "dockerfiles");
            if (Directory.Exists(corpus))
                return corpus;
        }
        return Path.Combine(start.FullName, "shared", "dockerfiles"); // missing: CorpusIsPresent says where it looked
    }

    /// <summary>The buildkit test vectors (folders holding a Dockerfile), as full paths.</summary>
    public static IEnumerable<object[]> BuildkitVectors() => VectorsIn(Path.Combine(Root, "buildkit"));

    /// <summary>This project's own vectors, as full paths.</summary>
    public static IEnumerable<object[]> OwnVectors() => VectorsIn(OwnVectorsRoot);

    private static IEnumerable<object[]> VectorsIn(string folder) =>
        Directory.GetDirectories(folder)
            .Where(d => File.Exists(Path.Combine(d, "Dockerfile")))
            .Order(StringComparer.Ordinal)
            .Select(d => new object[] { d });

    /// <summary>The real-world Dockerfiles, as paths relative to the corpus root.</summary>
    public static IEnumerable<object[]> RealWorldFiles() =>
        new[] { "official", "apps" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(Root, folder)))
            .Select(f => new object[] { Path.GetRelativePath(Root, f).Replace('\\', '/') })
            .OrderBy(a => (string)a[0], StringComparer.Ordinal);
}
