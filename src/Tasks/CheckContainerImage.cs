using ImageTasks.Tasks.Protocol;
using Microsoft.Build.Framework;

namespace ImageTasks.Tasks;

/// <summary>
/// The one cheap check of an up-to-date build: is the image recorded in <see cref="ImageFile"/> (first line its id,
/// second line its first name, as the image target writes it) still tagged in the local engine? One inspect; an
/// unreadable file or an unreachable engine counts as "no" (the build then runs and reports the real error).
/// </summary>
public sealed class CheckContainerImage : ImageTaskBase
{
    [Required] public string ImageFile { get; set; } = "";

    [Output] public bool Exists { get; private set; }

    private bool _unreadable;

    protected override ImageRequest CreateRequest()
    {
        var lines = File.Exists(ImageFile) ? File.ReadAllLines(ImageFile) : [];
        _unreadable = lines.Length < 2;
        return new ImageRequest
        {
            Mode = ImageRequest.CheckMode,
            ProjectFile = BuildEngine?.ProjectFileOfTaskNode,
            ExpectedImageId = lines.Length > 0 ? lines[0].Trim() : "",
            CheckImageName = lines.Length > 1 ? lines[1].Trim() : "",
        };
    }

    public override bool Execute()
    {
        if (!File.Exists(ImageFile)) return true; // nothing built yet: nothing to check
        var ok = base.Execute();
        if (_unreadable) Exists = false;
        return ok;
    }

    protected override void OnResult(ImageResult result) => Exists = result.Exists;
}
