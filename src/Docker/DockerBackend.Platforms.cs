using System.Text.Json;
using Docker.DotNet.Models;
using ImageTasks.Backend.Registry;
using ImageTasks.Engine;
using ImageTasks.Engine.Publishing;

namespace ImageTasks.Backend;

/// <summary>Manifests read and written from this process (<see cref="RegistryClient"/>): a base image's index, to pull
/// one platform's image by digest, and the image index of a build for several platforms.</summary>
public sealed partial class DockerBackend
{
    /// <summary>
    /// A step run on another platform than the engine's: a Docker 20.10 engine records its own architecture in a
    /// commit's configuration (an arm64 step's layer would say amd64, and the next step's create, asked for arm64, would
    /// not find it). The committed image is given its platform by a load of its configuration with that platform over
    /// the same layers (no layer is sent), and the commit's image, now nameless, is removed. When its history cannot be
    /// told exactly (a layer of size 0), the new configuration has none.
    /// </summary>
    async Task<string> WithPlatformAsync(string imageId, StepRun run, CancellationToken cancellationToken)
    {
        if (run.Platform is not { } platform) return imageId;
        var image = await InspectedAsync(imageId, cancellationToken).ConfigureAwait(false) ?? throw new EngineRequestException(System.Net.HttpStatusCode.NotFound, $"no image {imageId} after its commit");
        var parts = platform.Split('/');
        if (image.Os == parts[0] && image.Architecture == parts[1] && (parts.Length < 3 || image.Variant == parts[2])) return imageId;
        var layers = image.Layers;
        var history = await HistoryOfAsync(image.Id, layers.Count, cancellationToken).ConfigureAwait(false);
        var config = ConfigJson(run.Config, image, layers);
        config["os"] = parts[0];
        config["architecture"] = parts[1];
        config.Remove("variant");
        if (parts.Length > 2) config["variant"] = parts[2];
        config["created"] = image.Created.UtcDateTime.ToString("O");
        // a history whose layers cannot be told apart is left out (it is optional): the platform matters more
        if (history is not null) config["history"] = history;
        if (run.Comment is { } comment) config["comment"] = comment;
        if (await LoadConfigsAsync([JsonSerializer.SerializeToUtf8Bytes(config)], layers.Count, null, cancellationToken).ConfigureAwait(false) is not [var id]) return imageId;
        try { await _client.Images.DeleteImageAsync(imageId, new ImageDeleteParameters(), cancellationToken).ConfigureAwait(false); }
        catch (Docker.DotNet.DockerApiException) { } // in use: it goes with the next prune of nameless images
        return id;
    }

    public Task<RegistryManifest?> GetManifestAsync(string reference, CancellationToken cancellationToken) =>
        new RegistryClient(Credentials).GetManifestAsync(reference, cancellationToken);

    public Task<string> PutManifestAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken) =>
        new RegistryClient(Credentials).PutManifestAsync(reference, mediaType, content, cancellationToken);

    public Task<bool> PutReferrerAsync(string reference, string mediaType, byte[] content, CancellationToken cancellationToken) =>
        new RegistryClient(Credentials).PutReferrerAsync(reference, mediaType, content, cancellationToken);
}
