using System.Text;
using ImageTasks.Engine;

namespace ImageTasks.Sbom;

/// <summary>
/// What an image contains, read from its file system in one pass (<see cref="IImageBackend.ReadFilesAsync"/>): the
/// Debian packages dpkg lists as installed, and the Python distributions whose metadata is installed, in any folder
/// (system site-packages, dist-packages, virtual environments).
/// </summary>
public static class ImageSbom
{
    /// <summary>Records larger than this are cut (a dpkg status of thousands of packages is a few MB).</summary>
    public const int MaxFileBytes = 64 * 1024 * 1024;

    public static bool IsWanted(string path) =>
        path is "/var/lib/dpkg/status" or "/etc/os-release" or "/usr/lib/os-release"
        || path.StartsWith("/var/lib/dpkg/status.d/", StringComparison.Ordinal)
        || PythonMetadata.IsMetadataPath(path);

    public static async Task<SbomContents> ReadAsync(IImageBackend backend, string imageId, CancellationToken cancellationToken)
    {
        var files = await backend.ReadFilesAsync(imageId, IsWanted, MaxFileBytes, cancellationToken).ConfigureAwait(false);
        return Parse(files);
    }

    /// <summary>The components of the files read, sorted (debs, then Python), one per package URL.</summary>
    public static SbomContents Parse(IReadOnlyList<ImageFile> files)
    {
        string Text(ImageFile file) => Encoding.UTF8.GetString(file.Content);
        var osRelease = files.FirstOrDefault(f => f.Path == "/etc/os-release") ?? files.FirstOrDefault(f => f.Path == "/usr/lib/os-release");
        var (distribution, release) = DpkgStatus.OsRelease(osRelease is null ? null : Text(osRelease));
        var found = new List<(SbomComponent? Component, string? Skipped)>();
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            if (file.Path == "/var/lib/dpkg/status") found.AddRange(DpkgStatus.Parse(Text(file), file.Path, distribution, release));
            else if (file.Path.StartsWith("/var/lib/dpkg/status.d/", StringComparison.Ordinal))
                found.AddRange(DpkgStatus.Parse(Text(file), file.Path, distribution, release, requireStatus: false));
            else if (PythonMetadata.IsMetadataPath(file.Path)) found.Add(PythonMetadata.Parse(Text(file), file.Path));
        }
        var components = found.Where(f => f.Component is not null).Select(f => f.Component!)
            .GroupBy(c => c.Purl, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Purl, StringComparer.Ordinal)
            .ToList();
        return new SbomContents(components, found.Where(f => f.Skipped is not null).Select(f => f.Skipped!).ToList());
    }
}
