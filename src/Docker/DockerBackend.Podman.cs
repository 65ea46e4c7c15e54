using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageConfig = ImageTasks.Definition.ImageConfig;

namespace ImageTasks.Backend;

/// <summary>
/// Podman's Docker-compatible API (measured on Podman 4.3, README "Podman"): the same requests work, but for the
/// differences this backend handles.
/// - A commit ignores the configuration in its body and keeps the container's (its command becomes the image's CMD):
///   the configuration goes as Dockerfile-like `changes` instead (ENV, CMD, ENTRYPOINT, WORKDIR, USER, LABEL, EXPOSE,
///   VOLUME, STOPSIGNAL). Podman's commit has no HEALTHCHECK, SHELL or ONBUILD change (IMG4401), and reads a LABEL
///   change as text (quotes around a value are dropped), so what it recorded is checked (IMG4402).
/// - `POST /images/load` needs every layer in the archive: the load path is not tried, copies take the commit path.
/// - Images tagged with a short name are listed as docker.io/library/NAME: tags are given back in Docker's short form.
/// - A container inspected in the moment its process exits can answer 500 "read /proc/N/cgroup: no such process"
///   (the logs request inspects the container first): that answer is retried (<see cref="RetryPodmanExitRaceAsync{T}"/>).
/// - Its inspect gives an image's comment from the configuration only, where Docker falls back to the newest history
///   entry's (where Docker's own commit puts it): the backend does that fallback, so cache records Docker wrote are read.
/// </summary>
public sealed partial class DockerBackend
{
    /// <summary>The engine is Podman (its ping names libpod, or its version a "Podman Engine" component).</summary>
    public bool IsPodman { get; private set; }

    /// <summary>Tells what the engine is from its answer to the ping (Podman's names libpod, Docker's names Docker),
    /// else asks its version; an engine that does not say is taken as Docker.</summary>
    async Task DetectEngineAsync(EngineHttp.Response ping, CancellationToken cancellationToken)
    {
        if (IsPodmanPing(ping) is { } podman) IsPodman = podman;
        else
        {
            var version = await _http.SendAsync("GET", "/version", null, cancellationToken).ConfigureAwait(false);
            try { IsPodman = version.IsSuccess && EngineJson.IsPodmanVersion(version.Body); }
            catch (JsonException) { IsPodman = false; }
        }
        // Podman's load reads an archive with every layer in it ("Some layer tarfiles are missing in the tarball")
        _loadRefused = IsPodman;
    }

    /// <summary>Whether the engine that answered <paramref name="ping"/> (GET /_ping) is Podman, from its headers: Podman
    /// sends Libpod-Api-Version (and "Server: Libpod/…"), Docker "Server: Docker/…"; null when they do not say (a proxy
    /// that drops them), and the version is asked. Saves the version request on every build.</summary>
    public static bool? IsPodmanPing(EngineHttp.Response ping)
    {
        var server = ping.Header("Server") ?? "";
        if (ping.Header("Libpod-Api-Version") is not null || server.StartsWith("Libpod/", StringComparison.OrdinalIgnoreCase)) return true;
        return server.StartsWith("Docker/", StringComparison.OrdinalIgnoreCase) ? false : null;
    }

    /// <summary>On Podman, the configuration of a commit as the changes its commit applies.</summary>
    void ForPodman(CommitContainerChangesParameters commit, StepRun run)
    {
        if (IsPodman) commit.Changes = PodmanChanges(run.Config);
    }

    /// <summary>On Podman, a step whose image configuration its commit cannot record is refused (IMG4401) before it runs.</summary>
    void CheckPodmanCanCommit(StepRun run)
    {
        if (!IsPodman) return;
        var c = run.Config;
        var unsupported = new List<string>();
        if (c.Healthcheck is not null) unsupported.Add("HEALTHCHECK");
        if (c.Shell is not null) unsupported.Add("SHELL");
        if (c.OnBuild.Count > 0) unsupported.Add("ONBUILD");
        if (unsupported.Count > 0)
            throw new ImageTasksException(ErrorCodes.PodmanCommitUnsupported,
                $"The engine at {Endpoint.Uri} is Podman, whose commit cannot record {string.Join(", ", unsupported)} in an image's configuration " +
                $"(it answers \"invalid change ... invalid instruction\" for HEALTHCHECK and SHELL, and drops ONBUILD). " +
                "Leave those out of the image (from the base image too: its configuration is carried to every layer) or build this image on Docker.");
    }

    /// <summary>The changes that make a committed image's configuration <paramref name="c"/> (what the container adds
    /// is overwritten: its command, entrypoint and working directory).</summary>
    public static List<string> PodmanChanges(ImageConfig c)
    {
        var changes = new List<string>();
        // an ENV change is taken literally after the first '=' (no quotes, no $ expansion): measured
        changes.AddRange(c.Env.Select(e => "ENV " + (e.Contains('=') ? e : e + "=")));
        changes.Add("CMD " + JsonSerializer.Serialize(c.Cmd ?? []));
        changes.Add("ENTRYPOINT " + JsonSerializer.Serialize(c.Entrypoint ?? []));
        changes.Add("WORKDIR " + (string.IsNullOrEmpty(c.WorkingDir) ? "/" : c.WorkingDir));
        if (!string.IsNullOrEmpty(c.User)) changes.Add("USER " + c.User);
        changes.AddRange(c.Labels.Select(l => $"LABEL {l.Key}={l.Value}"));
        changes.AddRange(c.ExposedPorts.Select(p => "EXPOSE " + p));
        changes.AddRange(c.Volumes.Select(v => "VOLUME " + v));
        if (!string.IsNullOrEmpty(c.StopSignal)) changes.Add("STOPSIGNAL " + c.StopSignal);
        return changes;
    }

    /// <summary>On Podman, checks that the committed image carries the labels asked (a LABEL change is parsed as text);
    /// a mismatch is IMG4402 and the image is removed.</summary>
    async Task CheckPodmanCommitAsync(string imageId, StepRun run, CancellationToken cancellationToken)
    {
        if (!IsPodman || run.Config.Labels.Count == 0) return;
        var labels = (await InspectedAsync(imageId, cancellationToken).ConfigureAwait(false))?.Config.Labels ?? new Dictionary<string, string>();
        var wrong = run.Config.Labels.Where(l => !labels.TryGetValue(l.Key, out var v) || v != l.Value).ToArray();
        if (wrong.Length == 0) return;
        await RemoveImageAsync(imageId, cancellationToken).ConfigureAwait(false);
        var (key, value) = wrong[0];
        throw new ImageTasksException(ErrorCodes.PodmanCommitMismatch,
            $"The engine at {Endpoint.Uri} is Podman, and its commit recorded the label '{key}' as " +
            $"{(labels.TryGetValue(key, out var got) ? $"'{got}'" : "missing")} where '{value}' was asked (it reads a LABEL change as text: quotes and " +
            "spaces around a value, or an '=' in a key, do not survive). Change that label's value or key, or build this image on Docker.");
    }

    /// <summary>On Podman, the comment of an image whose configuration has none: its newest history entry's, as Docker's
    /// inspect gives it (a commit on Docker records its comment there only, and Podman's inspect does not look there, so a
    /// cache entry Docker pushed would read as unrecorded, IMG4303). Null elsewhere.</summary>
    async Task<string?> PodmanHistoryCommentAsync(string imageId, CancellationToken cancellationToken)
    {
        if (!IsPodman) return null;
        var history = await HistoryAsync(imageId, cancellationToken).ConfigureAwait(false);
        return history.Count > 0 ? history[0].Comment : null;
    }

    /// <summary>A tag as Docker names it: Podman lists a short name's image as docker.io/library/NAME:TAG.</summary>
    public static string FamiliarTag(string tag)
        => tag.StartsWith("docker.io/library/", StringComparison.Ordinal) ? tag["docker.io/library/".Length..]
            : tag.StartsWith("docker.io/", StringComparison.Ordinal) ? tag["docker.io/".Length..]
            : tag;

    /// <summary>Runs <paramref name="request"/>, again (up to 50 times, 20 ms apart) while Podman answers that the
    /// container's process is gone: its inspect reads the process's cgroup, and a process exiting in that moment fails
    /// the request though the container is fine (seen in CI on Podman 4.3: "read /proc/28411/cgroup: no such process").
    /// Any other failure, and any failure on Docker, is the caller's.</summary>
    async Task<T> RetryPodmanExitRaceAsync<T>(Func<Task<T>> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await request().ConfigureAwait(false); }
            catch (DockerApiException e) when (IsPodman && attempt < 50 && IsPodmanExitRace(e))
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Podman's answer when the process of a container it inspects exited in that moment.</summary>
    public static bool IsPodmanExitRace(DockerApiException e)
        => e.StatusCode == System.Net.HttpStatusCode.InternalServerError
           && e.ResponseBody?.Contains("/cgroup: no such process", StringComparison.Ordinal) == true;
}
