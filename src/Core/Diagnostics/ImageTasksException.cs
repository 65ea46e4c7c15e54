namespace ImageTasks.Diagnostics;

/// <summary>
/// An error a user can hit. <see cref="Code"/> is an IMG code from <see cref="ErrorCodes"/>; the message says what
/// went wrong, with the offending value, and what to do.
/// </summary>
public class ImageTasksException : Exception
{
    public ImageTasksException(string code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    public string Code { get; }

    /// <summary>Where in a file the problem is, when it comes from one (a Dockerfile line, say).</summary>
    public string? File { get; init; }
    public int Line { get; init; }
    public int Column { get; init; }

    public override string ToString() => $"{Code}: {Message}";
}
