namespace ImageTasks.Sbom;

/// <summary>One package found in an image.</summary>
/// <param name="Kind">"deb" (a Debian package) or "pypi" (a Python distribution).</param>
/// <param name="Purl">Its package URL (pkg:deb/debian/jq@1.6-2.1?arch=amd64, pkg:pypi/requests@2.31.0): also its bom-ref.</param>
/// <param name="Path">Where its record is in the image (/var/lib/dpkg/status, .../requests-2.31.0.dist-info/METADATA).</param>
public sealed record SbomComponent(string Kind, string Name, string Version, string Purl, string Path)
{
    /// <summary>A package URL part: percent-encoded as the purl specification asks (every character but A-Z a-z 0-9 . - _ ~).</summary>
    public static string Encode(string text) => Uri.EscapeDataString(text);
}

/// <summary>What was read: the components, and the records that could not be read (path and why).</summary>
public sealed record SbomContents(IReadOnlyList<SbomComponent> Components, IReadOnlyList<string> Skipped);
