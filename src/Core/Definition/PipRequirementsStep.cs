using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// The per-step volume a step reads files from without committing them: secret files (pip.conf with an index token)
/// and input files (requirements files and what they include, local wheels), mounted at <see cref="Directory"/> during
/// the step only. Input files are mirrored under <see cref="Inputs"/> in their folder layout, so relative references
/// between them (-r, -c, ./wheels) resolve as on the host.
/// </summary>
public static class StepVolume
{
    public const string Directory = "/run"; // a folder every Debian-like image has: no mount point is left in the layer
    public const string Inputs = Directory + "/inputs";
    /// <summary>Where local wheels and sdists of PipPackage items go (by file name: pip reads a wheel's name from it).</summary>
    public const string LocalPackages = Directory + "/packages";

    public static string LocalPackagePath(string hostPath) => LocalPackages + "/" + Path.GetFileName(hostPath);
}

/// <summary>
/// <c>python -m pip install -r FILE</c> (Modal's pip_install_from_requirements). The file and every file it pulls in
/// (-r, -c, local paths, --find-links folders given as paths) reach the step through its volume, never the image;
/// the planner finds them and keys their content.
/// </summary>
public sealed record PipRequirementsStep : BuildStep
{
    public PipRequirementsStep(string requirementsFile, PipOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(requirementsFile) || !Path.IsPathFullyQualified(requirementsFile))
            throw new ImageTasksException(ErrorCodes.InvalidRequirementsFile,
                $"The requirements file \"{requirementsFile}\" is not an absolute host path. Give the full path of the file (an item's Include is made full against the project folder).");
        RequirementsFile = Path.GetFullPath(requirementsFile);
        Options = options ?? new PipOptions();
        Validation.CheckPipOptions(Options);
    }

    /// <summary>Absolute host path of the requirements file.</summary>
    public string RequirementsFile { get; }
    public PipOptions Options { get; }
    public override string Summary => "pip install -r " + Path.GetFileName(RequirementsFile);
}

public static partial class Pep508
{
    private static readonly string[] PackageFileEndings = [".whl", ".tar.gz", ".tgz", ".zip"];

    /// <summary>A PipPackage Include that names a file rather than a requirement: a relative or absolute path, or a
    /// wheel or sdist file name (never a URL).</summary>
    public static bool IsLocalPath(string text)
    {
        var s = text.Split(';')[0].Trim();
        return !s.Contains("://", StringComparison.Ordinal) && !s.Contains('@') && !s.Any(char.IsWhiteSpace)
            && (s.Contains('/') || s.Contains('\\') || s.StartsWith('.') || PackageFileEndings.Any(e => s.EndsWith(e, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>A local wheel or sdist (absolute host path): its project name is read from the file name
    /// (name-version...), as pip does. IMG1044 when the name is not a package file's.</summary>
    public static PipPackage LocalFile(string hostPath, string? marker = null)
    {
        var fileName = Path.GetFileName(hostPath);
        var dash = fileName.IndexOf('-', StringComparison.Ordinal);
        if (!Path.IsPathFullyQualified(hostPath) || dash <= 0 || !PackageFileEndings.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase))
            || !Identifier().IsMatch(fileName[..dash]))
            throw new ImageTasksException(ErrorCodes.InvalidLocalPipPackage,
                $"The local pip package \"{hostPath}\" is not a wheel or sdist file: its name must be name-version followed by {string.Join(", ", PackageFileEndings)} " +
                "(\"wheels/mylib-1.0-py3-none-any.whl\", \"dist/mylib-1.0.tar.gz\"). Give the path of such a file, or a requirement such as \"mylib>=1.0\".");
        var package = new PipPackage(fileName[..dash]) { LocalPath = Path.GetFullPath(hostPath), Marker = marker is null ? null : NormalizeMarker(marker, hostPath) };
        Validation.CheckPipPackage(package);
        return package;
    }
}
