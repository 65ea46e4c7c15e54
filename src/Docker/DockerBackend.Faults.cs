using System.Collections.Concurrent;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>
/// Faults: every failure of a request becomes an <see cref="ImageTasksException"/> (the engine refused: IMG4002; the
/// connection failed or was lost: IMG4001); what a build makes on the engine is removed in every case, and a failed
/// removal never hides the error that caused it; what a build could not remove (its process was killed, its engine
/// died) is removed by the next build's <see cref="RemoveLeftoversAsync"/>.
/// </summary>
public sealed partial class DockerBackend
{
    /// <summary>Secrets volumes are named with this prefix and their owner (<see cref="BuildOwner"/>).</summary>
    public const string SecretsVolumePrefix = "imagetasks-secrets-";

    /// <summary>A removal after a failure gives up after this long (an engine that hangs must not hang the build).</summary>
    static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Build containers and secrets volumes a build of this process uses now; the sweep leaves them alone.</summary>
    static readonly ConcurrentDictionary<string, byte> InUseHere = new(StringComparer.Ordinal);

    /// <summary>Runs one request (or several making one operation) and turns its failures into coded errors.</summary>
    async Task<T> EngineAsync<T>(string doing, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try { return await call().ConfigureAwait(false); }
        catch (Exception e) when (Translate(e, doing, cancellationToken) is { } coded) { throw coded; }
    }

    async Task EngineAsync(string doing, Func<Task> call, CancellationToken cancellationToken)
        => await EngineAsync(doing, async () => { await call().ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    /// <summary>The coded error for a failure of the engine or of the connection to it; null for what passes as it is
    /// (coded errors, a failed step, a cancel the caller asked for, bugs).</summary>
    ImageTasksException? Translate(Exception e, string doing, CancellationToken cancellationToken)
    {
        if (e is ImageTasksException or StepFailedException) return null;
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) return null;
        (System.Net.HttpStatusCode Status, string Message)? refused = e switch
        {
            DockerApiException api => (api.StatusCode, EngineMessage(api)),
            EngineRequestException answer => (answer.StatusCode, EngineMessage(answer.Body)),
            _ => null,
        };
        if (refused is (var status, var message))
            return new ImageTasksException(ErrorCodes.EngineError,
                $"The container engine at {Endpoint.Uri} refused a request {doing} ({(int)status} {status}): {message.Trim().TrimEnd('.')}. " +
                "Check the value it names (ImageBuildNetwork, a base image) and the engine's own log.", e);
        if (IsConnectionFailure(e))
            return new ImageTasksException(ErrorCodes.EngineUnreachable,
                $"The connection to the container engine at {Endpoint.Uri} was lost {doing}: {Innermost(e).Message.Trim().TrimEnd('.')}. " +
                "Check that the engine runs (its log says why it stopped), then build again: the layers built so far are kept, " +
                "and the next build removes what this one left on the engine.", e);
        return null;
    }

    static bool IsConnectionFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is HttpRequestException or IOException or SocketException or TimeoutException
                || x is OperationCanceledException) // a request the client timed out, not one the caller canceled
                return true;
        return false;
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>Creates a build container (its name says who owns it), does the work, and removes the container in every
    /// case, also on cancel.</summary>
    Task<T> WithContainerAsync<T>(CreateContainerParameters create, Func<string, Task<T>> work, CancellationToken cancellationToken)
    {
        var name = create.Name = BuildOwner.Current.NewName(ContainerNamePrefix);
        return WithOwnedAsync(name, () => _client.Containers.CreateContainerAsync(create, cancellationToken), RemoveContainerAsync, work);
    }

    /// <summary>A volume for one step (its secrets, a function's files), named for its owner, removed in every case;
    /// none (null) when not <paramref name="needed"/>.</summary>
    async Task<T> WithStepVolumeAsync<T>(bool needed, Func<string?, Task<T>> work)
    {
        if (!needed) return await work(null).ConfigureAwait(false);
        var volume = BuildOwner.Current.NewName(SecretsVolumePrefix);
        return await WithOwnedAsync(volume, () => _client.Volumes.CreateAsync(new VolumesCreateParameters { Name = volume }, CancellationToken.None),
            RemoveVolumeAsync, work).ConfigureAwait(false);
    }

    /// <summary>Creates something on the engine, does the work, and removes it. A removal that fails after the work
    /// failed does not hide that failure (the next build's sweep removes what stays); while the work runs, the sweep of
    /// another build of this process leaves it alone.</summary>
    static async Task<T> WithOwnedAsync<T>(string name, Func<Task> create, Func<string, CancellationToken, Task> remove, Func<string, Task<T>> work)
    {
        InUseHere[name] = 0;
        try
        {
            T result;
            try
            {
                await create().ConfigureAwait(false);
                result = await work(name).ConfigureAwait(false);
            }
            catch
            {
                using var timeout = new CancellationTokenSource(CleanupTimeout);
                try { await remove(name, timeout.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is not OutOfMemoryException) { }
                throw;
            }
            await remove(name, CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        finally { InUseHere.TryRemove(name, out _); }
    }

    async Task RemoveContainerAsync(string name, CancellationToken cancellationToken)
    {
        try { await _client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true }, cancellationToken).ConfigureAwait(false); }
        catch (DockerContainerNotFoundException) { }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { } // another build's sweep removes it now
    }

    async Task RemoveVolumeAsync(string name, CancellationToken cancellationToken)
    {
        try { await _client.Volumes.RemoveAsync(name, true, cancellationToken).ConfigureAwait(false); }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { }
    }

    public Task<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => EngineAsync("while removing what earlier builds left", async () =>
    {
        var now = DateTimeOffset.UtcNow;
        var removed = 0;
        var mounted = new HashSet<string>(StringComparer.Ordinal);
        var containers = EngineJson.Containers((await _http.RequestAsync("GET", "/containers/json?all=1&" + EngineHttp.Filter("name", BuildContainerPrefix), cancellationToken).ConfigureAwait(false))!);
        foreach (var container in containers)
        {
            // the name filter matches anywhere in the name
            if (container.Names.Select(n => n.TrimStart('/')).FirstOrDefault(n => n.StartsWith(BuildContainerPrefix, StringComparison.Ordinal)) is not { } name)
                continue;
            var running = container.State is "running" or "restarting" or "paused" or "removing";
            var since = running ? container.Created : await StoppedSinceAsync(container, cancellationToken).ConfigureAwait(false);
            if (Leftovers.ShouldRemove(name, running, since, now, InUseHere.ContainsKey))
            {
                await RemoveContainerAsync(name, cancellationToken).ConfigureAwait(false);
                removed++;
            }
            else
                mounted.UnionWith(container.VolumeNames);
        }

        var volumes = EngineJson.Volumes((await _http.RequestAsync("GET", "/volumes?" + EngineHttp.Filter("name", SecretsVolumePrefix), cancellationToken).ConfigureAwait(false))!);
        foreach (var volume in volumes)
        {
            var name = volume.Name;
            if (!name.StartsWith(SecretsVolumePrefix, StringComparison.Ordinal)) continue;
            var created = DateTimeOffset.TryParse(volume.CreatedAt, out var c) ? c : now;
            if (!Leftovers.ShouldRemove(name, mounted.Contains(name), created, now, InUseHere.ContainsKey)) continue;
            try { await _client.Volumes.RemoveAsync(name, true, cancellationToken).ConfigureAwait(false); removed++; }
            catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict) { } // gone, or in use
        }
        return removed;
    }, cancellationToken);

    /// <summary>When a stopped container stopped (or was created, when it never ran).</summary>
    async Task<DateTimeOffset> StoppedSinceAsync(ListedContainer container, CancellationToken cancellationToken)
    {
        var created = container.Created;
        // only a container without an owner here needs its age (see Leftovers)
        if (BuildOwner.FromName(container.Names.FirstOrDefault() ?? "") is { } owner && owner.Host == BuildOwner.Current.Host) return created;
        try
        {
            var inspect = await _client.Containers.InspectContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
            return DateTimeOffset.TryParse(inspect.State?.FinishedAt, out var finished) && finished > created ? finished : created;
        }
        catch (DockerContainerNotFoundException) { return DateTimeOffset.MaxValue; } // gone meanwhile
    }
}
