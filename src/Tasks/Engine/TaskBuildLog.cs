using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Engine;

/// <summary>
/// The engine's log, forwarded to the task's: every line at high importance, so the terminal logger shows it at the
/// default verbosity; a running step's output prefixed by the step ("[3/7 pip] Collecting pandas").
/// </summary>
internal sealed class TaskBuildLog(ITaskLog log, MappedImage image, string? projectFile) : IBuildLog
{
    public void Info(string message) => log.Message(true, message);

    public void StepOutput(PlannedStep step, string line) => log.Message(true, $"{Prefix(step)} {line}");

    public void Warning(string code, string message) => log.Warning(code, projectFile, 0, 0, message);

    public string Prefix(PlannedStep step) =>
        $"[{step.Index + 1}/{image.Definition.Steps.Count} {(step.Index < image.Kinds.Count ? image.Kinds[step.Index] : "step")}]";
}
