using ImageTasks.Backend.Registry;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>The base image's registry digest for the standard labels: asked of the registry itself, never the engine.</summary>
public sealed partial class DockerBackend
{
    public Task<BaseManifest> ResolveManifestAsync(string reference, string platform, CancellationToken cancellationToken)
        => new ManifestLookup(Credentials).ResolveAsync(reference, platform, cancellationToken);
}
