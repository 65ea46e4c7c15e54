using Docker.DotNet;
using Docker.DotNet.Models;
using ImageTasks.Backend.Registry;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;

namespace ImageTasks.Backend;

/// <summary>
/// Registries: the credentials of a pull or push go to the engine as its X-Registry-Auth and nowhere else (no log
/// line, no message, no argument); push and save for publishing. The engine reports a failed pull or push inside a
/// 200 response's JSON stream, so every message's error field is read.
/// </summary>
public sealed partial class DockerBackend
{
    /// <summary>Where registry credentials come from for pull and push: by default the docker CLI's config and the
    /// .NET SDK's CI variables of this process.</summary>
    public RegistryCredentials Credentials { get; set; } = RegistryCredentials.FromEnvironment();

    public Task<PushResult> PushImageAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
        => EngineAsync($"while pushing '{reference}'", () => PushAsync(reference, progress, cancellationToken), cancellationToken);

    async Task<PushResult> PushAsync(string reference, Action<string> progress, CancellationToken cancellationToken)
    {
        var image = ImageReference.Parse(reference);
        var lookup = await FindCredentialsAsync(reference, RegistryOperation.Push, cancellationToken).ConfigureAwait(false);
        var (pushed, existing, last) = (new HashSet<string>(), new HashSet<string>(), new Dictionary<string, string>());
        string? error = null, digest = null;
        var report = new SyncProgress(m =>
        {
            if (m.Error is { } e) error = e.Message;
            if (m.Status is not { } status) return;
            var id = m.ID ?? "";
            if (status == "Pushed") pushed.Add(id);
            else if (status == "Layer already exists" || status.StartsWith("Mounted from", StringComparison.Ordinal)) existing.Add(id);
            else if (status.IndexOf("digest: sha256:", StringComparison.Ordinal) is >= 0 and var at) digest = status[(at + 8)..].Split(' ')[0];
            // one line per change of a layer's state, not one per progress tick
            if (last.GetValueOrDefault(id) != status) progress(id.Length > 0 ? $"{id}: {status}" : status);
            last[id] = status;
        });
        try
        {
            await _client.Images.PushImageAsync(image.Name, new ImagePushParameters { Tag = image.Tag }, AuthConfigFor(lookup), report, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerApiException e) { error = EngineMessage(e); }
        if (error is not null && RegistryErrors.IsUnauthorized(error))
            throw RegistryErrors.Unauthorized(RegistryOperation.Push, reference, lookup!, error);
        if (error is not null)
            throw new ImageTasksException(ErrorCodes.PushFailed,
                $"Pushing '{reference}' failed: {error.Trim()}. Check that the registry {image.Registry} is reachable and accepts this repository.");
        // Podman's push stream holds the digest line only: no layer is named, sent or skipped
        return new PushResult(reference, pushed, existing, digest, LayersReported: !IsPodman || pushed.Count + existing.Count > 0);
    }

    public async Task SaveImagesAsync(IReadOnlyList<string> references, Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await using var tar = await _client.Images.SaveImagesAsync(references.ToArray(), cancellationToken).ConfigureAwait(false);
            await tar.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e)
        {
            throw new ImageTasksException(ErrorCodes.ArchiveFailed,
                $"The engine could not save {string.Join(", ", references)}: {EngineMessage(e).Trim()}.", e);
        }
    }

    public Task<string?> ManifestMediaTypeAsync(string reference, CancellationToken cancellationToken)
        => new ManifestLookup(Credentials).MediaTypeAsync(reference, cancellationToken);

    /// <summary>Blobs and manifests the engine cannot push (another format, an index) go from this process.</summary>
    RegistryClient Registry => _registry ??= new RegistryClient(Credentials);
    RegistryClient? _registry;

    public Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken cancellationToken)
        => Registry.BlobExistsAsync(repository, digest, cancellationToken);

    public Task UploadBlobAsync(string repository, string digest, string path, CancellationToken cancellationToken)
        => Registry.UploadBlobAsync(repository, digest, path, cancellationToken);

    /// <summary>Credentials for a reference's registry; null when the reference is not one (an image id).</summary>
    async Task<CredentialLookup?> FindCredentialsAsync(string reference, RegistryOperation operation, CancellationToken cancellationToken)
    {
        ImageReference image;
        try { image = ImageReference.Parse(reference); }
        catch (ImageTasksException) { return null; }
        return await Credentials.FindAsync(image.Registry, operation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The X-Registry-Auth of a pull or push; an empty one when anonymous (push requires the header).</summary>
    static AuthConfig AuthConfigFor(CredentialLookup? lookup) => lookup?.Credential switch
    {
        null => new AuthConfig(),
        { IsIdentityToken: true } c => new AuthConfig { IdentityToken = c.Secret, ServerAddress = RegistryCredentials.ServerAddress(lookup.Registry) },
        var c => new AuthConfig { Username = c.Username, Password = c.Secret, ServerAddress = RegistryCredentials.ServerAddress(lookup.Registry) },
    };

    /// <summary>The engine's error text of a failed request ({"message": "..."}), or the body as it is.</summary>
    static string EngineMessage(DockerApiException e) => string.IsNullOrEmpty(e.ResponseBody) ? e.Message : EngineMessage(e.ResponseBody);

    /// <summary>The engine's error text in an answer's body ({"message": "..."}), or the body as it is.</summary>
    static string EngineMessage(string body)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text) return text;
        }
        catch (System.Text.Json.JsonException) { }
        return body;
    }

    /// <summary>Reports on the reading thread, in order: <see cref="Progress{T}"/> posts to the thread pool, so an
    /// error message could arrive after the request returned and be missed.</summary>
    sealed class SyncProgress(Action<JSONMessage> report) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => report(value);
    }
}
