using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ImageTasks.Tasks.Tests;

/// <summary>Short ways to write items in tests: Item("pandas", "Version=2.0", "Order=50").</summary>
internal static class Items
{
    public static ItemData Data(string spec, params string[] metadata) => new(spec, Parse(metadata));

    public static ITaskItem Task(string spec, params string[] metadata) => new TaskItem(spec, Parse(metadata));

    private static Dictionary<string, string> Parse(string[] metadata) =>
        metadata.Select(m => m.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    /// <summary>A request whose project is in <paramref name="projectDirectory"/>.</summary>
    public static ImageRequest RequestIn(string projectDirectory)
    {
        var request = Request();
        request.ProjectDirectory = projectDirectory;
        return request;
    }

    /// <summary>A request with the project in /work/app and a repository name.</summary>
    public static ImageRequest Request() => new()
    {
        ProjectFile = "/work/app/App.csproj",
        ProjectDirectory = "/work/app",
        Repository = "app",
        BaseImage = "localhost:5000/python:3.11-slim-bookworm",
    };
}
