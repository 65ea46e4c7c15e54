using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;

namespace ImageTasks.Tasks;

/// <summary>
/// Builds the image the project's items describe: maps them to an image definition and brings its layers up to date
/// (each layer reused when its key is already built). Parameters mirror the properties and items of ImageTasks.targets.
/// </summary>
public sealed class BuildContainerImage : ImageTaskBase
{
    public string? ProjectFile { get; set; }
    public string? ProjectDirectory { get; set; }

    public string? BaseImage { get; set; }
    public string? PythonVersion { get; set; }
    public string? AddPython { get; set; }
    public string? Registry { get; set; }
    [Required] public string Repository { get; set; } = "";
    public ITaskItem[]? ImageTags { get; set; }
    public string? WorkingDirectory { get; set; }
    public string? User { get; set; }

    public string? AppDirectory { get; set; }
    /// <summary>Files of the app folder (paths relative to it) that go below the app's own layer: Layer metadata
    /// "runtime" (the runtime pack's) or "dependencies" (NuGet packages'). Written by the targets from the SDK's items.</summary>
    public ITaskItem[]? AppLayerFiles { get; set; }
    public ITaskItem[]? AppCommand { get; set; }
    public ITaskItem[]? AppCommandArgs { get; set; }
    public ITaskItem[]? DefaultArgs { get; set; }
    /// <summary>ContainerAppCommandInstruction: Entrypoint, DefaultArgs or None.</summary>
    public string? AppCommandInstruction { get; set; }

    public ITaskItem[]? AptPackages { get; set; }
    public ITaskItem[]? PipPackages { get; set; }
    public ITaskItem[]? PipRequirements { get; set; }
    public ITaskItem[]? PipProjects { get; set; }
    public ITaskItem[]? CondaPackages { get; set; }
    public ITaskItem[]? CondaSpecFiles { get; set; }
    public string? CondaChannels { get; set; }
    public string? PythonBuildTools { get; set; }
    public ITaskItem[]? Commands { get; set; }
    public ITaskItem[]? Files { get; set; }
    public ITaskItem[]? EnvironmentVariables { get; set; }
    public ITaskItem[]? Labels { get; set; }
    public ITaskItem[]? Ports { get; set; }

    public string? PipIndexUrl { get; set; }
    public string? PipExtraIndexUrls { get; set; }
    public string? PipFindLinks { get; set; }
    public string? PipPre { get; set; }
    public string? PipExtraOptions { get; set; }

    public string? RuntimeIdentifier { get; set; }
    /// <summary>One platform's image of several: its runtime identifier, the suffix of its tags and archive name.</summary>
    public string? PlatformSuffix { get; set; }
    public bool ForceBuild { get; set; }
    public string? Network { get; set; }
    public string? CacheRepository { get; set; }
    /// <summary>The shared layer cache: a registry repository read from (ImageCacheFrom) and one written to (ImageCacheTo).</summary>
    public string? CacheFrom { get; set; }
    public string? CacheTo { get; set; }
    public string? ArchiveOutputPath { get; set; }
    public string? ImageFormat { get; set; }
    public string? ReportFile { get; set; }
    public string? FileIndexFile { get; set; }
    /// <summary>The up-to-date record of the last successful build (obj/imagetasks/.../last-build.record).</summary>
    public string? RecordFile { get; set; }

    /// <summary>Dockerfile lines applied to the base image before it is checked (RUN, ENV, WORKDIR, ...).</summary>
    public ITaskItem[]? SetupCommands { get; set; }
    /// <summary>Dockerfile lines in the chain of steps (default Order 350: after commands, before files).</summary>
    public ITaskItem[]? DockerfileCommands { get; set; }
    /// <summary>missing (default), always or never.</summary>
    public string? PullPolicy { get; set; }
    /// <summary>docker or podman: which local engine to prefer (the .NET SDK's LocalRegistry).</summary>
    public string? LocalRegistry { get; set; }
    /// <summary>A Dockerfile whose target stage is the base of the image.</summary>
    public string? Dockerfile { get; set; }
    public string? DockerfileContext { get; set; }
    public string? DockerfileTarget { get; set; }
    public ITaskItem[]? BuildArgs { get; set; }
    /// <summary>ImageBuildFunction items, published by the targets (PublishDir, AssetsFile metadata).</summary>
    public ITaskItem[]? Functions { get; set; }
    /// <summary>ImageSecret items: names and sources only; the values are read when the build runs, never passed in.</summary>
    public ITaskItem[]? Secrets { get; set; }
    public string? UserSecretsId { get; set; }

    /// <summary>The standard labels computed by the targets (Include the label, Value its value).</summary>
    public ITaskItem[]? StandardLabels { get; set; }
    public string? LabelCreated { get; set; }
    public string? LabelBaseName { get; set; }
    public string? LabelBaseDigest { get; set; }
    public string? SourceDateEpoch { get; set; }
    /// <summary>ContainerFamily: a variant of the default base.</summary>
    public string? Family { get; set; }
    /// <summary>Where the bill of materials goes (ContainerSbomOutputPath); empty: none.</summary>
    public string? SbomFile { get; set; }

    /// <summary>The id of the image built.</summary>
    [Output] public string? ImageId { get; private set; }

    /// <summary>The names it was tagged with ("myapp:latest").</summary>
    [Output] public string[] ImageNames { get; private set; } = [];

    protected override ImageRequest CreateRequest() => new()
    {
        Mode = ImageRequest.BuildMode,
        ProjectFile = ProjectFile ?? BuildEngine?.ProjectFileOfTaskNode,
        ProjectDirectory = ProjectDirectory ?? Path.GetDirectoryName(ProjectFile ?? BuildEngine?.ProjectFileOfTaskNode ?? ""),
        BaseImage = BaseImage,
        PythonVersion = PythonVersion,
        AddPython = AddPython,
        Registry = Registry,
        Repository = Repository,
        Tags = ToList(ImageTags),
        WorkingDirectory = WorkingDirectory,
        User = User,
        AppDirectory = AppDirectory,
        AppLayerFiles = ToData(AppLayerFiles),
        AppCommand = ToList(AppCommand),
        AppCommandArgs = ToList(AppCommandArgs),
        AppCommandInstruction = AppCommandInstruction,
        DefaultArgs = ToList(DefaultArgs),
        AptPackages = ToData(AptPackages),
        PipPackages = ToData(PipPackages),
        PipRequirements = ToData(PipRequirements),
        PipProjects = ToData(PipProjects),
        CondaPackages = ToData(CondaPackages),
        CondaSpecFiles = ToData(CondaSpecFiles),
        CondaChannels = CondaChannels,
        PythonBuildTools = PythonBuildTools,
        Commands = ToData(Commands),
        Files = ToData(Files),
        EnvironmentVariables = ToData(EnvironmentVariables),
        Labels = ToData(Labels),
        Ports = ToData(Ports),
        PipIndexUrl = PipIndexUrl,
        PipExtraIndexUrls = PipExtraIndexUrls,
        PipFindLinks = PipFindLinks,
        PipPre = PipPre,
        PipExtraOptions = PipExtraOptions,
        RuntimeIdentifier = RuntimeIdentifier,
        PlatformSuffix = PlatformSuffix,
        ForceAll = ForceBuild, // IMAGETASKS_FORCE_BUILD: read by the targets (ImageForceBuild) and by the engine
        Network = Network,
        CacheRepository = CacheRepository,
        CacheFrom = CacheFrom,
        CacheTo = CacheTo,
        ArchiveOutputPath = ArchiveOutputPath,
        ImageFormat = ImageFormat,
        ReportFile = ReportFile,
        FileIndexFile = FileIndexFile,
        RecordFile = RecordFile,
        SetupCommands = ToData(SetupCommands),
        DockerfileCommands = ToData(DockerfileCommands),
        PullPolicy = PullPolicy,
        LocalRegistry = LocalRegistry,
        Dockerfile = Dockerfile,
        DockerfileContext = DockerfileContext,
        DockerfileTarget = DockerfileTarget,
        BuildArgs = ToData(BuildArgs),
        Functions = ToData(Functions),
        Secrets = ToData(Secrets),
        UserSecretsId = UserSecretsId,
        StandardLabels = ToData(StandardLabels),
        LabelCreated = LabelCreated,
        LabelBaseName = LabelBaseName,
        LabelBaseDigest = LabelBaseDigest,
        SourceDateEpoch = SourceDateEpoch,
        Family = Family,
        SbomFile = SbomFile,
    };

    protected override void OnResult(ImageResult result)
    {
        ImageId = result.ImageId;
        ImageNames = result.ImageNames.ToArray();
    }
}
