using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>A package the function's project resolved (from its assets file): part of what defines the function.</summary>
public sealed record FunctionPackage(string Id, string Version);

/// <summary>
/// Build-time .NET code (Modal's <c>run_function</c>): a console project published for the image's platform, run in a
/// container of the parent layer with its files mounted from a volume that is never committed; the file system it
/// leaves is the layer. Keyed on what defines the function (its inputs' content under names relative to the project,
/// its resolved packages, program, arguments, working directory), never on a host path or time.
/// </summary>
public sealed record FunctionStep : BuildStep
{
    /// <summary>Where the published files are mounted while the function runs (a volume, so they are in no layer).</summary>
    public const string MountDirectory = "/run/imagetasks-function";

    /// <summary>The image-side folder the planner keys the inputs under (a name only; nothing is copied there).</summary>
    public const string InputsRoot = "/function";

    /// <param name="name">A name for the log (the project's file name).</param>
    /// <param name="publishDirectory">The published function on the host (absolute); not part of the key.</param>
    /// <param name="program">The program in <paramref name="publishDirectory"/> to run (the apphost's file name).</param>
    /// <param name="arguments">Its arguments, each one argument (never split by a shell).</param>
    /// <param name="inputs">The files that define the function: host path and a name relative to the project (the target name).</param>
    /// <param name="packages">The packages the project resolved.</param>
    /// <param name="workingDirectory">The function's working directory in the container; null: the image's at that step.</param>
    public FunctionStep(string name, string publishDirectory, string program, IEnumerable<string> arguments, IEnumerable<CopySource> inputs,
        IEnumerable<FunctionPackage> packages, string? workingDirectory = null)
    {
        Name = name;
        PublishDirectory = publishDirectory;
        Program = program;
        Arguments = arguments.ToArray();
        Inputs = inputs.ToArray();
        Packages = packages.ToArray();
        WorkingDirectory = workingDirectory;
        if (string.IsNullOrWhiteSpace(publishDirectory) || !Path.IsPathFullyQualified(publishDirectory))
            throw new ImageTasksException(ErrorCodes.InvalidFunction, $"The published folder \"{publishDirectory}\" of the function {name} is not an absolute host path. Give the full path.");
        if (string.IsNullOrWhiteSpace(program) || program.Contains('/') || program.Contains('\\') || program is "." or "..")
            throw new ImageTasksException(ErrorCodes.InvalidFunction, $"The program \"{program}\" of the function {name} is not a file name. Give the name of the published executable (its AssemblyName).");
        if (Inputs.Count == 0)
            throw new ImageTasksException(ErrorCodes.InvalidFunction, $"The function {name} has no input files, so no key can tell when it changed. Give the project file of a console app.");
        if (workingDirectory is not null) Validation.CheckFunctionWorkingDirectory(workingDirectory);
        // the inputs are keyed as a copy to InputsRoot: the same checks of their names
        _ = InputsAsCopy();
    }

    public string Name { get; }
    public string PublishDirectory { get; }
    public string Program { get; }
    public IReadOnlyList<string> Arguments { get; }
    public IReadOnlyList<CopySource> Inputs { get; }
    public IReadOnlyList<FunctionPackage> Packages { get; }
    public string? WorkingDirectory { get; }

    /// <summary>The argv run in the container.</summary>
    public IReadOnlyList<string> Command => [MountDirectory + "/" + Program, .. Arguments];

    /// <summary>The inputs as the copy the planner digests (names under <see cref="InputsRoot"/>, a fixed mode: a host's
    /// file modes do not define the function).</summary>
    public CopyStep InputsAsCopy() => new(Inputs, InputsRoot, mode: "644");

    public override string Summary => "function " + Name + (Arguments.Count == 0 ? "" : " " + string.Join(" ", Arguments));
}

public static partial class Validation
{
    public static void CheckFunctionWorkingDirectory(string path) =>
        CheckAbsolutePosixPath(path, ErrorCodes.InvalidWorkingDirectory, "function working directory");
}
