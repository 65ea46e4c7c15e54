using System.Globalization;
using ImageTasks.Definition;

namespace ImageTasks.Planning;

/// <summary>
/// What keys each kind of step, in one place: adding a step kind is one case here (and one in the engine's
/// <c>StepRecipes</c>). Fields say what a step does: sets sorted (apt and pip packages, ports), sequences as given
/// (commands, pip indexes, environment and labels, where a later one wins); lists are preceded by their count, so the
/// field sequence reads back one way only. Files are what a step reads from the host, digested.
/// </summary>
public static partial class Planner
{
    /// <summary>A step's canonical fields and the host files it copies.</summary>
    private readonly record struct StepForm(IEnumerable<string?> Fields, IReadOnlyList<FileEntry> Files)
    {
        public StepForm(IEnumerable<string?> fields) : this(fields, []) { }
    }

    private static StepForm FormOf(BuildStep step, FileDigester files) => step switch
    {
        AptStep apt => new(["apt", .. Pairs(apt.Packages.Select(p => (p.Name, p.Version)), sort: true)]),
        PipStep pip => new(
        [
            // a specifier set is a set too: its clauses sorted (">=2.0,<3.0" is "<3.0,>=2.0")
            "pip", .. Pairs(pip.Packages.Select(p => (p.NormalizedName, p.Specifier is null ? null : string.Join(",", p.Specifier.Split(',').Order(StringComparer.Ordinal)))), sort: true),
            // URLs without their credentials: a secret never enters a key, and a new token rebuilds nothing
            pip.Options.IndexUrl is null ? null : KeyUrl(pip.Options.IndexUrl), .. List(Redacted(pip.Options.ExtraIndexUrls)), .. List(Redacted(pip.Options.FindLinks)),
            pip.Options.Pre ? "pre" : "", .. List(pip.Options.ExtraOptions),
        ]),
        ShellStep shell => new(["sh", .. List(shell.Commands)]),
        RunStep run => new(["run", .. List(run.Command), .. RunSettings(run)]),
        CopyStep copy => new(
        [
            "copy", copy.Destination, copy.Mode is null ? null : Octal(Convert.ToInt32(copy.Mode, 8)), copy.Owner,
            // the name the file gets when the destination is a folder of the parent: every image path a layer writes is keyed
            .. copy.IntoExistingFolderAs is { } name ? new[] { "into-existing-folder", name } : [],
        ], files.Digest(copy)),
        ConfigStep config => new(
        [
            "config", .. Pairs(config.Environment.Select(e => (e.Key, (string?)e.Value)), sort: false),
            config.WorkingDirectory, config.User, .. List(config.Entrypoint), .. List(config.Command),
            .. Pairs(config.Labels.Select(e => (e.Key, (string?)e.Value)), sort: false),
            // as the engine stores them: "80" is "80/tcp" (the item and Dockerfile flows write it so already)
            .. List(config.ExposedPorts.Select(p => p.Contains('/') ? p.ToLowerInvariant() : p + "/tcp").Distinct().Order(StringComparer.Ordinal).ToArray()),
            .. ConfigSettings(config),
        ]),
        // the source's key (its final layer key, or image id) stands for all of its content
        CopyFromImageStep from => new(
        [
            "copy-from", from.SourceKey, .. List(from.Paths), from.Destination,
            from.Mode is null ? null : Octal(Convert.ToInt32(from.Mode, 8)), from.Owner,
        ]),
        // only the archive's bytes: its entries keep their own modes, so the archive file's mode is no part of the layer
        ExtractStep extract => new(["extract", extract.Destination], files.Digest(new CopyStep([new CopySource(extract.HostPath)], "/archive", mode: "644"))),
        // what defines the function: its inputs' content under names relative to its project, its packages, how it is run;
        // not where it was published nor when
        FunctionStep function => new(
        [
            "function", function.Program, .. List(function.Arguments), function.WorkingDirectory,
            .. Pairs(function.Packages.Select(p => (p.Id.ToLowerInvariant(), (string?)p.Version)), sort: true),
        ], files.Digest(function.InputsAsCopy())),
        _ => throw new NotSupportedException($"No canonical form for the step type {step.GetType().Name}: add a case to Planner.FormOf."),
    };

    // Fields only Dockerfiles set, added only when set, so the keys of item-built images do not change.

    private static IEnumerable<string?> RunSettings(RunStep run) => run.Environment.Count == 0 && run.CacheMounts.Count == 0 && run.Network is null
        ? []
        :
        [
            "run-settings", .. Pairs(run.Environment.Select(e => (e.Key, (string?)e.Value)), sort: false),
            .. Pairs(run.CacheMounts.Select(m => (m.Key, (string?)m.Value)), sort: true), run.Network,
        ];

    private static IEnumerable<string?> ConfigSettings(ConfigStep config) =>
        config.Volumes.Count == 0 && config.StopSignal is null && config.Healthcheck is null && config.Shell is null
            ? []
            :
            [
                "config-settings", .. List(config.Volumes.Order(StringComparer.Ordinal).ToArray()), config.StopSignal,
                .. HealthcheckFields(config.Healthcheck), .. List(config.Shell),
            ];

    private static IEnumerable<string?> HealthcheckFields(Healthcheck? check) => check is null
        ? [null]
        :
        [
            .. List(check.Test), Ticks(check.Interval), Ticks(check.Timeout), Ticks(check.StartPeriod), Ticks(check.StartInterval),
            check.Retries?.ToString(CultureInfo.InvariantCulture),
        ];

    private static string? Ticks(TimeSpan? span) => span?.Ticks.ToString(CultureInfo.InvariantCulture);
}
