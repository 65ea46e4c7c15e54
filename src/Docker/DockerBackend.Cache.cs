using ImageTasks.Backend.Registry;

namespace ImageTasks.Backend;

/// <summary>The shared layer cache: manifest requests go from this process to the registry (<see cref="ManifestLookup"/>)
/// with the credentials a pull or push of that registry gets; pulls and pushes of entries are the engine's.</summary>
public sealed partial class DockerBackend
{
    public Task<bool> ManifestExistsAsync(string reference, bool forPush, CancellationToken cancellationToken)
        => new ManifestLookup(Credentials).ExistsAsync(reference, forPush ? RegistryOperation.Push : RegistryOperation.Pull, cancellationToken);
}
