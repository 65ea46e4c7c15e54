namespace ImageTasks.Dockerfiles;

/// <summary>The codes of Dockerfile syntax errors, the parser's own (IMG6001-IMG6003). Every other code, the Dockerfile
/// area's too, is in ImageTasks.Diagnostics.ErrorCodes.</summary>
public static class DockerfileErrorCodes
{
    /// <summary>A malformed instruction: unknown name, missing or malformed arguments.</summary>
    public const string SyntaxError = "IMG6001";

    /// <summary>A malformed parser directive: an unsupported escape character or a directive given twice.</summary>
    public const string InvalidDirective = "IMG6002";

    /// <summary>A here-document whose closing delimiter line never comes.</summary>
    public const string UnterminatedHeredoc = "IMG6003";

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
