using System.Text;
using System.Text.RegularExpressions;

namespace ImageTasks.Definition.Dockerfiles;

/// <summary>Go's filepath.Match patterns (*, ?, [...], [^...], \ escapes) as .NET regular expressions.</summary>
public static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <param name="crossesSlash">Whether * and ? match '/' too (shell patterns do; path patterns do not).</param>
    public static string ToRegex(string pattern, bool crossesSlash)
    {
        var any = crossesSlash ? "." : "[^/]";
        var sb = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(any).Append('*'); break;
                case '?': sb.Append(any); break;
                case '\\' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                case '[':
                {
                    var end = pattern.IndexOf(']', i + 2);
                    if (end < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }
                    var body = pattern[(i + 1)..end];
                    var negate = body.StartsWith('^') || body.StartsWith('!');
                    if (negate) body = body[1..];
                    sb.Append(negate ? "[^" : "[").Append(body.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal)).Append(']');
                    i = end;
                    break;
                }
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.ToString();
    }
}
