using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>
/// A Dockerfile's build context: a folder on the host and its .dockerignore. COPY and ADD sources are resolved in it
/// (wildcards included); what .dockerignore excludes is not there, as for Docker. Reads folder listings, never contents.
/// </summary>
public sealed class BuildContext
{
    public BuildContext(string directory, DockerIgnore? ignore = null)
    {
        Directory = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        Ignore = ignore ?? DockerIgnore.None;
    }

    /// <summary>The context folder with its ignore file: <c>&lt;Dockerfile&gt;.dockerignore</c> beside the Dockerfile when
    /// there is one (as buildkit does), otherwise <c>.dockerignore</c> at the context root.</summary>
    public static BuildContext Load(string directory, string? dockerfilePath = null)
    {
        var candidates = new[] { dockerfilePath is null ? null : dockerfilePath + ".dockerignore", Path.Combine(directory, ".dockerignore") };
        var file = candidates.FirstOrDefault(File.Exists);
        return new BuildContext(directory, file is null ? null : new DockerIgnore(File.ReadAllLines(file)));
    }

    public string Directory { get; }
    public DockerIgnore Ignore { get; }

    /// <summary>A path cleaned as Go's path.Clean, made relative: "/a/./b/" -> "a/b", "." and "/" -> "". Null when it
    /// climbs above the root ("../x").</summary>
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (parts.Count == 0) return "..";
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(segment);
        }
        return string.Join('/', parts);
    }

    public string HostPath(string relative) =>
        relative.Length == 0 ? Directory : Path.Combine(Directory, relative.Replace('/', Path.DirectorySeparatorChar));

    string Relative(string hostPath) => Path.GetRelativePath(Directory, hostPath).Replace(Path.DirectorySeparatorChar, '/') is var r && r == "." ? "" : r;

    /// <summary>The host paths a COPY/ADD source names, sorted: one path, or every match of a wildcard pattern. Empty
    /// when nothing matches (missing, excluded); null when the source climbs out of the context.</summary>
    public IReadOnlyList<string>? Resolve(string source)
    {
        var relative = Clean(source);
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal)) return null;
        if (!Glob.HasWildcards(relative))
        {
            var path = HostPath(relative);
            return (File.Exists(path) || System.IO.Directory.Exists(path)) && !Ignore.Excludes(relative) ? [path] : [];
        }
        // Walk from the last folder before the first wildcard, as deep as the pattern has segments.
        var segments = relative.Split('/');
        var fixedCount = segments.TakeWhile(s => !Glob.HasWildcards(s)).Count();
        var start = string.Join('/', segments[..fixedCount]);
        var regex = new Regex("^" + Glob.ToRegex(relative, crossesSlash: false) + "$", RegexOptions.CultureInvariant);
        var matches = new List<string>();
        Walk(start, segments.Length - fixedCount, candidate =>
        {
            if (regex.IsMatch(candidate)) matches.Add(HostPath(candidate));
        });
        matches.Sort(StringComparer.Ordinal);
        return matches;
    }

    void Walk(string relativeFolder, int depth, Action<string> visit)
    {
        var folder = HostPath(relativeFolder);
        if (depth == 0 || !System.IO.Directory.Exists(folder)) return;
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            var relative = relativeFolder.Length == 0 ? entry.Name : relativeFolder + "/" + entry.Name;
            if (Ignore.Excludes(relative)) continue;
            visit(relative);
            if (entry is DirectoryInfo) Walk(relative, depth - 1, visit);
        }
    }

    /// <summary>The filter of a folder copied from the context: .dockerignore's exclusions, and the folder itself (its
    /// contents are copied; the destination folder is made by the engine, or kept as the parent image has it).</summary>
    public ICopyFilter FilterFor(string hostFolder) => new FolderFilter(this, Path.GetFullPath(hostFolder));

    sealed class FolderFilter(BuildContext context, string root) : ICopyFilter
    {
        public bool Excludes(string hostPath) => hostPath == root || context.Ignore.Excludes(context.Relative(hostPath));
        public bool MayReinclude(string hostFolder) => hostFolder == root || context.Ignore.HasExceptions;
    }
}
