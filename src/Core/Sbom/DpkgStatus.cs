namespace ImageTasks.Sbom;

/// <summary>
/// dpkg's database of installed packages (/var/lib/dpkg/status, and the status.d/ files of distroless images): RFC 822
/// stanzas separated by blank lines, continuation lines starting with a space. A package is in the image when its
/// Status is "install ok installed" (or another "... installed"): removed packages whose configuration files stay
/// ("deinstall ok config-files") are not.
/// </summary>
public static class DpkgStatus
{
    /// <param name="distribution">The purl namespace: os-release's ID ("debian", "ubuntu").</param>
    /// <param name="release">os-release's VERSION_CODENAME ("bookworm"), the purl's distro qualifier; null: none.</param>
    /// <param name="requireStatus">False for status.d/ files, which have no Status field.</param>
    public static IEnumerable<(SbomComponent? Component, string? Skipped)> Parse(string text, string path, string distribution, string? release, bool requireStatus = true)
    {
        foreach (var stanza in Stanzas(text))
        {
            if (stanza.Count == 0) continue;
            stanza.TryGetValue("Package", out var name);
            stanza.TryGetValue("Version", out var version);
            if (requireStatus && (!stanza.TryGetValue("Status", out var status) || !status.EndsWith(" installed", StringComparison.Ordinal)))
                continue;
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                yield return (null, $"{path}: a package record without {(string.IsNullOrEmpty(name) ? "Package" : "Version")} ({name ?? "no name"})");
                continue;
            }
            var qualifiers = new List<string>();
            if (stanza.TryGetValue("Architecture", out var arch) && arch.Length > 0) qualifiers.Add("arch=" + SbomComponent.Encode(arch));
            if (release is not null) qualifiers.Add("distro=" + SbomComponent.Encode(release));
            var purl = $"pkg:deb/{SbomComponent.Encode(distribution)}/{SbomComponent.Encode(name)}@{SbomComponent.Encode(version)}" +
                       (qualifiers.Count > 0 ? "?" + string.Join("&", qualifiers) : "");
            yield return (new SbomComponent("deb", name, version, purl, path), null);
        }
    }

    /// <summary>The fields of each stanza (a field's continuation lines are joined with newlines).</summary>
    public static IEnumerable<Dictionary<string, string>> Stanzas(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? last = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (fields.Count > 0) yield return fields;
                fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                last = null;
                continue;
            }
            if (line[0] is ' ' or '\t')
            {
                if (last is not null) fields[last] += "\n" + line.Trim();
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) { last = null; continue; }
            last = line[..colon].Trim();
            fields[last] = line[(colon + 1)..].Trim();
        }
        if (fields.Count > 0) yield return fields;
    }

    /// <summary>os-release's ID and VERSION_CODENAME (values may be quoted).</summary>
    public static (string Id, string? Codename) OsRelease(string? text)
    {
        string? id = null, codename = null;
        foreach (var line in (text ?? "").Split('\n'))
        {
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var value = line[(eq + 1)..].Trim().Trim('"', '\'');
            switch (line[..eq].Trim())
            {
                case "ID": id = value; break;
                case "VERSION_CODENAME": codename = value.Length > 0 ? value : null; break;
            }
        }
        return (string.IsNullOrEmpty(id) ? "debian" : id!.ToLowerInvariant(), codename);
    }
}
