namespace ImageTasks.Tasks;

/// <summary>
/// Codes of the MSBuild integration (the IMG5xxx range of ImageTasks.Diagnostics.ErrorCodes). Kept in this assembly
/// because the net472 task has no reference to Core; a test asserts they are unique and do not clash with Core's.
/// </summary>
public static class TaskErrorCodes
{
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
    /// <summary>An AppLayerFiles item has a Layer other than runtime or dependencies, or a path outside the app folder.</summary>
    public const string InvalidAppLayer = "IMG5020";
}
