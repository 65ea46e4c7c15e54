using System.Text.RegularExpressions;

namespace ImageTasks.Sbom;

/// <summary>
/// An installed Python distribution's core metadata (*.dist-info/METADATA, or a legacy *.egg-info/PKG-INFO): email
/// headers up to the first blank line, of which Name and Version are read. The purl's name is the PEP 503 normal form
/// (lowercase, runs of '-', '_', '.' as one '-'), as the purl specification asks for PyPI.
/// </summary>
public static partial class PythonMetadata
{
    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex Separators();

    /// <summary>Whether an image path is a distribution's metadata file.</summary>
    public static bool IsMetadataPath(string path) =>
        (path.EndsWith("/METADATA", StringComparison.Ordinal) && path.Contains(".dist-info/", StringComparison.Ordinal)
         && path.LastIndexOf(".dist-info/", StringComparison.Ordinal) + ".dist-info/METADATA".Length == path.Length)
        || (path.EndsWith(".egg-info/PKG-INFO", StringComparison.Ordinal));

    public static (SbomComponent? Component, string? Skipped) Parse(string text, string path)
    {
        string? name = null, version = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) break; // the body (the description) starts here
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[0] is ' ' or '\t') continue;
            var field = line[..colon];
            if (field.Equals("Name", StringComparison.OrdinalIgnoreCase)) name ??= line[(colon + 1)..].Trim();
            else if (field.Equals("Version", StringComparison.OrdinalIgnoreCase)) version ??= line[(colon + 1)..].Trim();
        }
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            return (null, $"{path}: no {(string.IsNullOrEmpty(name) ? "Name" : "Version")} in its metadata");
        var normal = Separators().Replace(name, "-").ToLowerInvariant();
        return (new SbomComponent("pypi", name, version, $"pkg:pypi/{SbomComponent.Encode(normal)}@{SbomComponent.Encode(version)}", path), null);
    }
}
