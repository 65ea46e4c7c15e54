using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks;

/// <summary>
/// Several platforms (ContainerRuntimeIdentifiers): with <see cref="CheckOnly"/>, checks the runtime identifiers and
/// the image's names before any platform is built; else writes one image index that lists every platform's pushed
/// image (registry/repository:&lt;tag&gt;-&lt;runtime identifier&gt;) under each plain tag.
/// </summary>
public sealed class PublishImageIndex : ImageTaskBase
{
    public string? Registry { get; set; }
    public string Repository { get; set; } = "";
    public Microsoft.Build.Framework.ITaskItem[]? ImageTags { get; set; }
    public Microsoft.Build.Framework.ITaskItem[]? RuntimeIdentifiers { get; set; }
    /// <summary>The index's media type: application/vnd.docker.distribution.manifest.list.v2+json (default) or
    /// application/vnd.oci.image.index.v1+json.</summary>
    public string? MediaType { get; set; }
    public string? LocalRegistry { get; set; }
    public bool CheckOnly { get; set; }

    /// <summary>The index's digest (after a publish).</summary>
    [Microsoft.Build.Framework.Output] public string? IndexDigest { get; set; }

    protected override ImageRequest CreateRequest() => new()
    {
        Mode = CheckOnly ? ImageRequest.CheckPlatformsMode : ImageRequest.PublishIndexMode,
        ProjectFile = BuildEngine?.ProjectFileOfTaskNode,
        Registry = Registry,
        Repository = Repository,
        Tags = ToList(ImageTags),
        RuntimeIdentifiers = ToList(RuntimeIdentifiers),
        IndexMediaType = MediaType,
        LocalRegistry = LocalRegistry,
    };

    protected override void OnResult(ImageResult result) => IndexDigest = result.ImageId;
}
