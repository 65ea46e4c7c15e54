using ImageTasks.Engine;
using ImageTasks.Planning;

namespace ImageTasks.Core.Tests;

/// <summary>A build log that keeps its lines and, apart, its warnings ("IMGnnnn: message").</summary>
internal sealed class RecordingLog : IBuildLog
{
    public List<string> Lines { get; } = [];
    public List<string> Warnings { get; } = [];
    public void Info(string message) => Lines.Add(message);
    public void StepOutput(PlannedStep step, string line) => Lines.Add($"{step.Index}: {line}");
    public void Warning(string code, string message) => Warnings.Add($"{code}: {message}");
}
