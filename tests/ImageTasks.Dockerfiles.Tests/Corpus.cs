namespace ImageTasks.Dockerfiles.Tests;

/// <summary>
/// The shared Dockerfile corpus: <c>../shared/dockerfiles</c> beside the folder holding ImageTasks.sln,
/// found by walking up from the test assembly.
/// </summary>
internal static class Corpus
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ImageTasks.sln")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "dockerfiles"));
        }
        throw new InvalidOperationException("ImageTasks.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The names of the buildkit test vectors (folders holding a Dockerfile).</summary>
    public static IEnumerable<object[]> BuildkitVectors() =>
        Directory.GetDirectories(Path.Combine(Root, "buildkit"))
            .Where(d => File.Exists(Path.Combine(d, "Dockerfile")))
            .Select(d => new object[] { Path.GetFileName(d) })
            .OrderBy(a => (string)a[0], StringComparer.Ordinal);

    /// <summary>The real-world Dockerfiles, as paths relative to the corpus root.</summary>
    public static IEnumerable<object[]> RealWorldFiles() =>
        new[] { "official", "apps" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(Root, folder)))
            .Select(f => new object[] { Path.GetRelativePath(Root, f).Replace('\\', '/') })
            .OrderBy(a => (string)a[0], StringComparer.Ordinal);
}
