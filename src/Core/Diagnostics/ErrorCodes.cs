namespace ImageTasks.Diagnostics;

/// <summary>
/// Every code a user can see, in one place. Ranges per area:
/// IMG1xxx the image definition (names, versions, references, options),
/// IMG2xxx planning (files, layer keys),
/// IMG3xxx the engine (running steps, cache),
/// IMG4xxx the container engine and registries (connection, pull, push, credentials, base validation),
/// IMG5xxx the MSBuild integration,
/// IMG6xxx Dockerfiles.
/// A test asserts the codes are unique and well formed.
/// </summary>
public static class ErrorCodes
{
    // IMG1xxx: definition
    public const string InvalidPipName = "IMG1001";
    public const string InvalidPipVersion = "IMG1002";
    public const string InvalidAptName = "IMG1003";
    public const string InvalidAptVersion = "IMG1004";
    public const string InvalidImageReference = "IMG1005";
    public const string EmptyCommand = "IMG1006";
    public const string InvalidDestination = "IMG1007";
    public const string InvalidEnvironmentName = "IMG1008";
    public const string InvalidPort = "IMG1009";
    public const string InvalidMode = "IMG1010";
    public const string InvalidPipOption = "IMG1011";
    public const string TooManyLayers = "IMG1012";
    public const string InvalidOwner = "IMG1013";
    public const string InvalidLabel = "IMG1014";
    public const string InvalidCopySource = "IMG1015";
    public const string InvalidWorkingDirectory = "IMG1016";
    public const string UnsupportedSetupCommand = "IMG1017";

    // IMG2xxx: planning
    public const string SourceNotFound = "IMG2001";
    public const string SourceUnreadable = "IMG2002";
    public const string DuplicateImagePath = "IMG2003";

    // IMG3xxx: engine
    public const string StepFailed = "IMG3001";
    public const string CommitFailed = "IMG3003";

    // IMG4xxx: container engine, registries
    public const string EngineUnreachable = "IMG4001";
    public const string EngineError = "IMG4002";
    public const string BaseImageMissing = "IMG4003";
    public const string PullFailed = "IMG4004";

    // IMG41xx: checks of the base image (after its setup commands), run once per image id
    public const string BasePlatformMismatch = "IMG4101";
    public const string BaseLacksPython = "IMG4102";
    public const string BasePythonTooOld = "IMG4103";
    public const string BaseLacksPip = "IMG4104";
    public const string BaseLacksApt = "IMG4105";

    // IMG42xx: registries (credentials, push) and archive output
    public const string RegistryUnauthorized = "IMG4201";
    public const string PushFailed = "IMG4202";
    public const string ArchiveFailed = "IMG4203";

    // IMG4301..IMG4319: the layer cache shared through a registry (ImageCacheFrom / ImageCacheTo) and remote engines.
    // All but InvalidCacheReference and EngineTlsRefused are warnings: the shared cache is an optimisation.
    public const string CacheRegistryUnreachable = "IMG4301";
    public const string CacheRegistryRefused = "IMG4302";
    public const string CacheEntryMismatch = "IMG4303";
    public const string CachePullFailed = "IMG4304";
    public const string CachePushFailed = "IMG4305";
    public const string InvalidCacheReference = "IMG4306";
    public const string CacheEntryUnrecorded = "IMG4307";
    public const string EngineTlsRefused = "IMG4308";
}
