namespace ImageTasks.Engine;

public partial interface IImageBackend
{
    /// <summary>
    /// Removes what builds that ended without cleaning up left on the engine (build containers, secrets volumes; see
    /// <see cref="Leftovers"/>), never what a live build uses. Returns how many were removed. Run at the start of a build.
    /// </summary>
    Task<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => Task.FromResult(0);
}
