namespace ImageTasks.Definition;

/// <summary>
/// An image reference as the docker CLI reads it: [registry/]repository[:tag][@digest]. Docker Hub short names are
/// expanded (<c>ubuntu</c> -> <c>docker.io/library/ubuntu:latest</c>).
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    // STUB: to be implemented with full validation
    public static ImageReference Parse(string text)
    {
        var digestAt = text.IndexOf('@');
        string? digest = digestAt >= 0 ? text[(digestAt + 1)..] : null;
        var rest = digestAt >= 0 ? text[..digestAt] : text;
        var colon = rest.LastIndexOf(':');
        string? tag = colon > rest.LastIndexOf('/') ? rest[(colon + 1)..] : null;
        var name = tag is null ? rest : rest[..colon];
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        if (slash < 0 || !(first.Contains('.') || first.Contains(':') || first == "localhost"))
            return new ImageReference("docker.io", slash < 0 ? "library/" + name : name, tag ?? (digest is null ? "latest" : null), digest);
        return new ImageReference(first, name[(slash + 1)..], tag ?? (digest is null ? "latest" : null), digest);
    }

    /// <summary>registry/repository as the engine names it (Docker Hub images without the docker.io/ prefix).</summary>
    public string Name => Registry == "docker.io" ? (Repository.StartsWith("library/", StringComparison.Ordinal) ? Repository[8..] : Repository) : $"{Registry}/{Repository}";

    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
