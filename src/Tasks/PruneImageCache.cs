using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks;

/// <summary>
/// Lists the layer cache (<see cref="ListOnly"/>) or prunes it: removes the layers older than <see cref="OlderThanDays"/>
/// (default 30; 0: every age) that the project's last build did not use.
/// </summary>
public sealed class PruneImageCache : ImageTaskBase
{
    public string? CacheRepository { get; set; }
    public string? LocalRegistry { get; set; }
    public string? OlderThanDays { get; set; }
    public bool ListOnly { get; set; }
    /// <summary>obj/imagetasks/last-build.json: the layers of the project's last build, which are kept.</summary>
    public string? ReportFile { get; set; }

    protected override ImageRequest CreateRequest() => new()
    {
        Mode = ListOnly ? ImageRequest.ListCacheMode : ImageRequest.PruneMode,
        ProjectFile = BuildEngine?.ProjectFileOfTaskNode,
        CacheRepository = CacheRepository,
        LocalRegistry = LocalRegistry,
        PruneOlderThanDays = OlderThanDays,
        ReportFile = ReportFile,
    };

    protected override void OnResult(ImageResult result) { }
}
