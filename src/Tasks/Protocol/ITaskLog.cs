using System.Runtime.Serialization;
using ImageTasks.Diagnostics;

namespace ImageTasks.Tasks.Protocol;

/// <summary>
/// The log the engine side writes to: MSBuild's logger in process (<see cref="MSBuildTaskLog"/>), or protocol lines on
/// stdout in the out-of-process host (<see cref="ProtocolWriter"/>), which the net472 task reads back into MSBuild.
/// </summary>
public interface ITaskLog
{
    /// <summary>An error in MSBuild's canonical form: <c>file(line,col): error CODE: message</c>.</summary>
    void Error(string code, string? file, int line, int column, string message);
    void Warning(string code, string? file, int line, int column, string message);
    /// <summary>A message; <paramref name="high"/> shows at the default (minimal) verbosity of the terminal logger.</summary>
    void Message(bool high, string text);
}

/// <summary>One protocol line: "##imagetasks " followed by this object as JSON.</summary>
[DataContract]
public sealed class LogLine
{
    public const string Prefix = "##imagetasks ";

    /// <summary>"error", "warning", "high", "normal" or "result".</summary>
    [DataMember] public string Kind { get; set; } = "normal";
    [DataMember] public string? Code { get; set; }
    [DataMember] public string? File { get; set; }
    [DataMember] public int Line { get; set; }
    [DataMember] public int Column { get; set; }
    [DataMember] public string? Text { get; set; }
    [DataMember] public ImageResult? Result { get; set; }
}

/// <summary>The host's side: writes every log call as one protocol line.</summary>
public sealed class ProtocolWriter(TextWriter writer) : ITaskLog
{
    private readonly object _gate = new();

    public void Error(string code, string? file, int line, int column, string message) =>
        Write(new LogLine { Kind = "error", Code = code, File = file, Line = line, Column = column, Text = message });

    public void Warning(string code, string? file, int line, int column, string message) =>
        Write(new LogLine { Kind = "warning", Code = code, File = file, Line = line, Column = column, Text = message });

    public void Message(bool high, string text) => Write(new LogLine { Kind = high ? "high" : "normal", Text = text });

    public void Result(ImageResult result) => Write(new LogLine { Kind = "result", Result = result });

    private void Write(LogLine line)
    {
        var json = Json.Serialize(line); // one line: the serializer escapes control characters
        lock (_gate)
        {
            writer.WriteLine(LogLine.Prefix + json);
            writer.Flush();
        }
    }
}

/// <summary>The task's side: turns the host's output lines back into log calls; other lines become messages.</summary>
public static class ProtocolReader
{
    /// <summary>Forwards one line; returns the result when the line carries it.</summary>
    public static ImageResult? Forward(string line, ITaskLog log)
    {
        if (!line.StartsWith(LogLine.Prefix, StringComparison.Ordinal))
        {
            log.Message(false, line);
            return null;
        }
        LogLine entry;
        try { entry = Json.Deserialize<LogLine>(line.Substring(LogLine.Prefix.Length)); }
        catch (Exception) { log.Message(false, line); return null; }
        switch (entry.Kind)
        {
            case "error": log.Error(entry.Code ?? ErrorCodes.HostFailed, entry.File, entry.Line, entry.Column, entry.Text ?? ""); break;
            case "warning": log.Warning(entry.Code ?? "", entry.File, entry.Line, entry.Column, entry.Text ?? ""); break;
            case "high": log.Message(true, entry.Text ?? ""); break;
            case "result": return entry.Result;
            default: log.Message(false, entry.Text ?? ""); break;
        }
        return null;
    }
}
