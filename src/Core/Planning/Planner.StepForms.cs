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
            .. PipOptionFields(pip.Options), .. PipForms(pip),
        ], LocalPackages(pip, files)),
        // the requirements file and what it pulls in, by content and by their places relative to one another
        PipRequirementsStep requirements => new(["pip-requirements", .. PipOptionFields(requirements.Options)], RequirementsInputs(requirements, files)),
        AddPythonStep python => new(["add-python", python.Version]),
        // the package set sorted, the channels in their order (micromamba's priority) without their tokens, the spec file by content
        CondaStep conda => new(
        [
            "conda", .. Pairs(conda.Packages.Select(p => (p.Argument, (string?)null)), sort: true),
            .. List(conda.Channels.Select(c => KeyUrl(CondaChannels.Redact(c))).ToArray()),
        ], CondaSpecFile(conda, files)),
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
            // the label's name only: its value is the time the step is built
            .. config.StampedLabel is { } stamped ? new[] { "stamped-label", stamped } : [],
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

    // URLs without their credentials: a secret never enters a key, and a new token rebuilds nothing
    private static IEnumerable<string?> PipOptionFields(PipOptions o) =>
    [
        o.IndexUrl is null ? null : KeyUrl(o.IndexUrl), .. List(Redacted(o.ExtraIndexUrls)), .. List(Redacted(o.FindLinks)),
        o.Pre ? "pre" : "", .. List(o.ExtraOptions),
    ];

    // PEP 508 forms beyond name and specifier, added only when a package has one, so the keys of plain packages stay
    private static IEnumerable<string?> PipForms(PipStep pip) => pip.Packages.All(p => p.Marker is null && p.Url is null && p.LocalPath is null)
        ? []
        : ["pip-forms", .. Pairs(pip.Packages.Select(p => (p.NormalizedName, (string?)$"{p.Marker}\n{p.Url}\n{(p.LocalPath is null ? "" : Path.GetFileName(p.LocalPath))}")), sort: true)];

    /// <summary>Local wheels and sdists, by content, at their paths in the step's volume (their modes play no part).</summary>
    private static IReadOnlyList<FileEntry> LocalPackages(PipStep pip, FileDigester files)
    {
        var local = pip.Packages.Where(p => p.LocalPath is not null).ToArray();
        return local.Length == 0 ? []
            : files.Digest(new CopyStep(local.Select(p => new CopySource(p.LocalPath!, Path.GetFileName(p.LocalPath))), StepVolume.LocalPackages, mode: "644"));
    }

    /// <summary>The files a requirements file pulls in, mirrored under the step volume's inputs folder relative to the
    /// folder that holds them all (so no host path enters the key); a file inside a pulled-in folder comes with it.</summary>
    private static IReadOnlyList<FileEntry> RequirementsInputs(PipRequirementsStep step, FileDigester files)
    {
        var paths = RequirementsFiles.Collect(step.RequirementsFile);
        paths = paths.Where(p => !paths.Any(folder => folder != p && Directory.Exists(folder) && p.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))).ToArray();
        var root = paths.Select(p => Path.GetDirectoryName(p)!).Aggregate(CommonFolder);
        return files.Digest(new CopyStep(paths.Select(p => new CopySource(p, Path.GetRelativePath(root, p).Replace('\\', '/'))), StepVolume.Inputs, mode: "644"));
    }

    /// <summary>A conda step's spec file, by content, at a fixed name in the step's volume (its extension kept: it tells
    /// micromamba the file's format), so neither its host path nor its name is keyed.</summary>
    private static IReadOnlyList<FileEntry> CondaSpecFile(CondaStep conda, FileDigester files) => conda.SpecFile is null ? []
        : files.Digest(new CopyStep([new CopySource(conda.SpecFile, CondaStep.SpecFileName(conda.SpecFile))], StepVolume.Inputs, mode: "644"));

    private static string CommonFolder(string a, string b)
    {
        static string Slashed(string folder) => Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        while (!Slashed(b).StartsWith(Slashed(a), StringComparison.Ordinal) && Path.GetDirectoryName(a) is { } up) a = up;
        return a;
    }

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
