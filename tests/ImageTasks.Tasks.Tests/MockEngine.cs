using System.Collections;
using Microsoft.Build.Framework;

namespace ImageTasks.Tasks.Tests;

/// <summary>A build engine that keeps what tasks log, rendering errors and warnings in MSBuild's canonical form.</summary>
internal sealed class MockEngine : IBuildEngine
{
    public List<BuildErrorEventArgs> Errors { get; } = [];
    public List<BuildWarningEventArgs> Warnings { get; } = [];
    public List<BuildMessageEventArgs> Messages { get; } = [];

    public string Log => string.Join(Environment.NewLine,
        Errors.Select(e => Canonical(e.File, e.LineNumber, e.ColumnNumber, "error", e.Code, e.Message))
            .Concat(Warnings.Select(w => Canonical(w.File, w.LineNumber, w.ColumnNumber, "warning", w.Code, w.Message)))
            .Concat(Messages.Select(m => m.Message)));

    /// <summary>MSBuild's canonical error format, as the console and the IDE's error list read it.</summary>
    public static string Canonical(string? file, int line, int column, string category, string? code, string? message) =>
        (string.IsNullOrEmpty(file) ? "" : file + (line > 0 ? $"({line},{column})" : "") + ": ") + $"{category} {code}: {message}";

    public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);
    public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e);
    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e);
    public void LogCustomEvent(CustomBuildEventArgs e) { }

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) => false;

    public bool ContinueOnError => false;
    public int LineNumberOfTaskNode => 0;
    public int ColumnNumberOfTaskNode => 0;
    public string ProjectFileOfTaskNode => "/work/app/App.csproj";
}
