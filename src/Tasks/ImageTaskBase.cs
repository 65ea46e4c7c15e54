using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ImageTasks.Diagnostics;

namespace ImageTasks.Tasks;

/// <summary>
/// The part every ImageTasks task shares: turn the task's inputs into an <see cref="ImageRequest"/>, run it in
/// process (net8.0) or in the net8.0 host (net472, or <see cref="RunOutOfProcess"/>), and cancel on request.
/// </summary>
/// <remarks>An <see cref="ITask"/> of its own rather than a subclass of MSBuild's Task: a type whose base class comes from
/// another assembly than its own cannot keep its ReadyToRun code when that base changes (the SDK's MSBuild is newer than
/// the one compiled against), so every method of the tasks would be compiled again at each build.</remarks>
public abstract class ImageTaskBase : ITask, ICancelableTask
{
    private readonly CancellationTokenSource _cancel = new();
    private TaskLoggingHelper? _log;

    public IBuildEngine BuildEngine { get; set; } = null!;

    public ITaskHost? HostObject { get; set; }

    /// <summary>MSBuild's logging for this task, as <c>Task.Log</c> gives it.</summary>
    protected TaskLoggingHelper Log => _log ??= new TaskLoggingHelper(this);

    /// <summary>Run the engine in a `dotnet` child process even where it could run in process (tests the net472 path).</summary>
    public bool RunOutOfProcess { get; set; }

    /// <summary>The net8.0 ImageTasks.Tasks.dll the out-of-process path runs; default: tasks/net8.0 beside this assembly's folder.</summary>
    public string? HostAssembly { get; set; }

    /// <summary>The `dotnet` executable for the out-of-process path; default: DOTNET_HOST_PATH, else `dotnet` on PATH.</summary>
    public string? DotNetHostPath { get; set; }

    public void Cancel() => _cancel.Cancel();

    public bool Execute()
    {
        var log = new MSBuildTaskLog(Log);
        ImageResult result;
        try
        {
            var request = CreateRequest();
            result = Run(request, log, _cancel.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            log.Error(ErrorCodes.Unexpected, BuildEngine?.ProjectFileOfTaskNode, 0, 0,
                "ImageTasks failed unexpectedly; please report this with the build log. " + ex);
            return false;
        }
        OnResult(result);
        return result.Success && !Log.HasLoggedErrors;
    }

    protected abstract ImageRequest CreateRequest();

    protected abstract void OnResult(ImageResult result);

    private ImageResult Run(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
#if NETFRAMEWORK
        return RunInHost(request, log, cancellationToken);
#else
        if (RunOutOfProcess) return RunInHost(request, log, cancellationToken);
        return (Runner ?? Mapping.RequestRunner.Default).Run(request, log, cancellationToken);
#endif
    }

#if !NETFRAMEWORK
    /// <summary>For tests: the runner (and so the backend) used in process.</summary>
    internal Mapping.RequestRunner? Runner { get; set; }
#endif

    private ImageResult RunInHost(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        var host = HostAssembly is { Length: > 0 } ? HostAssembly : OutOfProcessHost.DefaultHostAssembly(GetType().Assembly.Location);
        var dotnet = DotNetHostPath is { Length: > 0 } ? DotNetHostPath : OutOfProcessHost.DefaultDotNet();
        return new OutOfProcessHost(dotnet, host).Run(request, log, cancellationToken);
    }

    /// <summary>Items as plain data: Include, every custom metadata, and the well-known ones the mapping reads.</summary>
    protected static List<ItemData> ToData(ITaskItem[]? items)
    {
        var list = new List<ItemData>();
        foreach (var item in items ?? [])
        {
            var data = new ItemData { ItemSpec = item.ItemSpec };
            foreach (System.Collections.DictionaryEntry entry in item.CloneCustomMetadata())
                data.Metadata[(string)entry.Key] = (string?)entry.Value ?? "";
            foreach (var name in WellKnownMetadata)
                data.Metadata[name] = item.GetMetadata(name);
            list.Add(data);
        }
        return list;
    }

    private static readonly string[] WellKnownMetadata = ["FullPath", "RecursiveDir", "Filename", "Extension"];

    protected static List<string> ToList(ITaskItem[]? items) => (items ?? []).Select(i => i.ItemSpec).ToList();
}
