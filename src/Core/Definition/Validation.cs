namespace ImageTasks.Definition;

/// <summary>Checks of user values, run when the definition is made. Each failure is an ImageTasksException with an IMG1xxx code.</summary>
public static class Validation
{
    // STUB: to be implemented (PEP 508 names, PEP 440 specifiers, NuGet ranges, Debian names and versions, ...)
    public static void CheckAptPackage(AptPackage package) { }
    public static void CheckPipPackage(PipPackage package) { }
    public static void CheckPipOptions(PipOptions options) { }
    public static void CheckCopy(CopyStep step) { }
    public static void CheckConfig(ConfigStep step) { }

    /// <summary>A user's version text for pip: a PEP 440 specifier as it is, a bare version as ==, a NuGet range translated.</summary>
    public static string? ToPep440(string? version) => version;
}
