using System.Globalization;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tasks.Protocol;
using PullPolicy = ImageTasks.Engine.PullPolicy;

namespace ImageTasks.Tasks.Mapping;

/// <summary>The definition made from a request, with what the task needs around it.</summary>
/// <param name="Kinds">Per step of the definition: "python" (ImageAddPython), "apt", "conda", "pip", "command", "function", "file", "runtime", "dependencies", "app" or "config".</param>
/// <param name="ImageNames">The names the final image gets ("registry/repo:tag").</param>
/// <param name="DefaultBase">The base image was not given: the default Python image for the Python version was taken.</param>
public sealed record MappedImage(ImageDefinition Definition, IReadOnlyList<string> Kinds, IReadOnlyList<string> ImageNames, bool DefaultBase)
{
    /// <summary>Warnings about the definition (code, message), for the task to log.</summary>
    public IReadOnlyList<(string Code, string Message)> Warnings { get; init; } = [];

    /// <summary>The app command is the entrypoint by default (ContainerAppCommandInstruction not given, no ENTRYPOINT
    /// line): an ENTRYPOINT of the base image is replaced, which the .NET SDK warns of.</summary>
    public bool ReplacesBaseEntrypoint { get; init; }
}

/// <summary>
/// Project items and properties (as plain data) -> an image definition. The rules, documented in the README:
/// <list type="bullet">
/// <item>Step order: by the <c>Order</c> metadata, whose default per kind is apt 100, pip 200, commands 300, files 400;
/// equal orders keep kinds in that order and, within a kind, project-file order. Then the app (one copy to the working
/// directory), then one configuration step (no filesystem layer), so the app stays the top layer.</item>
/// <item>Items of one kind with the same Order, ForceBuild, Layer and options form one step (one layer).</item>
/// </list>
/// </summary>
public static partial class DefinitionMapper
{
    public const int AptOrder = 100;
    public const int PipOrder = 200;
    public const int CommandOrder = 300;
    public const int DockerfileCommandOrder = 350;
    public const int FunctionOrder = 370;
    public const int FileOrder = 400;
    /// <summary>Among kinds of equal Order, functions come last (the other kinds keep their ranks).</summary>
    private const int FunctionKindRank = 10;
    public const string DefaultPythonVersion = "3.12";
    public const string DefaultWorkingDirectory = "/app";

    /// <summary>The official Python slim Debian image for a Python version.</summary>
    public static string DefaultBaseImage(string pythonVersion) => DefaultBaseImage(pythonVersion, DefaultFamily);

    public static MappedImage Map(ImageRequest request)
    {
        var context = new Context(request);
        var groups = new List<Group>();
        groups.AddRange(GroupItems(context, request.AptPackages, "apt", 0, AptOrder, _ => "", AptStepOf));
        groups.AddRange(CondaGroups(context));
        groups.AddRange(GroupItems(context, request.PipPackages, "pip", 1, PipOrder, item => PipOptionsOf(context, item).Key, PipStepOf(context)));
        groups.AddRange(PythonFileGroups(context));
        groups.AddRange(GroupItems(context, request.Commands, "command", 2, CommandOrder, _ => "", CommandStepOf));
        // Dockerfile lines (Modal's dockerfile_commands): one step each, so every instruction has its own layer and key
        var line = 0;
        groups.AddRange(GroupItems(context, request.DockerfileCommands, "dockerfile", 3, DockerfileCommandOrder, _ => (line++).ToString(CultureInfo.InvariantCulture),
            items => SetupCommands.Parse([items[0].Get("Command") ?? items[0].ItemSpec], "ImageDockerfileCommand").Single()));
        // build-time .NET code (Modal's run_function): one step each
        var function = 0;
        groups.AddRange(GroupItems(context, request.Functions, "function", FunctionKindRank, FunctionOrder, _ => (function++).ToString(CultureInfo.InvariantCulture),
            items => FunctionMapper.StepOf(items[0], context.ProjectDirectory)));
        groups.AddRange(GroupItems(context, request.Files, "file", 4, FileOrder, item => FileTarget(context, item).Folder + "|" + item.Get("Mode") + "|" + item.Get("Owner"), FileStepOf(context)));

        var ordered = groups.OrderBy(g => g.Order).ThenBy(g => g.KindRank).ThenBy(g => g.FirstIndex).ToList();
        var steps = ordered.Select(g => g.Force ? g.Step with { Force = true } : g.Step).ToList();
        var kinds = ordered.Select(g => g.Kind).ToList();
        BuildToolsFirst(request, steps, kinds);
        AddPythonFirst(request, steps, kinds);

        if (!string.IsNullOrWhiteSpace(request.AppDirectory))
        {
            foreach (var (kind, step) in AppLayers.Of(request.AppDirectory!, request.AppLayerFiles, context.WorkingDirectory))
            {
                steps.Add(step);
                kinds.Add(kind);
            }
        }
        // setup commands: Dockerfile lines on the base, before it is checked and before every other step
        var setup = SetupCommands.Parse(request.SetupCommands.Select(i => i.Get("Command") ?? i.ItemSpec), "ImageSetupCommand");
        kinds.InsertRange(0, setup.Select(_ => "setup"));

        var app = AppCommandOf(request, setup, steps);
        var config = ConfigOf(context, app);
        steps.Add(config);
        kinds.Add("config");

        var defaultBase = string.IsNullOrWhiteSpace(request.BaseImage) && string.IsNullOrWhiteSpace(request.Dockerfile);
        var baseText = BaseImageOf(request); // ContainerFamily: checked before the other base errors
        if (!string.IsNullOrWhiteSpace(request.BaseImage) && !string.IsNullOrWhiteSpace(request.Dockerfile))
            throw new ImageTasksException(ErrorCodes.InvalidMetadata,
                $"Both ContainerBaseImage ('{request.BaseImage}') and ImageDockerfile ('{request.Dockerfile}') are set; the Dockerfile's image is the base. Remove one of them.");
        // with a Dockerfile, the base is the image it builds: a placeholder here, replaced once that image is built
        var baseImage = ImageReference.Parse(!string.IsNullOrWhiteSpace(request.Dockerfile) ? DockerfileBasePlaceholder
            : defaultBase ? baseText : request.BaseImage!.Trim());
        var definition = new ImageDefinition(baseImage, setup, steps) { GeneratedLabels = GeneratedLabelsOf(request, !string.IsNullOrWhiteSpace(request.Dockerfile)) };
        return new MappedImage(definition, kinds, ImageNamesOf(request), defaultBase)
        {
            Warnings = [.. EntrypointWarnings([.. setup, .. steps], context), .. FunctionMapper.Warnings(request, context.ProjectDirectory)],
            ReplacesBaseEntrypoint = app.Instruction == AppCommandInstruction.Entrypoint && !app.Given,
        };
    }

    /// <summary>The base of a definition whose base is built from ImageDefinition's Dockerfile.</summary>
    public const string DockerfileBasePlaceholder = "imagetasks-dockerfile-base";

    /// <summary>ImagePullPolicy: missing (default), always, never.</summary>
    public static PullPolicy PullPolicyOf(ImageRequest request) => Blank(request.PullPolicy)?.Trim().ToLowerInvariant() switch
    {
        null or "missing" => PullPolicy.Missing,
        "always" => PullPolicy.Always,
        "never" => PullPolicy.Never,
        _ => throw InvalidValue("ImagePullPolicy", request.PullPolicy!, "missing, always or never"),
    };

    /// <summary>ImageBuildArg items: Include is the name, Value the value.</summary>
    public static IReadOnlyDictionary<string, string> BuildArgsOf(ImageRequest request)
        => request.BuildArgs.GroupBy(i => i.ItemSpec.Trim()).ToDictionary(g => g.Key, g => g.Last().Get("Value") ?? "");

    public static IReadOnlyList<string> ImageNamesOf(ImageRequest request)
    {
        var repository = Blank(request.Repository)?.Trim() ?? throw InvalidValue("ContainerRepository", "", "a repository name such as \"myapp\"");
        var registry = Blank(request.Registry)?.Trim().TrimEnd('/');
        var names = TagsOf(request).Select(tag => (registry is null ? "" : registry + "/") + repository + ":" + tag).ToList();
        foreach (var name in names) ImageReference.Parse(name); // a bad name fails here with IMG1005, before anything runs
        return names;
    }

    /// <summary>The tags this build gives its image: ContainerImageTag(s) (<see cref="PlainTagsOf"/>), each with
    /// "-&lt;runtime identifier&gt;" for one platform's image of several.</summary>
    public static IReadOnlyList<string> TagsOf(ImageRequest request) =>
        Blank(request.PlatformSuffix)?.Trim() is { } suffix ? PlainTagsOf(request).Select(t => $"{t}-{suffix}").ToList() : PlainTagsOf(request);

    /// <summary>ContainerImageTag(s), trimmed and distinct; "latest" when none is given.</summary>
    public static IReadOnlyList<string> PlainTagsOf(ImageRequest request)
    {
        // ContainerImageTags given as -p:ContainerImageTags=a%3Bb arrives as one item "a;b": split it as the .NET SDK does
        var tags = request.Tags.SelectMany(t => t.Split(';')).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct().ToList();
        return tags.Count > 0 ? tags : ["latest"];
    }

    /// <summary>ContainerRuntimeIdentifiers: each distinct runtime identifier with its platform, in the order given.
    /// One that is not a Linux platform is IMG5008; two of one platform (linux-x64 and linux-musl-x64) IMG1055.</summary>
    public static IReadOnlyList<PlatformImage> PlatformsOf(IEnumerable<string> runtimeIdentifiers)
    {
        var platforms = runtimeIdentifiers.SelectMany(r => r.Split(';')).Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal)
            .Select(rid => new PlatformImage(rid, PlatformOf(rid))).ToList();
        foreach (var same in platforms.GroupBy(p => p.Platform).Where(g => g.Count() > 1))
            throw new ImageTasksException(ErrorCodes.DuplicatePlatform,
                $"ContainerRuntimeIdentifiers names {string.Join(" and ", same.Select(p => p.RuntimeIdentifier))}, which are all {same.Key}: an image index holds one image per platform. Keep one of them.");
        return platforms;
    }

    /// <summary>The image platform of a .NET runtime identifier: linux-x64 -> linux/amd64. Only Linux ones make images.</summary>
    public static string PlatformOf(string? runtimeIdentifier)
    {
        var rid = Blank(runtimeIdentifier)?.Trim() ?? "linux-x64";
        // linux-<arch> and linux-musl-<arch> (Alpine-style bases; the base check decides whether the base fits)
        var arch = rid.StartsWith("linux-musl-", StringComparison.Ordinal) ? rid["linux-musl-".Length..]
            : rid.StartsWith("linux-", StringComparison.Ordinal) ? rid["linux-".Length..] : null;
        var platform = arch switch
        {
            "x64" => "linux/amd64",
            "arm64" => "linux/arm64",
            "arm" => "linux/arm/v7",
            _ => null,
        };
        return platform ?? throw new ImageTasksException(ErrorCodes.UnsupportedRuntimeIdentifier,
            $"The runtime identifier \"{rid}\" (ContainerRuntimeIdentifier or ContainerRuntimeIdentifiers) is not a Linux platform ImageTasks builds images for. Use linux-x64, linux-arm64, linux-arm, or their linux-musl- forms.");
    }

    private sealed record Group(string Kind, int KindRank, int Order, int FirstIndex, bool Force, BuildStep Step);

    private sealed class Context(ImageRequest request)
    {
        public ImageRequest Request { get; } = request;
        public string WorkingDirectory { get; } = Blank(request.WorkingDirectory)?.Trim() ?? DefaultWorkingDirectory;
        public string ProjectDirectory { get; } = Blank(request.ProjectDirectory) ?? Directory.GetCurrentDirectory();
    }

    private static IEnumerable<Group> GroupItems(Context context, List<ItemData>? items, string kind, int kindRank, int defaultOrder,
        Func<ItemData, string> optionsKey, Func<List<ItemData>, BuildStep> makeStep)
    {
        var groups = new List<(string Key, int Order, bool Force, int First, List<ItemData> Items)>();
        var index = 0;
        foreach (var item in items ?? [])
        {
            var order = Int(item, "Order") ?? defaultOrder;
            var force = Bool(item, "ForceBuild") ?? false;
            var key = $"{order}|{force}|{item.Get("Layer")}|{optionsKey(item)}|{item.Get("Secrets")}|{item.Get("Env")}";
            var group = groups.FindIndex(g => g.Key == key);
            if (group < 0) groups.Add((key, order, force, index, [item]));
            else groups[group].Items.Add(item);
            index++;
        }
        return groups.Select(g => new Group(kind, kindRank, g.Order, g.First, g.Force, StepSettings.Apply(makeStep(g.Items), g.Items[0])));
    }

    // apt

    private static BuildStep AptStepOf(List<ItemData> items) =>
        new AptStep(items.Select(i => new AptPackage(i.ItemSpec.Trim(), i.Get("Version")?.Trim())));

    // pip

    private sealed record PipChoice(PipOptions Options, string Key);

    /// <summary>
    /// Index URLs with credentials come in through these variables, read here and nowhere else: MSBuild logs the value
    /// of every property (and of every environment variable a project reads as one) into binary logs. When set, they
    /// take the place of ImagePipIndexUrl and ImagePipExtraIndexUrls.
    /// </summary>
    public const string IndexUrlVariable = "IMAGETASKS_PIP_INDEX_URL", ExtraIndexUrlsVariable = "IMAGETASKS_PIP_EXTRA_INDEX_URLS";

    private static PipChoice PipOptionsOf(Context context, ItemData item)
    {
        var request = context.Request;
        var indexUrl = item.Get("IndexUrl") ?? Blank(Environment.GetEnvironmentVariable(IndexUrlVariable)) ?? Blank(request.PipIndexUrl);
        var extra = List(item.Get("ExtraIndexUrls") ?? Blank(Environment.GetEnvironmentVariable(ExtraIndexUrlsVariable)) ?? request.PipExtraIndexUrls);
        var findLinks = List(item.Get("FindLinks") ?? request.PipFindLinks);
        var pre = Bool(item, "Pre") ?? ParseBool("ImagePipPre", request.PipPre) ?? false;
        var extraOptions = List(item.Get("ExtraOptions") ?? request.PipExtraOptions);
        var options = new PipOptions { IndexUrl = indexUrl?.Trim(), ExtraIndexUrls = extra, FindLinks = findLinks, Pre = pre, ExtraOptions = extraOptions };
        var key = string.Join("\n", indexUrl, string.Join(" ", extra), string.Join(" ", findLinks), pre, string.Join(" ", extraOptions));
        return new PipChoice(options, key);
    }

    private static Func<List<ItemData>, BuildStep> PipStepOf(Context context) => items =>
        new PipStep(items.Select(i => PipPackageOf(context, i)), PipOptionsOf(context, items[0]).Options);

    // commands: Include is the command, unless a Command metadata is given (';' in an Include splits it into items)

    private static BuildStep CommandStepOf(List<ItemData> items) => new ShellStep(items.Select(i => i.Get("Command") ?? i.ItemSpec));

    // files

    private sealed record FileTargetInfo(string HostPath, string Folder, string? TargetName);

    /// <summary>
    /// Where a file item goes. Destination ending in '/' (or absent: the working directory) is a folder: a file keeps
    /// its name (and its wildcard's RecursiveDir), a folder's contents go into it. Otherwise Destination is the full path
    /// of the file (or the folder a folder's contents go into).
    /// </summary>
    private static FileTargetInfo FileTarget(Context context, ItemData item)
    {
        var spec = item.ItemSpec.Trim();
        var hostPath = Path.GetFullPath(Path.Combine(context.ProjectDirectory, spec));
        var isFolder = spec.EndsWith("/", StringComparison.Ordinal) || spec.EndsWith("\\", StringComparison.Ordinal);
        var destination = item.Get("Destination")?.Trim() ?? context.WorkingDirectory.TrimEnd('/') + "/";
        Validation.CheckCopyDestination(destination);
        var intoFolder = destination.EndsWith("/", StringComparison.Ordinal);
        var folder = destination.Length > 1 ? destination.TrimEnd('/') : destination;
        if (isFolder) return new FileTargetInfo(hostPath.TrimEnd('/', '\\'), folder, null);
        if (intoFolder)
        {
            var recursive = (item.Get("RecursiveDir") ?? "").Replace('\\', '/');
            return new FileTargetInfo(hostPath, folder, recursive + Path.GetFileName(hostPath));
        }
        var slash = folder.LastIndexOf('/');
        return new FileTargetInfo(hostPath, slash <= 0 ? "/" : folder.Substring(0, slash), folder.Substring(slash + 1));
    }

    private static Func<List<ItemData>, BuildStep> FileStepOf(Context context) => items =>
    {
        var targets = items.Select(i => FileTarget(context, i)).ToList();
        return new CopyStep(targets.Select(t => new CopySource(t.HostPath, t.TargetName)), targets[0].Folder, items[0].Get("Mode"), items[0].Get("Owner"));
    };

    // configuration

    public enum AppCommandInstruction { Entrypoint, DefaultArgs, None }

    /// <param name="Given">ContainerAppCommandInstruction was set (not the default).</param>
    private sealed record AppCommand(AppCommandInstruction Instruction, bool Given);

    /// <summary>
    /// ContainerAppCommandInstruction, as the .NET SDK reads it: Entrypoint (the app command is the ENTRYPOINT),
    /// DefaultArgs (it goes first in CMD, after an ENTRYPOINT that stays), None (it is not set). Its default is
    /// DefaultArgs when an ENTRYPOINT was given (here by a Dockerfile line, in the SDK by ContainerEntrypoint), else Entrypoint.
    /// </summary>
    private static AppCommand AppCommandOf(ImageRequest request, IReadOnlyList<BuildStep> setup, IReadOnlyList<BuildStep> steps)
    {
        static IReadOnlyList<string>? LastEntrypoint(IEnumerable<BuildStep> of) => of.OfType<ConfigStep>().LastOrDefault(c => c.Entrypoint is not null)?.Entrypoint;
        var userEntrypoint = (LastEntrypoint(steps), LastEntrypoint(setup)) switch
        {
            ({ } line, _) => $"ImageDockerfileCommand's ENTRYPOINT {System.Text.Json.JsonSerializer.Serialize(line)}",
            (null, { } line) => $"ImageSetupCommand's ENTRYPOINT {System.Text.Json.JsonSerializer.Serialize(line)}",
            _ => null,
        };
        var text = Blank(request.AppCommandInstruction)?.Trim();
        if (text is null) return new AppCommand(userEntrypoint is null ? AppCommandInstruction.Entrypoint : AppCommandInstruction.DefaultArgs, false);
        var instruction = Enum.GetValues<AppCommandInstruction>().Cast<AppCommandInstruction?>()
            .FirstOrDefault(i => string.Equals(i.ToString(), text, StringComparison.OrdinalIgnoreCase))
            ?? throw InvalidValue("ContainerAppCommandInstruction", text, "Entrypoint, DefaultArgs or None");
        if (instruction == AppCommandInstruction.Entrypoint && userEntrypoint is not null)
            throw new ImageTasksException(ErrorCodes.AppCommandReplacesEntrypoint,
                $"ContainerAppCommandInstruction is Entrypoint, so the app command would replace {userEntrypoint}. " +
                "Set ContainerAppCommandInstruction to DefaultArgs to keep that entrypoint and pass it the app command as CMD, or remove the ENTRYPOINT line.");
        if (instruction == AppCommandInstruction.None && request.AppCommand.Count + request.AppCommandArgs.Count > 0)
            throw new ImageTasksException(ErrorCodes.AppCommandNotUsed,
                $"ContainerAppCommandInstruction is None, so the app command ({string.Join(" ", request.AppCommand.Concat(request.AppCommandArgs))}) would not be used. " +
                "Remove the ContainerAppCommand and ContainerAppCommandArgs items, or set ContainerAppCommandInstruction to Entrypoint or DefaultArgs.");
        return new AppCommand(instruction, true);
    }

    /// <summary>IMG6501 for the entrypoint the image ends with, when it is a shell script an ImageFile copies in that
    /// does not exec its arguments (the Dockerfile flow's check).</summary>
    private static IReadOnlyList<(string Code, string Message)> EntrypointWarnings(IReadOnlyList<BuildStep> steps, Context context)
    {
        var configs = steps.OfType<ConfigStep>().ToList();
        if (configs.LastOrDefault(c => c.Entrypoint is not null)?.Entrypoint is not [var program, ..]) return [];
        var path = configs.SelectMany(c => c.Environment).LastOrDefault(e => e.Key == "PATH").Value;
        var host = EntrypointScript.Candidates(program, context.WorkingDirectory, path).Select(c => EntrypointScript.CopiedTo(steps, c)).FirstOrDefault(h => h is not null);
        if (host is null || !EntrypointScript.DropsArguments(host)) return [];
        var command = configs.LastOrDefault(c => c.Command is not null)?.Command;
        return [(ErrorCodes.EntrypointDoesNotExec, "The image's " + EntrypointScript.Message(program, host, command))];
    }

    private static ConfigStep ConfigOf(Context context, AppCommand app)
    {
        var request = context.Request;
        IReadOnlyList<string> appCommand = [.. request.AppCommand, .. request.AppCommandArgs];
        (IReadOnlyList<string>? Entrypoint, IReadOnlyList<string>? Command) chosen = app.Instruction switch
        {
            // With our own entrypoint the base's CMD (python3, bash) must not be appended to it: an empty list clears it.
            AppCommandInstruction.Entrypoint when appCommand.Count > 0 => (appCommand, request.DefaultArgs),
            // the entrypoint stays (a Dockerfile line's or the base's); the app command and the default args are its CMD
            AppCommandInstruction.DefaultArgs when appCommand.Count > 0 => (null, [.. appCommand, .. request.DefaultArgs]),
            _ => (null, request.DefaultArgs.Count > 0 ? request.DefaultArgs : null),
        };
        return new ConfigStep
        {
            Environment = request.EnvironmentVariables.Select(e => new KeyValuePair<string, string>(e.ItemSpec.Trim(), e.Get("Value") ?? "")).ToList(),
            WorkingDirectory = context.WorkingDirectory,
            User = Blank(request.User)?.Trim(),
            Entrypoint = chosen.Entrypoint,
            Command = chosen.Command,
            // the standard labels first: a ContainerLabel item of the same name wins
            Labels = [.. StandardLabelsOf(request), .. request.Labels.Select(l => new KeyValuePair<string, string>(l.ItemSpec.Trim(), l.Get("Value") ?? ""))],
            ExposedPorts = request.Ports.Select(p => p.ItemSpec.Trim() + "/" + (p.Get("Type")?.Trim().ToLowerInvariant() ?? "tcp")).ToList(),
        };
    }

    // values

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static IReadOnlyList<string> List(string? value) =>
        (value ?? "").Split([';', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);

    private static int? Int(ItemData item, string name)
    {
        var text = item.Get(name);
        if (text is null) return null;
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw InvalidValue($"{name} of \"{item.ItemSpec}\"", text, "a whole number (the default orders are apt 100, pip 200, commands 300, files 400)");
    }

    private static bool? Bool(ItemData item, string name) => ParseBool($"{name} of \"{item.ItemSpec}\"", item.Get(name));

    private static bool? ParseBool(string what, string? text)
    {
        if (Blank(text) is null) return null;
        return text!.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" => false,
            _ => throw InvalidValue(what, text, "true or false"),
        };
    }

    private static ImageTasksException InvalidValue(string what, string value, string expected) =>
        new(ErrorCodes.InvalidMetadata, $"The value \"{value}\" of {what} is not valid. Use {expected}.");
}
