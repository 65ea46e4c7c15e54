namespace ImageTasks.Dockerfiles;

/// <summary>The codes of Dockerfile syntax errors (the IMG6xxx range is the Dockerfile area).</summary>
public static class DockerfileErrorCodes
{
    /// <summary>A malformed instruction: unknown name, missing or malformed arguments.</summary>
    public const string SyntaxError = "IMG6001";

    /// <summary>A malformed parser directive: an unsupported escape character or a directive given twice.</summary>
    public const string InvalidDirective = "IMG6002";

    /// <summary>A here-document whose closing delimiter line never comes.</summary>
    public const string UnterminatedHeredoc = "IMG6003";

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

/// <summary>
/// A syntax error in a Dockerfile. <see cref="Exception.Message"/> says what is wrong and how to fix it;
/// the location is in <see cref="File"/>, <see cref="Line"/> and <see cref="Column"/> (1-based), not in the message.
/// </summary>
public sealed class DockerfileSyntaxException : Exception
{
    public DockerfileSyntaxException(string code, string message, string? file, int line, int column)
        : base(message)
    {
        Code = code;
        File = file;
        Line = line;
        Column = column;
    }

    public string Code { get; }

    /// <summary>The file name given to the parser, or null when none was given.</summary>
    public string? File { get; }

    public int Line { get; }

    public int Column { get; }

    public override string ToString() => $"{File ?? "Dockerfile"}({Line},{Column}): error {Code}: {Message}";
}
