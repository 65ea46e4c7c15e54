using System.Text.RegularExpressions;

namespace ImageTasks.Definition;

/// <summary>
/// Wrapper entrypoints: the image's command (and docker run's arguments) reach the entrypoint as "$@", so a shell
/// script used as one must exec them (<c>exec "$@"</c>) or they never run. Used by every flow that copies files and
/// keeps an ENTRYPOINT: Dockerfiles, and project items.
/// </summary>
public static partial class EntrypointScript
{
    /// <summary>The host file is a shell script (a #! line naming sh, bash, dash, ash, ksh or zsh) that never execs
    /// "$@". False when it is no shell script or cannot be read.</summary>
    public static bool DropsArguments(string hostPath)
    {
        try
        {
            using var reader = new StreamReader(hostPath); // "#!" first: an app binary is not read through
            var start = new char[2];
            return reader.ReadBlock(start, 0, 2) == 2 && start is ['#', '!'] && reader.ReadLine() is { } first
                && ShellShebang().IsMatch("#!" + first) && !ExecsArguments().IsMatch(reader.ReadToEnd());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The warning's text (IMG6501): which entrypoint, where it came from, what would not run, what to do.</summary>
    public static string Message(string entrypoint, string hostPath, IReadOnlyList<string>? command) =>
        $"the entrypoint {entrypoint} (copied from {hostPath}) does not exec its arguments: the image's command" +
        (command is { Count: > 0 } ? $" ({string.Join(" ", command)})" : "") +
        " and docker run's arguments reach it as \"$@\" and would never run. End the script with: exec \"$@\"";

    /// <summary>Where a program named in an entrypoint is looked for in the image: itself when absolute, under the
    /// working directory when it has a '/', else in each folder of PATH.</summary>
    public static IEnumerable<string> Candidates(string program, string? workingDirectory, string? path) =>
        program.StartsWith('/') ? [program]
        : program.Contains('/') ? [(workingDirectory ?? "/").TrimEnd('/') + "/" + (program.StartsWith("./", StringComparison.Ordinal) ? program[2..] : program)]
        : (path ?? DefaultPath).Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => d.TrimEnd('/') + "/" + program);

    /// <summary>The PATH of an image whose configuration sets none (the engine's default).</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The host file the last of <paramref name="steps"/>' copies puts at <paramref name="imagePath"/>, or null.</summary>
    public static string? CopiedTo(IEnumerable<BuildStep> steps, string imagePath)
    {
        foreach (var copy in steps.OfType<CopyStep>().Reverse())
        {
            var folder = copy.Destination.TrimEnd('/');
            foreach (var source in copy.Sources.Reverse())
            {
                var host = source.TargetName is { } name ? (folder + "/" + name == imagePath ? source.HostPath : null)
                    : Directory.Exists(source.HostPath) ? (imagePath.StartsWith(folder + "/", StringComparison.Ordinal) ? Path.Combine(source.HostPath, imagePath[(folder.Length + 1)..]) : null)
                    : folder + "/" + Path.GetFileName(source.HostPath) == imagePath ? source.HostPath : null;
                if (host is not null && File.Exists(host)) return host;
            }
        }
        return null;
    }

    [GeneratedRegex(@"^#!\s*\S*(/|\s)(sh|bash|dash|ash|ksh|zsh)\b")]
    private static partial Regex ShellShebang();

    [GeneratedRegex(@"(^|[\s;&|])exec\s[^\n]*""\$(@|\{@\})""")]
    private static partial Regex ExecsArguments();
}
