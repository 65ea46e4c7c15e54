namespace ImageTasks.Engine;

/// <summary>The layer cache shared through a registry (<see cref="RemoteCache"/>).</summary>
public partial interface IImageBackend
{
    /// <summary>
    /// One manifest request (HEAD) for <paramref name="reference"/> (registry/repository:tag) at its registry, with the
    /// credentials found for it as for a pull (<paramref name="forPush"/>: as for a push). True when the registry has
    /// it, false when it answers that it has not. A registry that cannot be reached or refuses (401, 403, 5xx) is an
    /// <see cref="Diagnostics.ImageTasksException"/> (IMG4301, IMG4302) whose message names the registry, never a secret.
    /// </summary>
    Task<bool> ManifestExistsAsync(string reference, bool forPush, CancellationToken cancellationToken);
}
