using ImageTasks.Diagnostics;

namespace ImageTasks.Planning;

/// <summary>
/// The host files a requirements file pulls in, found the way pip reads it: <c>-r</c>/<c>--requirement</c> and
/// <c>-c</c>/<c>--constraint</c> files (relative to the file that names them, followed recursively), local package
/// paths and <c>-e</c> folders (relative to pip's working directory: the top file's folder), and <c>-f</c>/<c>--find-links</c>
/// paths (relative to the file when there, else to the working directory). URLs and absolute paths (paths in the
/// image) are left to pip. Lines are joined at a trailing backslash; comments (# at a line's start or after
/// whitespace) are dropped.
/// </summary>
public static class RequirementsFiles
{
    /// <summary>The top file and every file or folder it pulls in, as full host paths, the top file first.</summary>
    public static IReadOnlyList<string> Collect(string topFile)
    {
        var top = Path.GetFullPath(topFile);
        var workingDirectory = Path.GetDirectoryName(top)!;
        var found = new List<string> { top };
        var queue = new Queue<string>([top]);
        while (queue.Count > 0)
        {
            var file = queue.Dequeue();
            var folder = Path.GetDirectoryName(file)!;
            foreach (var (number, line) in Lines(file))
            {
                var (option, value) = Split(line);
                string? path = option switch
                {
                    "-r" or "--requirement" or "-c" or "--constraint" => Local(value) ? Full(folder, value!) : null,
                    "-f" or "--find-links" => !Local(value) ? null
                        : Path.Exists(Path.Combine(folder, value!)) ? Full(folder, value!) : Full(workingDirectory, value!),
                    "-e" or "--editable" => Local(value) ? Full(workingDirectory, value!) : null,
                    null => LocalRequirement(value!) is { } p ? Full(workingDirectory, p) : null,
                    _ => null,
                };
                if (path is null || found.Contains(path)) continue;
                if (!Path.Exists(path))
                    throw new ImageTasksException(ErrorCodes.InvalidRequirementsFile,
                        $"The requirements file \"{file}\" (line {number}: \"{line}\") refers to \"{path}\", which does not exist. " +
                        "Create it, or correct the path (-r and -c paths are relative to the file that names them, package paths to the top requirements file's folder).");
                found.Add(path);
                if (option is "-r" or "--requirement" or "-c" or "--constraint") queue.Enqueue(path);
            }
        }
        return found;
    }

    private static string Full(string folder, string relative) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(folder, relative)));

    /// <summary>A relative host path (not a URL, not absolute: an absolute path is the image's).</summary>
    private static bool Local(string? value) =>
        !string.IsNullOrEmpty(value) && !value.Contains("://", StringComparison.Ordinal) && !value.StartsWith('/') && !value.StartsWith("git+", StringComparison.Ordinal);

    /// <summary>The path of a requirement line that names a local package (./pkg, ../wheels/x.whl, x-1.0.tar.gz), else null.</summary>
    private static string? LocalRequirement(string requirement)
    {
        var text = requirement.Split(';')[0].Trim();
        var space = text.IndexOfAny([' ', '\t']);
        if (space >= 0) text = text[..space];
        if (text.EndsWith(']') && text.LastIndexOf('[') is > 0 and var bracket) text = text[..bracket]; // ./pkg[extra]
        return Definition.Pep508.IsLocalPath(text) && Local(text) ? text : null;
    }

    /// <summary>An option line's option and value ("-r x", "-rx", "--requirement=x"), or (null, requirement).</summary>
    private static (string? Option, string? Value) Split(string line)
    {
        if (!line.StartsWith('-')) return (null, line);
        if (line.StartsWith("--", StringComparison.Ordinal))
        {
            var end = line.IndexOfAny(['=', ' ', '\t']);
            return end < 0 ? (line, null) : (line[..end], line[(end + 1)..].Trim());
        }
        return (line[..2], line[2..].Trim());
    }

    /// <summary>Logical lines: continuations joined, comments and blank lines dropped, with their first line number.</summary>
    private static IEnumerable<(int Number, string Line)> Lines(string file)
    {
        string[] lines;
        try { lines = File.ReadAllLines(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageTasksException(ErrorCodes.InvalidRequirementsFile, $"The requirements file \"{file}\" cannot be read ({e.Message}). Give a readable file.");
        }
        var pending = "";
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            if (pending.Length == 0) start = i + 1;
            var line = lines[i];
            if (line.EndsWith('\\')) { pending += line[..^1]; continue; }
            var joined = StripComment(pending + line).Trim();
            pending = "";
            if (joined.Length > 0) yield return (start, joined);
        }
        if (StripComment(pending).Trim() is { Length: > 0 } last) yield return (start, last);
    }

    private static string StripComment(string line)
    {
        for (var i = 0; i < line.Length; i++)
            if (line[i] == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1]))) return line[..i];
        return line;
    }
}
