using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// An image reference as the docker CLI reads it: [registry/]repository[:tag][@digest]. Docker Hub short names are
/// expanded (<c>ubuntu</c> -> <c>docker.io/library/ubuntu:latest</c>). The grammar is distribution/reference's.
/// </summary>
public sealed partial record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    // host[:port]: dot-separated DNS labels or a bracketed IPv6 address.
    [GeneratedRegex(@"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(:[0-9]+)?$")]
    private static partial Regex Domain();

    // Path components: lowercase alphanumerics joined by '.', '_', '__' or dashes.
    [GeneratedRegex(@"^[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPath();

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagText();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}$")]
    private static partial Regex DigestText();

    public static ImageReference Parse(string text)
    {
        var at = text.IndexOf('@');
        var digest = at >= 0 ? text[(at + 1)..] : null;
        var rest = at >= 0 ? text[..at] : text;
        if (digest is not null && !DigestText().IsMatch(digest))
            throw Bad(text, $"its digest \"{digest}\" is not sha256: followed by 64 lowercase hex digits");

        // the tag is everything after the first ':' of the last path component, so "app:v1:2" has the bad tag "v1:2"
        var colon = rest.IndexOf(':', rest.LastIndexOf('/') + 1);
        var tag = colon >= 0 ? rest[(colon + 1)..] : null;
        var name = tag is null ? rest : rest[..colon];
        if (tag is not null && !TagText().IsMatch(tag))
            throw Bad(text, $"its tag \"{tag}\" is not 1-128 letters, digits, '_', '.' or '-' (not starting with '.' or '-')");

        // The first component is a registry when it looks like a host: "localhost", has a '.' or a ':', or has
        // uppercase letters (which a repository cannot have).
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        var hasRegistry = first == "localhost" || first.Contains('.') || first.Contains(':') || first.Any(char.IsUpper);
        var registry = hasRegistry ? first : DockerHub;
        var repository = hasRegistry ? name[(slash + 1)..] : name;
        if (hasRegistry && !Domain().IsMatch(registry))
            throw Bad(text, $"its registry \"{registry}\" is not a host name with an optional port");
        if (!RepositoryPath().IsMatch(repository))
            throw Bad(text, repository.Any(char.IsUpper)
                ? $"its repository \"{repository}\" must be lowercase"
                : $"its repository \"{repository}\" is not '/'-separated lowercase letters and digits joined by '.', '_' or '-'");
        if (name.Length > 255)
            throw Bad(text, "its name is longer than 255 characters");

        if (registry == "index.docker.io") registry = DockerHub;
        if (registry == DockerHub && !repository.Contains('/')) repository = "library/" + repository;
        return new ImageReference(registry, repository, tag ?? (digest is null ? "latest" : null), digest);
    }

    private static ImageTasksException Bad(string text, string why) =>
        new(ErrorCodes.InvalidImageReference, $"The image reference \"{text}\" is not valid: {why}. " +
            "Use [registry/]repository[:tag][@sha256:digest], such as \"ubuntu:22.04\" or \"mcr.microsoft.com/dotnet/runtime:8.0\".");

    /// <summary>registry/repository as the engine names it (Docker Hub images without the docker.io/ prefix).</summary>
    public string Name => Registry == DockerHub ? (Repository.StartsWith("library/", StringComparison.Ordinal) ? Repository[8..] : Repository) : $"{Registry}/{Repository}";

    /// <summary>The full form: registry/repository[:tag][@digest] ("docker.io/library/ubuntu:latest").</summary>
    public string FullName => $"{Registry}/{Repository}" + Suffix;

    public override string ToString() => Name + Suffix;

    private string Suffix => (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
