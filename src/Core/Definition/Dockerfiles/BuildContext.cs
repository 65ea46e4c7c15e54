using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>
/// The patterns of a .dockerignore file, matched as Docker matches them (moby/patternmatcher): one pattern a line,
/// '#' comments, paths cleaned and relative to the context root, '*' and '?' within a path segment, '**' across
/// segments, '!' re-includes. A path is excluded when the last pattern matching it, or one of its parent folders,
/// is not an exception.
/// </summary>
public sealed class DockerIgnore
{
    readonly (Regex Pattern, bool Exception)[] _patterns;

    public DockerIgnore(IEnumerable<string> lines)
    {
        var patterns = new List<(Regex, bool)>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var exception = line.StartsWith('!');
            if (exception) line = line[1..].Trim();
            var clean = BuildContext.Clean(line);
            if (clean.Length == 0) continue;
            patterns.Add((new Regex("^" + ToRegex(clean) + "$", RegexOptions.CultureInvariant), exception));
        }
        _patterns = [.. patterns];
    }

    public static DockerIgnore None { get; } = new([]);

    public bool HasExceptions => _patterns.Any(p => p.Exception);

    /// <summary>Whether a path relative to the context root ('/'-separated, cleaned) is left out of the context.</summary>
    public bool Excludes(string relativePath)
    {
        if (relativePath.Length == 0) return false;
        var parents = relativePath.Split('/');
        var excluded = false;
        foreach (var (pattern, exception) in _patterns)
        {
            // an exclusion only matters while not excluded yet; an exception only once excluded
            if (exception != excluded) continue;
            var match = pattern.IsMatch(relativePath);
            for (var i = 1; !match && i < parents.Length; i++) match = pattern.IsMatch(string.Join('/', parents[..i]));
            if (match) excluded = !exception;
        }
        return excluded;
    }

    /// <summary>'**' any number of segments, '*' and '?' within one, [...] classes, '\' escapes.</summary>
    static string ToRegex(string pattern)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (string.CompareOrdinal(pattern, i, "**", 0, 2) == 0)
            {
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                sb.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
                continue;
            }
            var next = pattern.IndexOfAny(['*', '?', '[', '\\'], i);
            var end = next < 0 ? pattern.Length : next;
            if (end > i)
            {
                sb.Append(Regex.Escape(pattern[i..end]));
                i = end - 1;
                continue;
            }
            var single = pattern[i] == '\\' && i + 1 < pattern.Length ? pattern.Substring(i, 2) : pattern[i].ToString();
            var closing = pattern[i] == '[' ? pattern.IndexOf(']', i + 1) : -1;
            if (closing > 0) single = pattern[i..(closing + 1)];
            sb.Append(Glob.ToRegex(single, crossesSlash: false));
            i += single.Length - 1;
        }
        return sb.ToString();
    }
}

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
