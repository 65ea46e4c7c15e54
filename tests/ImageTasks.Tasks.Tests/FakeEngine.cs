using ImageTasks.Core.Tests;
using ImageTasks.Engine;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Tests;

/// <summary>The Core tests' in-memory test double of the engine (<see cref="FakeBackend"/>), set up for the runner.</summary>
internal static class FakeEngine
{
    /// <summary>An engine with the base image <paramref name="baseReference"/> on it; the run numbered
    /// <paramref name="failAtRun"/> (1-based) exits 1.</summary>
    public static FakeBackend With(string baseReference, ImageConfig? baseConfig = null, int? failAtRun = null)
    {
        var engine = new FakeBackend();
        engine.AddImage(baseReference, config: baseConfig);
        if (failAtRun is { } n) engine.ExitCodeOf = _ => engine.Runs.Count == n ? 1 : 0;
        return engine;
    }

    /// <summary>A runner on this engine.</summary>
    public static ImageTasks.Tasks.Mapping.RequestRunner Runner(this FakeBackend engine) => new((_, _) => Task.FromResult<IImageBackend>(engine));
}

/// <summary>An ITaskLog that keeps what it is given.</summary>
internal sealed class ListTaskLog : ITaskLog
{
    public List<(string Code, string Message)> Errors { get; } = [];
    public List<(string Code, string Message)> Warnings { get; } = [];

    public void Error(string code, string? file, int line, int column, string message) => Errors.Add((code, message));
    public void Warning(string code, string? file, int line, int column, string message) => Warnings.Add((code, message));
    public void Message(bool high, string text) { }
}
