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
    /// <summary>A build secret's name is not an environment variable name, or a step names one twice.</summary>
    public const string InvalidSecretName = "IMG1026";
    /// <summary>An ImageSecret item gives more than one source (FromEnvironment, FromFile, FromUserSecrets), or an empty one.</summary>
    public const string InvalidSecretSource = "IMG1027";
    /// <summary>Env metadata of a step item is not a list of NAME=value.</summary>
    public const string InvalidBuildEnvironment = "IMG1028";
    /// <summary>An ImageBuildFunction's project, program or arguments are not usable (not a project file, no program published).</summary>
    public const string InvalidFunction = "IMG1029";

    // IMG104x: Python packaging (requirements files, pyproject.toml, local packages)
    /// <summary>A requirements file, or a file it pulls in (-r, -c, a local path, a --find-links folder), is missing or unreadable.</summary>
    public const string InvalidRequirementsFile = "IMG1040";
    /// <summary>A pyproject.toml that cannot be read, is not TOML, has no [project] table or dependencies that are not strings.</summary>
    public const string InvalidPyProject = "IMG1041";
    /// <summary>OptionalDependencies names a group the pyproject.toml does not have.</summary>
    public const string UnknownOptionalDependencies = "IMG1042";
    /// <summary>A PipProject whose dependencies (and chosen groups) are empty: nothing to install.</summary>
    public const string NoPipRequirements = "IMG1043";
    /// <summary>A PipPackage that is a path but not of a wheel or sdist file.</summary>
    public const string InvalidLocalPipPackage = "IMG1044";
    /// <summary>ImageAddPython is not a major.minor Python 3 version.</summary>
    public const string InvalidPythonVersion = "IMG1045";

    // IMG1046..IMG1049: conda / micromamba, and the default base's Python
    /// <summary>A CondaPackage's match spec (or Version) is not one micromamba reads, or carries a shell metacharacter.</summary>
    public const string InvalidCondaSpec = "IMG1046";
    /// <summary>A conda channel (ImageCondaChannels, IMAGETASKS_CONDA_CHANNELS, Channel metadata) is neither a channel name nor an http(s)/file URL, or carries a token where it would be logged.</summary>
    public const string InvalidCondaChannel = "IMG1047";
    /// <summary>A CondaSpecFile is missing, unreadable, or holds a channel with credentials.</summary>
    public const string InvalidCondaSpecFile = "IMG1048";
    /// <summary>ImagePythonVersion (the default base's Python) is not one Modal's debian_slim supports.</summary>
    public const string UnsupportedPythonVersion = "IMG1049";

    // IMG1050..IMG1054: the .NET SDK's container surface (ContainerFamily, standard labels)
    /// <summary>ContainerFamily with an explicit base (ContainerBaseImage or ImageDockerfile): a family picks a variant of the default base only.</summary>
    public const string FamilyWithExplicitBase = "IMG1050";
    /// <summary>ContainerFamily is not a tag suffix (letters, digits, '.', '_', '-').</summary>
    public const string InvalidFamily = "IMG1051";
    /// <summary>An Alpine (musl) family for a glibc runtime identifier: the app published for it would not start.</summary>
    public const string FamilyPlatformMismatch = "IMG1052";
    /// <summary>SOURCE_DATE_EPOCH is not a whole number of seconds since 1970.</summary>
    public const string InvalidSourceDateEpoch = "IMG1053";

    // IMG1055..IMG1059: several platforms (ContainerRuntimeIdentifiers)
    /// <summary>ContainerRuntimeIdentifiers names two runtime identifiers of one platform (linux-x64 twice, or linux-x64
    /// and linux-musl-x64): an image index holds one image per platform.</summary>
    public const string DuplicatePlatform = "IMG1055";

    // IMG1060..IMG1064: publishing options
    /// <summary>ContainerImageFormat is neither Docker nor OCI.</summary>
    public const string InvalidImageFormat = "IMG1060";

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
    /// <summary>ImageAddPython on a base that cannot take it: no apt-get, or a release whose python3 is another version.</summary>
    public const string BaseCannotAddPython = "IMG4106";
    /// <summary>A pip requirement is a git+ reference, and the base has no git (nor does an apt step install it).</summary>
    public const string BaseLacksGit = "IMG4107";
    /// <summary>Conda steps on a base without micromamba.</summary>
    public const string BaseLacksMicromamba = "IMG4108";

    // IMG42xx: registries (credentials, push) and archive output
    public const string RegistryUnauthorized = "IMG4201";
    public const string PushFailed = "IMG4202";
    public const string ArchiveFailed = "IMG4203";
    /// <summary>The image the engine saved cannot be turned into OCI blobs (no manifest.json, a layer missing).</summary>
    public const string SavedImageUnreadable = "IMG4204";

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

    // IMG4320..IMG4324: the base image's registry digest (the org.opencontainers.image.base.digest label); warnings
    /// <summary>Warning: the base's manifest digest could not be read from its registry; the base.digest label is left out.</summary>
    public const string BaseDigestUnresolved = "IMG4320";
    /// <summary>Warning: the base on this engine is not what its registry now holds under that reference; the base.digest label is left out.</summary>
    public const string BaseDigestMismatch = "IMG4321";

    // IMG4330..IMG4334: several platforms: the image index and the bases' per-platform manifests in a registry
    /// <summary>The registry cannot be reached to read a manifest or write the image index.</summary>
    public const string IndexRegistryUnreachable = "IMG4330";
    /// <summary>The registry refused reading a manifest or writing the image index (401, 403, another status).</summary>
    public const string IndexRegistryRefused = "IMG4331";
    /// <summary>A platform's image, pushed just before, is not in the registry when the index is written.</summary>
    public const string PlatformImageMissing = "IMG4332";
    /// <summary>The base image's index in its registry has no image for a platform the project builds for.</summary>
    public const string BasePlatformMissing = "IMG4333";

    // IMG4401..IMG4409: Podman's Docker-compatible API.
    public const string PodmanCommitUnsupported = "IMG4401";
    public const string PodmanCommitMismatch = "IMG4402";

    // IMG5xxx: the MSBuild integration
    /// <summary>Item metadata or a property has a value of the wrong form (Order not a number, ForceBuild not a boolean).</summary>
    public const string InvalidMetadata = "IMG5001";
    /// <summary>The out-of-process host (net472 path) could not be started: no `dotnet`, or the net8.0 task assembly is missing.</summary>
    public const string HostNotStarted = "IMG5002";
    /// <summary>The out-of-process host ended without reporting a result (crashed).</summary>
    public const string HostFailed = "IMG5003";
    /// <summary>An unexpected exception: a bug; the message carries the stack trace.</summary>
    public const string Unexpected = "IMG5004";
    /// <summary>The request file handed to the host could not be read.</summary>
    public const string InvalidRequest = "IMG5005";
    /// <summary>The app folder to copy into the image does not exist (the app was not built or published).</summary>
    public const string AppDirectoryMissing = "IMG5006";
    // IMG5007 was "archive not written"; the publisher's IMG4203 says it now. Codes are not reused.
    /// <summary>ContainerRuntimeIdentifier is not a Linux platform an image can be built for.</summary>
    public const string UnsupportedRuntimeIdentifier = "IMG5008";
    /// <summary>The build was canceled (Ctrl+C, or the IDE).</summary>
    public const string Canceled = "IMG5009";
    /// <summary>Warning: a registry password is in a DOTNET_* variable, which MSBuild writes into binary logs.</summary>
    public const string PasswordInLoggedVariable = "IMG5010";
    /// <summary>Warning: a pip URL with credentials is in a property or item metadata, which MSBuild writes into binary logs.</summary>
    public const string CredentialsInLoggedProperty = "IMG5011";
    /// <summary>Warning: a ContainerEnvironmentVariable value looks like a substitution ($VAR, ${VAR}), which is stored literally.</summary>
    public const string LiteralSubstitution = "IMG5012";
    /// <summary>ContainerAppCommandInstruction is Entrypoint while a Dockerfile line sets an ENTRYPOINT the app command would replace.</summary>
    public const string AppCommandReplacesEntrypoint = "IMG5013";
    /// <summary>ContainerAppCommandInstruction is None while ContainerAppCommand or ContainerAppCommandArgs items are given.</summary>
    public const string AppCommandNotUsed = "IMG5014";
    /// <summary>Warning: the base image's ENTRYPOINT is replaced by the app command (ContainerAppCommandInstruction not given).</summary>
    public const string BaseEntrypointReplaced = "IMG5015";
    /// <summary>BuildImage on a project that is not an SDK-style .NET project (raised by the targets).</summary>
    public const string NotSdkProject = "IMG5016";
    /// <summary>An AppLayerFiles item (from the targets) with a bad Layer value or a path outside the app folder.</summary>
    public const string InvalidAppLayer = "IMG5020";
    /// <summary>A build secret a step asks for has no value where it was looked for (environment, file, user secrets).</summary>
    public const string SecretMissing = "IMG5030";
    /// <summary>Secrets or Env metadata on an item whose step runs nothing (ImageFile, a Dockerfile line such as ENV).</summary>
    public const string SecretsOnCopy = "IMG5031";
    /// <summary>Warning: an ImageBuildFunction references projects outside its folder, which are neither watched nor keyed.</summary>
    public const string FunctionReferencesOutside = "IMG5032";
    /// <summary>Warning: the software bill of materials could not be read from the image or written; the build itself succeeded.</summary>
    public const string SbomFailed = "IMG5033";
    /// <summary>Warning: package records in the image that could not be read (a dpkg status stanza or a METADATA without name or version) are left out of the bill of materials.</summary>
    public const string SbomEntriesSkipped = "IMG5034";
    /// <summary>Warning: the registry did not take the bill of materials as a referrer of the pushed image; the image is pushed.</summary>
    public const string SbomNotPushed = "IMG5035";

    // IMG6xxx: Dockerfiles (IMG6001-IMG6003, the syntax errors, are the parser's: ImageTasks.Dockerfiles.DockerfileErrorCodes)
    // IMG60xx from here on: the semantics of a Dockerfile build (ImageTasks.Definition.Dockerfiles), raised as
    // ImageTasksException with the file and line.

    /// <summary>An instruction the engine cannot honour: ONBUILD (or a base image with ONBUILD triggers), MAINTAINER is
    /// only a warning (<see cref="MaintainerIgnored"/>).</summary>
    public const string UnsupportedInstruction = "IMG6004";

    /// <summary>A flag the engine does not support (a --mount type other than cache, --security, --parents, ...).</summary>
    public const string UnsupportedFlag = "IMG6005";

    /// <summary>A source the engine cannot copy: ADD of a URL or git repository, a bzip2/xz archive, a wildcard in --from.</summary>
    public const string UnsupportedSource = "IMG6006";

    /// <summary>No FROM, an instruction before the first FROM that is not ARG, an unknown --target stage.</summary>
    public const string InvalidStage = "IMG6007";

    /// <summary>A bad variable substitution (${X:?message} of an unset X, a missing '}', an unsupported modifier).</summary>
    public const string InvalidSubstitution = "IMG6008";

    /// <summary>A COPY/ADD source that is not in the context (missing, outside it, or excluded by .dockerignore).</summary>
    public const string CopySourceNotFound = "IMG6009";

    /// <summary>COPY/ADD of several sources to a destination that does not end with '/'.</summary>
    public const string DestinationNotFolder = "IMG6010";

    /// <summary>--chown with user or group names (layers carry numeric ids): give numbers.</summary>
    public const string OwnerNotNumeric = "IMG6011";

    /// <summary>FROM --platform names another platform than the one the image is built for.</summary>
    public const string PlatformMismatch = "IMG6012";

    /// <summary>An instruction's value the engine cannot use (a bad HEALTHCHECK duration, SHELL not in JSON form, ...).</summary>
    public const string InvalidValue = "IMG6013";

    // IMG65xx: warnings (IBuildLog.Warning), the build goes on.

    /// <summary>The entrypoint is a script copied from the context that does not end with <c>exec "$@"</c>.</summary>
    public const string EntrypointDoesNotExec = "IMG6501";

    /// <summary>Build arguments given by the caller that no ARG declares.</summary>
    public const string UnusedBuildArgs = "IMG6502";

    /// <summary>MAINTAINER sets no label or author: use LABEL maintainer=...</summary>
    public const string MaintainerIgnored = "IMG6503";
}
