using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ImageTasks.Tasks;

/// <summary>Forwards to MSBuild's logger, so errors come out as <c>file(line,col): error IMG1234: message</c>.</summary>
internal sealed class MSBuildTaskLog(TaskLoggingHelper log) : ITaskLog
{
    private readonly object _gate = new();

    public void Error(string code, string? file, int line, int column, string message)
    {
        lock (_gate) log.LogError(null, code, null, file, line, column, 0, 0, message);
    }

    public void Warning(string code, string? file, int line, int column, string message)
    {
        lock (_gate) log.LogWarning(null, code, null, file, line, column, 0, 0, message);
    }

    public void Message(bool high, string text)
    {
        lock (_gate) log.LogMessage(high ? MessageImportance.High : MessageImportance.Normal, "{0}", text);
    }
}
