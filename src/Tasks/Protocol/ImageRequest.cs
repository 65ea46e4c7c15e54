using System.Runtime.Serialization;

namespace ImageTasks.Tasks.Protocol;

/// <summary>
/// Everything a task hands to the engine, as plain data: the project's items and properties, not yet interpreted.
/// The in-process path (net8.0) maps it directly; the out-of-process path (net472) writes it as JSON for the net8.0
/// host. No MSBuild types, so the mapping is unit-testable.
/// </summary>
[DataContract]
public sealed class ImageRequest
{
    public const string BuildMode = "build";
    public const string PruneMode = "prune";
    public const string ListCacheMode = "list-cache";
    /// <summary>Checks ContainerRuntimeIdentifiers and the image's names before the platforms are built.</summary>
    public const string CheckPlatformsMode = "check-platforms";
    /// <summary>Writes the image index of the platforms' pushed images under the plain tags.</summary>
    public const string PublishIndexMode = "publish-index";

    /// <summary><see cref="BuildMode"/> builds the image; the others list or prune the layer cache.</summary>
    [DataMember] public string Mode { get; set; } = BuildMode;
    /// <summary>The project file, for error locations.</summary>
    [DataMember] public string? ProjectFile { get; set; }
    /// <summary>Relative item paths are resolved against this folder.</summary>
    [DataMember] public string? ProjectDirectory { get; set; }

    [DataMember] public string? BaseImage { get; set; }
    [DataMember] public string? PythonVersion { get; set; }
    /// <summary>ImageAddPython: the Python version to install into a base without one; empty: none.</summary>
    [DataMember] public string? AddPython { get; set; }
    [DataMember] public string? Registry { get; set; }
    [DataMember] public string? Repository { get; set; }
    [DataMember] public List<string> Tags { get; set; } = new();
    [DataMember] public string? WorkingDirectory { get; set; }
    [DataMember] public string? User { get; set; }

    /// <summary>The built or published app, copied to <see cref="WorkingDirectory"/> as the top layer; null: no app layer.</summary>
    [DataMember] public string? AppDirectory { get; set; }
    /// <summary>Files of <see cref="AppDirectory"/> (relative paths) with their layer: Layer metadata "runtime" (from the
    /// runtime pack) or "dependencies" (from NuGet packages), each a layer below the app's own files. Empty: one app layer.</summary>
    [DataMember] public List<ItemData> AppLayerFiles { get; set; } = new();
    [DataMember] public List<string> AppCommand { get; set; } = new();
    [DataMember] public List<string> AppCommandArgs { get; set; } = new();
    [DataMember] public List<string> DefaultArgs { get; set; } = new();
    /// <summary>ContainerAppCommandInstruction: Entrypoint, DefaultArgs or None (the .NET SDK's); empty: its default.</summary>
    [DataMember] public string? AppCommandInstruction { get; set; }

    [DataMember] public List<ItemData> AptPackages { get; set; } = new();
    [DataMember] public List<ItemData> PipPackages { get; set; } = new();
    /// <summary>PipRequirements items: requirements files, installed with pip install -r.</summary>
    [DataMember] public List<ItemData> PipRequirements { get; set; } = new();
    /// <summary>PipProject items: pyproject.toml files whose dependencies (and OptionalDependencies groups) are installed.</summary>
    [DataMember] public List<ItemData> PipProjects { get; set; } = new();
    /// <summary>CondaPackage items: match specs for micromamba (Version, Channel metadata).</summary>
    [DataMember] public List<ItemData> CondaPackages { get; set; } = new();
    /// <summary>CondaSpecFile items: files of specs (or environment.yml) passed to micromamba with -f.</summary>
    [DataMember] public List<ItemData> CondaSpecFiles { get; set; } = new();
    /// <summary>ImageCondaChannels: ordered, ';'-separated.</summary>
    [DataMember] public string? CondaChannels { get; set; }
    /// <summary>ImagePythonBuildTools: true adds Modal's compilers (build-essential, gcc, gfortran) as a first apt step.</summary>
    [DataMember] public string? PythonBuildTools { get; set; }
    [DataMember] public List<ItemData> Commands { get; set; } = new();
    [DataMember] public List<ItemData> Files { get; set; } = new();
    [DataMember] public List<ItemData> EnvironmentVariables { get; set; } = new();
    [DataMember] public List<ItemData> Labels { get; set; } = new();
    [DataMember] public List<ItemData> Ports { get; set; } = new();

    /// <summary>Defaults for every PipPackage item (item metadata of the same name wins).</summary>
    [DataMember] public string? PipIndexUrl { get; set; }
    [DataMember] public string? PipExtraIndexUrls { get; set; }
    [DataMember] public string? PipFindLinks { get; set; }
    [DataMember] public string? PipPre { get; set; }
    [DataMember] public string? PipExtraOptions { get; set; }

    /// <summary>The .NET runtime identifier the image is for (linux-x64, linux-arm64): its platform (linux/amd64, ...).</summary>
    [DataMember] public string? RuntimeIdentifier { get; set; }
    /// <summary>One platform's image of several (ContainerRuntimeIdentifiers): its runtime identifier, which every tag
    /// (on the engine and pushed) and the archive's name get as a suffix (-linux-arm64). Null: a single-platform build.</summary>
    [DataMember] public string? PlatformSuffix { get; set; }
    /// <summary>ContainerRuntimeIdentifiers (check-platforms and publish-index modes).</summary>
    [DataMember] public List<string> RuntimeIdentifiers { get; set; } = new();
    /// <summary>The image index's media type (publish-index mode): a Docker manifest list, or an OCI image index.</summary>
    [DataMember] public string? IndexMediaType { get; set; }
    [DataMember] public bool ForceAll { get; set; }
    [DataMember] public string? Network { get; set; }
    [DataMember] public string? CacheRepository { get; set; }
    /// <summary>ImageCacheFrom / ImageCacheTo: registry repositories of the shared layer cache (read / written).</summary>
    [DataMember] public string? CacheFrom { get; set; }
    [DataMember] public string? CacheTo { get; set; }
    [DataMember] public string? ArchiveOutputPath { get; set; }
    /// <summary>ContainerImageFormat: Docker, OCI, or empty (the base's).</summary>
    [DataMember] public string? ImageFormat { get; set; }
    /// <summary>Where the JSON build report is written (per-layer kind, key, cached).</summary>
    [DataMember] public string? ReportFile { get; set; }
    /// <summary>The per-project file digest index.</summary>
    [DataMember] public string? FileIndexFile { get; set; }

    [DataMember] public List<ItemData> SetupCommands { get; set; } = new();
    [DataMember] public List<ItemData> DockerfileCommands { get; set; } = new();
    [DataMember] public string? PullPolicy { get; set; }
    [DataMember] public string? LocalRegistry { get; set; }
    [DataMember] public string? Dockerfile { get; set; }
    [DataMember] public string? DockerfileContext { get; set; }
    [DataMember] public string? DockerfileTarget { get; set; }
    [DataMember] public List<ItemData> BuildArgs { get; set; } = new();

    /// <summary>ImageBuildFunction items, with the PublishDir and AssetsFile metadata the targets add.</summary>
    [DataMember] public List<ItemData> Functions { get; set; } = new();
    /// <summary>ImageSecret items: names and where to read them (never values).</summary>
    [DataMember] public List<ItemData> Secrets { get; set; } = new();
    /// <summary>The project's UserSecretsId: build secrets may come from its `dotnet user-secrets` store.</summary>
    [DataMember] public string? UserSecretsId { get; set; }

    [DataMember] public string? PruneOlderThanDays { get; set; }

    /// <summary>The standard labels the targets computed from the project (ContainerGenerateLabels and its switches, as
    /// the .NET SDK's): Include the label, Value its value. Only those switched on with a value.</summary>
    [DataMember] public List<ItemData> StandardLabels { get; set; } = new();
    /// <summary>"true": the org.opencontainers.image.created label (SOURCE_DATE_EPOCH, else the time the final
    /// configuration is first built); empty or "false": none.</summary>
    [DataMember] public string? LabelCreated { get; set; }
    /// <summary>"true": org.opencontainers.image.base.name.</summary>
    [DataMember] public string? LabelBaseName { get; set; }
    /// <summary>"true": org.opencontainers.image.base.digest, the base's registry manifest digest.</summary>
    [DataMember] public string? LabelBaseDigest { get; set; }
    /// <summary>SOURCE_DATE_EPOCH (seconds since 1970, UTC): the created time of reproducible builds.</summary>
    [DataMember] public string? SourceDateEpoch { get; set; }
    /// <summary>ContainerFamily: a variant of the default base (the suffix of its tag after the Python version).</summary>
    [DataMember] public string? Family { get; set; }
    /// <summary>Where the CycloneDX bill of materials of the final image is written; empty: none (ContainerGenerateSbom=false).</summary>
    [DataMember] public string? SbomFile { get; set; }

    /// <summary>A request written by hand, or by a task that knows fewer members, leaves lists out: the serializer runs no
    /// constructor, so each missing list is made empty here.</summary>
    [OnDeserialized]
    void FillMissingLists(StreamingContext context)
    {
        foreach (var property in typeof(ImageRequest).GetProperties())
            if (property.CanWrite && property.GetValue(this) is null && property.PropertyType.IsGenericType
                && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>))
                property.SetValue(this, Activator.CreateInstance(property.PropertyType));
    }

    /// <summary>Where the up-to-date record of the last successful build is kept (Mapping.UpToDate); null: none,
    /// every build runs the engine.</summary>
    [DataMember] public string? RecordFile { get; set; }
}

/// <summary>An MSBuild item: its Include and the metadata the mapping reads.</summary>
[DataContract]
public sealed class ItemData
{
    public ItemData() { }

    public ItemData(string itemSpec, IDictionary<string, string>? metadata = null)
    {
        ItemSpec = itemSpec;
        if (metadata is not null)
            foreach (var pair in metadata) Metadata[pair.Key] = pair.Value;
    }

    [DataMember] public string ItemSpec { get; set; } = "";
    [DataMember] public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The metadata value, null when absent or blank (MSBuild does not tell the two apart).</summary>
    public string? Get(string name)
    {
        // after deserialization the dictionary has the default (case-sensitive) comparer
        foreach (var pair in Metadata)
            if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                return string.IsNullOrWhiteSpace(pair.Value) ? null : pair.Value;
        return null;
    }

    public override string ToString() => ItemSpec;
}

/// <summary>What a task gets back.</summary>
[DataContract]
public sealed class ImageResult
{
    [DataMember] public bool Success { get; set; }
    /// <summary>The final image's id (build), or the id found (check).</summary>
    [DataMember] public string? ImageId { get; set; }
    /// <summary>The names the final image was tagged with.</summary>
    [DataMember] public List<string> ImageNames { get; set; } = new();
    /// <summary>The image was up to date: nothing was built, reported or published.</summary>
    [DataMember] public bool UpToDate { get; set; }
}
