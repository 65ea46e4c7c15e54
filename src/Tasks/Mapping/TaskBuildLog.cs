using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// The engine's log, forwarded to the task's: every line at high importance, so the terminal logger shows it at the
/// default verbosity; a running step's output prefixed by the step ("[3/7 pip] Collecting pandas").
/// </summary>
internal sealed class TaskBuildLog(ITaskLog log, MappedImage image, string? projectFile) : IBuildLog
{
    public void Info(string message) => log.Message(true, message);

    public void StepOutput(PlannedStep step, string line) => log.Message(true, $"{Prefix(step)} {line}");

    public void Warning(string code, string message) => log.Warning(code, projectFile, 0, 0, message);

    readonly List<LayerReport> _done = [];
    PlannedStep? _running;

    /// <summary>Steps of the Dockerfile base being built (not the definition's steps, so not its kinds).</summary>
    public bool InDockerfileBase { get; set; }

    public void StepStarting(PlannedStep step) => _running = step;

    public void LayerDone(LayerResult layer)
    {
        _done.Add(LayerReport.Of(layer, Kind(layer.Step)));
        _running = null;
    }

    /// <summary>The main build starts: what the Dockerfile base did is not in its report.</summary>
    public void Restart()
    {
        _done.Clear();
        _running = null;
        InDockerfileBase = false;
    }

    /// <summary>The report of a build that failed with <paramref name="code"/>: the layers done so far and the step that was running.</summary>
    public BuildReport FailureReport(string code) => Result is not null
        ? BuildReport.From(Result, image) with { Failed = new FailureReport(code, null, null, null, null) }
        : BuildReport.Failure(image, _done.ToList(), _running, _running is null ? "" : Kind(_running), code);

    /// <summary>The image was built (what fails now is publishing it).</summary>
    public BuildResult? Result { get; set; }

    string Kind(PlannedStep step) => InDockerfileBase ? "dockerfile-base" : BuildReport.KindOf(image, step);

    public string Prefix(PlannedStep step) =>
        $"[{step.Index + 1}/{image.Definition.Steps.Count} {(step.Index < image.Kinds.Count ? image.Kinds[step.Index] : "step")}]";
}
