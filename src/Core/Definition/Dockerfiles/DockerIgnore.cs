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
