namespace ImageTasks.Definition;

/// <summary>Which entries under a folder copy source are left out (a Dockerfile context's .dockerignore).</summary>
public interface ICopyFilter
{
    /// <summary>Whether the file or folder at <paramref name="hostPath"/> (absolute) is left out.</summary>
    bool Excludes(string hostPath);

    /// <summary>Whether a left-out folder may still hold entries that are copied (an exception pattern such as
    /// <c>!keep/me</c>), so that it must be walked.</summary>
    bool MayReinclude(string hostFolder);
}

/// <summary>An image's health check, as the engine stores it.</summary>
/// <param name="Test">["NONE"] (no check, also none inherited), ["CMD", argv...] or ["CMD-SHELL", command].</param>
public sealed record Healthcheck(IReadOnlyList<string> Test)
{
    public TimeSpan? Interval { get; init; }
    public TimeSpan? Timeout { get; init; }
    public TimeSpan? StartPeriod { get; init; }
    public TimeSpan? StartInterval { get; init; }
    public int? Retries { get; init; }

    // Records compare lists by reference: compare by content (ImageConfig equality relies on it).
    public bool Equals(Healthcheck? other) =>
        other is not null && Test.SequenceEqual(other.Test) && Interval == other.Interval && Timeout == other.Timeout
        && StartPeriod == other.StartPeriod && StartInterval == other.StartInterval && Retries == other.Retries;

    public override int GetHashCode() => HashCode.Combine(string.Join("\0", Test), Interval, Timeout, StartPeriod, Retries);
}

/// <summary>
/// Paths copied from another image (a Dockerfile's <c>COPY --from=stage</c>): the engine exports each path from
/// <see cref="SourceImage"/> and writes it under <see cref="Destination"/>. A folder's contents go into the
/// destination; a file goes to the destination (into it when it ends with '/' or is a folder of the parent image).
/// </summary>
/// <param name="SourceImage">The image to export from, as the engine names it (a cache tag or an image id).</param>
/// <param name="SourceKey">What identifies the source's content: its final layer key, or its image id. Part of the key.</param>
/// <param name="Paths">Absolute paths in the source image.</param>
/// <param name="Owner">Numeric uid[:gid] of every entry; null: 0:0.</param>
/// <param name="Mode">Octal permission bits of every file; null keeps the source's.</param>
public sealed record CopyFromImageStep(string SourceImage, string SourceKey, IReadOnlyList<string> Paths, string Destination,
    string? Mode = null, string? Owner = null) : BuildStep
{
    public override string Summary => $"copy from {SourceImage}: {string.Join(" ", Paths)} -> {Destination}";
}

/// <summary>A local tar archive (plain, gzip) unpacked under <see cref="Destination"/> (a Dockerfile's ADD of an archive).
/// Entries keep the archive's owners and modes, as Docker does.</summary>
public sealed record ExtractStep(string HostPath, string Destination) : BuildStep
{
    public override string Summary => $"unpack {Path.GetFileName(HostPath)} -> {Destination}";
}
