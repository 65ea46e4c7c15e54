using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>
/// One network namespace per build, as BuildKit keeps a pool of them: a step on the engine's default network joins the
/// namespace of a holder container (<c>NetworkMode=container:&lt;holder&gt;</c>) instead of getting a namespace and a
/// bridge port of its own. Measured on the test bed engine: a `true` step 580 ms with its own network, 280 ms joined
/// (README, Measured). The holder is a build container like the others (named for its owner, so a killed build's holder
/// goes at the next build's sweep), made from the first such step's parent image running <c>/bin/sh</c> on an open,
/// never written stdin, which waits without using anything; removed when the backend is disposed. A parent image
/// without /bin/sh (the holder does not start) keeps the per-step network.
/// </summary>
public sealed partial class DockerBackend
{
    /// <summary>The holder's name prefix: a build container's (the sweep finds it), not <see cref="ContainerNamePrefix"/>:
    /// it lives as long as the backend, not as long as one step.</summary>
    public const string NetworkHolderPrefix = BuildContainerPrefix + "network-";

    readonly SemaphoreSlim _holderLock = new(1, 1);
    /// <summary>The holder's name; "" when it could not be made (each step then gets its own network); null: not yet tried.</summary>
    string? _holder;

    /// <summary>The network mode a step runs with: the holder's namespace for the default network, else as asked.</summary>
    async Task<string> StepNetworkAsync(StepRun run, CancellationToken cancellationToken)
    {
        if (run.Network is not (null or "" or "default")) return run.Network;
        if (_holder is null)
        {
            await _holderLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try { _holder ??= await StartHolderAsync(run.ParentImage, run.Platform, cancellationToken).ConfigureAwait(false); }
            finally { _holderLock.Release(); }
        }
        return _holder.Length == 0 ? "default" : "container:" + _holder;
    }

    async Task<string> StartHolderAsync(string image, string? platform, CancellationToken cancellationToken)
    {
        var name = BuildOwner.Current.NewName(NetworkHolderPrefix);
        InUseHere[name] = 0;
        try
        {
            await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = name,
                Image = image,
                Platform = platform,
                Entrypoint = [""],
                Cmd = ["/bin/sh"],
                OpenStdin = true,
                HostConfig = new HostConfig { NetworkMode = "default" },
            }, cancellationToken).ConfigureAwait(false);
            await _client.Containers.StartContainerAsync(name, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            return name;
        }
        catch (DockerApiException) // no /bin/sh in the image, or the engine refuses: steps get their own network
        {
            await RemoveHolderAsync(name).ConfigureAwait(false);
            return "";
        }
        catch
        {
            await RemoveHolderAsync(name).ConfigureAwait(false);
            throw;
        }
    }

    async Task RemoveHolderAsync(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await RemoveContainerAsync(name, timeout.Token).ConfigureAwait(false); }
        catch (Exception e) when (e is not OutOfMemoryException) { } // the next build's sweep removes it
        finally { InUseHere.TryRemove(name, out _); }
    }

    /// <summary>Removes the holder (at the end of the build).</summary>
    void RemoveHolder()
    {
        if (_holder is { Length: > 0 } holder) Task.Run(() => RemoveHolderAsync(holder)).GetAwaiter().GetResult();
        _holder = "";
    }
}
