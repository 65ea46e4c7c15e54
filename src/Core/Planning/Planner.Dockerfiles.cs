using ImageTasks.Definition;

namespace ImageTasks.Planning;

/// <summary>The keys of what Dockerfiles add: the step kinds of their own, and fields of RUN, COPY and configuration
/// steps that only Dockerfiles set. A field is added only when set, so the keys of item-built images do not change.</summary>
public static partial class Planner
{
    /// <summary>The files a step reads from the host, digested: a copy's entries, an unpacked archive.</summary>
    private static IReadOnlyList<FileEntry> Entries(BuildStep step, FileDigester files) => step switch
    {
        CopyStep copy => files.Digest(copy),
        // only the archive's bytes: its entries keep their own modes, so the archive file's mode is no part of the layer
        ExtractStep extract => files.Digest(new CopyStep([new CopySource(extract.HostPath)], "/archive", mode: "644")),
        _ => [],
    };

    private static IEnumerable<string?> DockerfileForm(BuildStep step) => step switch
    {
        // The source's key (its final layer key, or image id) stands for all of its content.
        CopyFromImageStep from =>
        [
            "copy-from", from.SourceKey, .. List(from.Paths), from.Destination,
            from.Mode is null ? null : Octal(Convert.ToInt32(from.Mode, 8)), from.Owner,
        ],
        ExtractStep extract => ["extract", extract.Destination],
        _ => throw new NotSupportedException($"No canonical form for the step type {step.GetType().Name}."),
    };

    private static IEnumerable<string?> DockerfileFields(BuildStep step) => step switch
    {
        RunStep run when run.Environment.Count > 0 || run.CacheMounts.Count > 0 || run.Network is not null =>
        [
            "run-settings", .. Pairs(run.Environment.Select(e => (e.Key, (string?)e.Value)), sort: false),
            .. Pairs(run.CacheMounts.Select(m => (m.Key, (string?)m.Value)), sort: true), run.Network,
        ],
        ConfigStep config when config.Volumes.Count > 0 || config.StopSignal is not null || config.Healthcheck is not null || config.Shell is not null =>
        [
            "config-settings", .. List(config.Volumes.Order(StringComparer.Ordinal).ToArray()), config.StopSignal,
            .. HealthcheckFields(config.Healthcheck), .. List(config.Shell),
        ],
        // the name the file gets when the destination is a folder of the parent: every image path a layer writes is keyed
        CopyStep { IntoExistingFolderAs: { } name } => ["into-existing-folder", name],
        _ => [],
    };

    private static IEnumerable<string?> HealthcheckFields(Healthcheck? check) => check is null
        ? [null]
        :
        [
            .. List(check.Test), Ticks(check.Interval), Ticks(check.Timeout), Ticks(check.StartPeriod), Ticks(check.StartInterval),
            check.Retries?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];

    private static string? Ticks(TimeSpan? span) => span?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
