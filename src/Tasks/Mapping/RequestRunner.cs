using ImageTasks.Backend;
using ImageTasks.Backend.Registry;
using ImageTasks.Definition;
using ImageTasks.Definition.Dockerfiles;
using ImageTasks.Diagnostics;
using ImageTasks.Engine;
using ImageTasks.Planning;
using ImageTasks.Engine.Publishing;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// Runs a request on the engine: the in-process path of the tasks and the body of the out-of-process host. Every
/// failure becomes one coded error on the log (never an exception out of here).
/// </summary>
/// <param name="connect">Connects to an engine; its first argument is LocalRegistry (docker, podman or null).</param>
/// <param name="imageId">The up-to-date check's one question (LocalRegistry, image name -> its id, or null when the
/// engine has no such image); null: asked through <paramref name="connect"/>'s backend.</param>
public sealed class RequestRunner(Func<string?, CancellationToken, Task<IImageBackend>> connect,
    Func<string?, string, CancellationToken, string?>? imageId = null)
{
    /// <summary>Connects to the container engine the way the docker CLI does (Podman's first with LocalRegistry=podman);
    /// an up-to-date check on a unix socket asks without the client library.</summary>
    public static RequestRunner Default { get; } = new(
        (localRegistry, cancellationToken) => ConnectAsync(EngineEndpoint.Resolve(localRegistry), cancellationToken),
        (localRegistry, name, cancellationToken) =>
        {
            var endpoint = EngineEndpoint.Resolve(localRegistry);
            return endpoint.Uri.Scheme == "unix"
                ? LocalImageId.OnUnixSocket(endpoint, name)
                : InspectedIdAsync(ConnectAsync(endpoint, cancellationToken), name, cancellationToken).GetAwaiter().GetResult();
        });

    static async Task<IImageBackend> ConnectAsync(EngineEndpoint endpoint, CancellationToken cancellationToken) =>
        await DockerBackend.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);

    static async Task<string?> InspectedIdAsync(Task<IImageBackend> connecting, string name, CancellationToken cancellationToken)
    {
        using var backend = await connecting.ConfigureAwait(false);
        return (await backend.InspectImageAsync(name, cancellationToken).ConfigureAwait(false))?.Id;
    }

    /// <summary>Synchronous, for MSBuild's Execute (no synchronization context there).</summary>
    public ImageResult Run(ImageRequest request, ITaskLog log, CancellationToken cancellationToken) =>
        RunAsync(request, log, cancellationToken).GetAwaiter().GetResult();

    public Task<ImageResult> RunAsync(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        // an unchanged build ends here, in a small synchronous method: nothing of the build is loaded or compiled
        string? fingerprint = null;
        if (request.Mode is not (ImageRequest.PruneMode or ImageRequest.ListCacheMode or ImageRequest.CheckPlatformsMode or ImageRequest.PublishIndexMode))
        {
            var check = CheckUpToDate(request, log, cancellationToken);
            if (check.Result is { } upToDate) return Task.FromResult(upToDate);
            fingerprint = check.Fingerprint;
        }
        return RunCoreAsync(request, fingerprint, log, cancellationToken);
    }

    private async Task<ImageResult> RunCoreAsync(ImageRequest request, string? fingerprint, ITaskLog log, CancellationToken cancellationToken)
    {
        TaskBuildLog? building = null; // a build whose definition was made: its failure is reported in the report file too
        void Fail(string code, string? file, int line, int column, string message)
        {
            log.Error(code, file ?? request.ProjectFile, line, column, message);
            if (building is not null && request.ReportFile is { Length: > 0 } report) building.FailureReport(code).Write(report);
        }
        try
        {
            return request.Mode switch
            {
                ImageRequest.PruneMode or ImageRequest.ListCacheMode => await CacheAsync(request, log, cancellationToken).ConfigureAwait(false),
                ImageRequest.CheckPlatformsMode => CheckPlatforms(request),
                ImageRequest.PublishIndexMode => await PublishIndexAsync(request, log, cancellationToken).ConfigureAwait(false),
                _ => await BuildAsync(request, fingerprint, log, started => building = started, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (ImageTasksException ex)
        {
            Fail(ex.Code, ex.File, ex.Line, ex.Column, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail(ErrorCodes.Canceled, null, 0, 0, "The image build was canceled; the layers built so far are kept and the next build goes on from there.");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Fail(ErrorCodes.Unexpected, null, 0, 0, "ImageTasks failed unexpectedly; please report this with the build log. " + ex);
        }
        return new ImageResult();
    }

    /// <param name="fingerprint">The request's fingerprint, taken by the up-to-date check before anything ran (null:
    /// no record is kept, or the build is forced).</param>
    private async Task<ImageResult> BuildAsync(ImageRequest request, string? fingerprint, ITaskLog log, Action<TaskBuildLog> started, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        UpToDate.Forget(Blank(request.RecordFile)); // a build that fails leaves no record: the next one runs
        if (request.ReportFile is { Length: > 0 } && File.Exists(request.ReportFile)) File.Delete(request.ReportFile);
        if (request.AppDirectory is { Length: > 0 } app && !Directory.Exists(app))
            throw new ImageTasksException(ErrorCodes.AppDirectoryMissing,
                $"The app folder \"{app}\" does not exist. Build or publish the project before building its image (BuildImage=true does this in order).");

        var image = DefinitionMapper.Map(request); // bad input fails here, before anything connects or runs
        var secrets = SecretValues.Read(request, image.Definition); // so does a missing secret
        var format = ImageFormats.Parse(request.ImageFormat);
        var phases = new List<string> { $"map {clock.ElapsedMilliseconds} ms" };
        if (image.DefaultBase)
            log.Message(true, $"ImageTasks: base image {image.Definition.BaseImage} (the default for ImagePythonVersion {request.PythonVersion ?? DefinitionMapper.DefaultPythonVersion}; set ContainerBaseImage to choose another)");
        var options = new BuildOptions
        {
            Tags = image.ImageNames,
            ForceAll = request.ForceAll,
            Network = string.IsNullOrWhiteSpace(request.Network) ? null : request.Network!.Trim(),
            FileIndexPath = string.IsNullOrWhiteSpace(request.FileIndexFile) ? null : request.FileIndexFile,
            // one digester for the whole build: the files it read are recorded for the next build's up-to-date check
            Files = new FileDigester(string.IsNullOrWhiteSpace(request.FileIndexFile) ? null : request.FileIndexFile),
            Platform = DefinitionMapper.PlatformOf(request.RuntimeIdentifier),
            OneOfSeveralPlatforms = Blank(request.PlatformSuffix) is not null,
            Pull = DefinitionMapper.PullPolicyOf(request),
            RemoteCache = RemoteCacheOptions.Parse(request.CacheFrom, request.CacheTo),
            SecretValues = secrets,
        };
        if (!string.IsNullOrWhiteSpace(request.CacheRepository)) options = options with { CacheRepository = request.CacheRepository!.Trim() };

        WarnOfLoggedPasswords(log, request.ProjectFile);
        WarnOfLoggedIndexCredentials(log, request);
        WarnOfLiteralSubstitutions(log, request);
        foreach (var (code, message) in image.Warnings) log.Warning(code, request.ProjectFile, 0, 0, message);
        var buildArgs = DefinitionMapper.BuildArgsOf(request);
        var buildLog = new TaskBuildLog(log, image, request.ProjectFile);
        started(buildLog);
        // the files' digests are taken while the engine connects (the plan then finds them in the digester); a file
        // that cannot be read is reported by the plan, in its turn
        var digesting = Task.Run(() => Planner.DigestFiles(image.Definition, options.Files!), cancellationToken);
        IImageBackend connected;
        try { connected = await connect(Blank(request.LocalRegistry), cancellationToken).ConfigureAwait(false); }
        finally
        {
            try { await digesting.ConfigureAwait(false); }
            catch (Exception e) when (e is ImageTasksException or OperationCanceledException) { }
        }
        using var backend = connected;
        phases.Add($"connect {clock.ElapsedMilliseconds} ms");
        var definition = image.Definition;
        if (Blank(request.Dockerfile) is { } dockerfile)
        {
            buildLog.InDockerfileBase = true;
            definition = await BuildDockerfileBaseAsync(backend, definition, dockerfile, buildArgs, request, options, buildLog, cancellationToken).ConfigureAwait(false);
            buildLog.Restart();
        }
        var result = await new ImageBuilder(backend).BuildAsync(definition, options, buildLog, cancellationToken).ConfigureAwait(false);
        phases.Add($"build {clock.ElapsedMilliseconds} ms");

        buildLog.Result = result;
        if (image.ReplacesBaseEntrypoint) await WarnOfReplacedBaseEntrypointAsync(backend, definition.BaseImage, result.BaseConfig, log, request, cancellationToken).ConfigureAwait(false);
        if (request.ReportFile is { Length: > 0 }) BuildReport.From(result, image).Write(request.ReportFile);
        string? sbom = null; // the bill of materials, when written: pushed with the image
        if (Blank(request.SbomFile) is { } sbomFile && await WriteSbomAsync(backend, result.ImageId, SbomSourceOf(result, image), image.ImageNames.FirstOrDefault() ?? request.Repository ?? "image", sbomFile,
                request, log, cancellationToken).ConfigureAwait(false))
            sbom = sbomFile;
        phases.Add($"bill of materials {clock.ElapsedMilliseconds} ms");
        log.Message(true, $"ImageTasks: {string.Join(", ", image.ImageNames)} -> {result.ImageId} ({result.Reused} layers reused, {result.Built} built)");

        await ImagePublisher.PublishAsync(backend, result.ImageId, new PublishOptions
        {
            Registry = Blank(request.Registry),
            Repository = request.Repository ?? "",
            Tags = DefinitionMapper.TagsOf(request),
            ArchivePath = Blank(request.ArchiveOutputPath) is { } archive ? ArchivePath(archive, request) : null,
            Format = format,
            // the format follows a registry base's manifest; a Dockerfile's base is a local image
            BaseImage = Blank(request.Dockerfile) is null && definition.BaseImage.Repository != "library/scratch" ? definition.BaseImage.ToString() : null,
            ArchiveSuffix = Blank(request.PlatformSuffix),
            SbomFile = sbom,
        }, buildLog, cancellationToken).ConfigureAwait(false);
        // the fingerprint taken before the build: a file changed during the build makes the next one run
        if (fingerprint is not null)
            UpToDate.Write(request.RecordFile!, new UpToDate.Record(fingerprint, result.ImageId, image.ImageNames.ToList(), UpToDate.Stamps(options.Files!.FilesRead)));
        phases.Add($"publish and record {clock.ElapsedMilliseconds} ms");
        log.Message(false, "ImageTasks timing (since the task started): " + string.Join(", ", phases));
        return new ImageResult { Success = true, ImageId = result.ImageId, ImageNames = image.ImageNames.ToList() };
    }

    /// <summary>
    /// ImageDockerfile (Modal's from_dockerfile): builds the Dockerfile's target stage, layer by layer like any
    /// definition, and returns the definition with that image as its base.
    /// </summary>
    static async Task<ImageDefinition> BuildDockerfileBaseAsync(IImageBackend backend, ImageDefinition definition, string dockerfile,
        IReadOnlyDictionary<string, string> buildArgs, ImageRequest request, BuildOptions options, IBuildLog log, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(Path.Combine(request.ProjectDirectory ?? Directory.GetCurrentDirectory(), dockerfile));
        var context = Blank(request.DockerfileContext) is { } folder
            ? Path.GetFullPath(Path.Combine(request.ProjectDirectory ?? Directory.GetCurrentDirectory(), folder))
            : Path.GetDirectoryName(path)!;
        log.Info($"Building {path} (context {context})");
        var built = await new DockerfileBuilder(backend).BuildAsync(path,
            new DockerfileOptions { ContextDirectory = context, BuildArgs = buildArgs, Target = Blank(request.DockerfileTarget), Platform = options.Platform },
            options with { Tags = [] }, log, cancellationToken).ConfigureAwait(false);
        // the target stage's top layer is tagged in the cache repository under its key: that tag is the base
        var baseImage = ImageReference.Parse($"{options.CacheRepository}:{built.Target.Plan.FinalKey}");
        return new ImageDefinition(baseImage, definition.Steps.Take(definition.SetupStepCount), definition.Steps.Skip(definition.SetupStepCount))
            { GeneratedLabels = definition.GeneratedLabels?.WithoutBase() };
    }

    /// <summary>
    /// The .NET SDK's credential variables work, but MSBuild records every DOTNET_* environment variable in a binary
    /// log: say so, once per build, naming the variable (never its value).
    /// </summary>
    static void WarnOfLoggedPasswords(ITaskLog log, string? projectFile)
    {
        foreach (var (_, password) in RegistryCredentials.PushVariables.Concat(RegistryCredentials.PullVariables).Distinct())
            if (password.StartsWith("DOTNET_", StringComparison.Ordinal) && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(password)))
                log.Warning(ErrorCodes.PasswordInLoggedVariable, projectFile, 0, 0,
                    $"A registry password is in {password}, and MSBuild writes every DOTNET_* environment variable into binary logs (-bl). " +
                    $"Give it in {RegistryCredentials.OwnVariables.User} and {RegistryCredentials.OwnVariables.Password} instead, or use 'docker login'.");
    }

    /// <summary>A pip URL with credentials in a property or item metadata is in the binary log already (MSBuild logs
    /// them): say so, naming where (the URL without its credentials), so the user moves it to the variables.</summary>
    static void WarnOfLoggedIndexCredentials(ITaskLog log, ImageRequest request)
    {
        var places = new[] { ("ImagePipIndexUrl", request.PipIndexUrl), ("ImagePipExtraIndexUrls", request.PipExtraIndexUrls), ("ImagePipFindLinks", request.PipFindLinks) }
            .Concat(request.PipPackages.SelectMany(p => new[] { "IndexUrl", "ExtraIndexUrls", "FindLinks" }
                .Select(m => ($"the {m} metadata of PipPackage {p.ItemSpec}", p.Get(m)))));
        foreach (var (place, value) in places)
            foreach (var url in (value ?? "").Split([';', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(UrlCredentials.Has))
                log.Warning(ErrorCodes.CredentialsInLoggedProperty, request.ProjectFile, 0, 0,
                    $"{place} holds a URL with credentials ({UrlCredentials.Redact(url)}), and MSBuild writes property and metadata values into binary logs (-bl). " +
                    $"Give the URL with its credentials in the environment variable {DefinitionMapper.IndexUrlVariable} (or {DefinitionMapper.ExtraIndexUrlsVariable}) instead; ImageTasks reads it without logging it.");
        // conda channels with a token: the same, for ImageCondaChannels (a package's Channel with one is refused, IMG1047)
        foreach (var channel in (request.CondaChannels ?? "").Split([';', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(CondaChannels.HasCredentials))
            log.Warning(ErrorCodes.CredentialsInLoggedProperty, request.ProjectFile, 0, 0,
                $"ImageCondaChannels holds a channel with a token or credentials ({CondaChannels.Redact(channel)}), and MSBuild writes property values into binary logs (-bl). " +
                $"Give the channels in the environment variable {CondaChannels.ChannelsVariable} instead; ImageTasks reads it without logging it.");
    }

    /// <summary>ContainerEnvironmentVariable values are stored as given, as the .NET SDK stores them: a value that
    /// looks like a substitution ($PATH, ${HOME}) would reach the container as those characters.</summary>
    static void WarnOfLiteralSubstitutions(ITaskLog log, ImageRequest request)
    {
        foreach (var variable in request.EnvironmentVariables)
            if (System.Text.RegularExpressions.Regex.Match(variable.Get("Value") ?? "", @"\$(\{[A-Za-z_][A-Za-z0-9_]*\}?|[A-Za-z_][A-Za-z0-9_]*)") is { Success: true } found)
                log.Warning(ErrorCodes.LiteralSubstitution, request.ProjectFile, 0, 0,
                    $"The value \"{variable.Get("Value")}\" of ContainerEnvironmentVariable {variable.ItemSpec.Trim()} has '{found.Value}', which is stored literally, " +
                    "as the .NET SDK stores it: the container sees those characters, not a variable's value. Write the full value out " +
                    "(say, the base image's PATH with your folder added), or set the variable with ENV in a Dockerfile given as ImageDockerfile, which substitutes.");
    }

    /// <summary>As the .NET SDK does: the app command replaces the base image's ENTRYPOINT (unless that is just
    /// dotnet) only with a warning saying how to keep it.</summary>
    /// <param name="baseConfig">The base's configuration as the build saw it; null: asked here.</param>
    static async Task WarnOfReplacedBaseEntrypointAsync(IImageBackend backend, ImageReference baseImage, ImageConfig? baseConfig, ITaskLog log, ImageRequest request, CancellationToken cancellationToken)
    {
        baseConfig ??= (await backend.InspectImageAsync(baseImage.ToString(), cancellationToken).ConfigureAwait(false))?.Config;
        if (baseConfig?.Entrypoint is not { Count: > 0 } entrypoint || entrypoint is ["dotnet" or "/usr/bin/dotnet"]) return;
        var from = Blank(request.Dockerfile) is { } dockerfile ? $"the Dockerfile {dockerfile}" : $"the base image {baseImage}";
        log.Warning(ErrorCodes.BaseEntrypointReplaced, request.ProjectFile, 0, 0,
            $"The ENTRYPOINT of {from} ({System.Text.Json.JsonSerializer.Serialize(entrypoint)}) was replaced by the app command. " +
            "To keep it and pass the app command to it as arguments, set ContainerAppCommandInstruction to DefaultArgs; set it to Entrypoint to replace it without this warning.");
    }

    static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Kinds of step that add no package records: the app's own copies (runtime, NuGet packages, the app)
    /// and configuration.</summary>
    static readonly HashSet<string> NoPackageKinds = [AppLayers.RuntimeLayer, AppLayers.DependenciesLayer, AppLayers.AppLayer, "config"];

    /// <summary>The image the bill of materials is read from: the one below the app's layers and the final
    /// configuration, so a code edit (a new app layer, a new final image) reads nothing again.</summary>
    static string SbomSourceOf(BuildResult result, MappedImage image)
    {
        var source = result.BaseImageId;
        foreach (var layer in result.Layers)
            if (!NoPackageKinds.Contains(BuildReport.KindOf(image, layer.Step))) source = layer.ImageId;
        return source;
    }

    /// <summary>
    /// The CycloneDX bill of materials of the final image (ContainerGenerateSbom): its packages read in one pass over
    /// the file system of <paramref name="sourceId"/>, the image below the app's own layers. A file that already
    /// describes this image id is kept; one read from the same source is written again for the new image without
    /// reading anything (a code edit costs no export). A failure is a warning (IMG5033): the image is built.
    /// </summary>
    /// <returns>Whether the file describes the image (written now, or before).</returns>
    static async Task<bool> WriteSbomAsync(IImageBackend backend, string imageId, string sourceId, string imageName, string path, ImageRequest request,
        ITaskLog log, CancellationToken cancellationToken)
    {
        try
        {
            var existing = File.Exists(path) ? File.ReadAllBytes(path) : null;
            if (existing is not null && Sbom.CycloneDx.ImageIdOf(existing) == imageId)
            {
                log.Message(false, $"ImageTasks: bill of materials {path} already describes {imageId}");
                return true;
            }
            var contents = existing is not null && Sbom.CycloneDx.ContentsImageIdOf(existing) == sourceId && Sbom.CycloneDx.ContentsOf(existing) is { } known
                ? known
                : await Sbom.ImageSbom.ReadAsync(backend, sourceId, cancellationToken).ConfigureAwait(false);
            if (contents.Skipped.Count > 0)
                log.Warning(ErrorCodes.SbomEntriesSkipped, request.ProjectFile, 0, 0,
                    $"{contents.Skipped.Count} package record(s) in the image could not be read and are not in the bill of materials {path}: " +
                    string.Join("; ", contents.Skipped.Take(5)) + (contents.Skipped.Count > 5 ? "; ..." : "") +
                    ". Reinstall those packages in the step that installs them, or ignore this if they are not yours.");
            var version = typeof(RequestRunner).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
            var time = DefinitionMapper.SourceDateEpochOf(request) ?? DateTimeOffset.UtcNow;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllBytes(path, Sbom.CycloneDx.Write(contents, imageId, imageName, time, version, sourceId));
            log.Message(true, $"ImageTasks: bill of materials {path} ({contents.Components.Count(c => c.Kind == "deb")} Debian packages, " +
                              $"{contents.Components.Count(c => c.Kind == "pypi")} Python distributions)");
            return true;
        }
        catch (Exception e) when (e is ImageTasksException or IOException or UnauthorizedAccessException)
        {
            log.Warning(ErrorCodes.SbomFailed, request.ProjectFile, 0, 0,
                $"The bill of materials {path} was not written: {e.Message.TrimEnd('.')}. The image itself is built; " +
                "check that the folder is writable and the engine reachable, or set ContainerGenerateSbom to false.");
            return false;
        }
    }

    /// <summary>ContainerArchiveOutputPath relative to the project; a folder (existing, or ending in a separator) stays
    /// one, and the publisher names the file in it &lt;repository&gt;.tar.gz, as the .NET SDK does.</summary>
    internal static string ArchivePath(string path, ImageRequest request)
    {
        // GetFullPath keeps a trailing separator, and with it the "this is a folder" meaning
        return Path.GetFullPath(Path.Combine(request.ProjectDirectory ?? Directory.GetCurrentDirectory(), path));
    }

    /// <summary>Before the platforms of ContainerRuntimeIdentifiers are built: each is a Linux platform, no two are one,
    /// and the image's names are valid (with each platform's suffix too), so bad input fails before anything runs.</summary>
    static ImageResult CheckPlatforms(ImageRequest request)
    {
        foreach (var platform in DefinitionMapper.PlatformsOf(request.RuntimeIdentifiers))
        {
            request.PlatformSuffix = platform.RuntimeIdentifier;
            DefinitionMapper.ImageNamesOf(request);
        }
        return new ImageResult { Success = true };
    }

    /// <summary>After every platform's image was pushed (as &lt;tag&gt;-&lt;runtime identifier&gt;): the image index
    /// under each plain tag.</summary>
    private async Task<ImageResult> PublishIndexAsync(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        var platforms = DefinitionMapper.PlatformsOf(request.RuntimeIdentifiers);
        var registry = Blank(request.Registry) ?? throw new ImageTasksException(ErrorCodes.InvalidImageReference,
            "Writing an image index needs a registry: set ContainerRegistry.");
        request.PlatformSuffix = null;
        var names = DefinitionMapper.ImageNamesOf(request); // checks the names
        var mediaType = Blank(request.IndexMediaType) ?? ImageIndex.DockerManifestList;
        using var backend = await connect(Blank(request.LocalRegistry), cancellationToken).ConfigureAwait(false);
        var digest = await IndexPublisher.PublishAsync(backend, registry, request.Repository!.Trim(), DefinitionMapper.PlainTagsOf(request), platforms, mediaType,
            new MessageLog(log, request.ProjectFile), cancellationToken).ConfigureAwait(false);
        log.Message(true, $"ImageTasks: {string.Join(", ", names)} -> image index {digest} ({string.Join(", ", platforms.Select(p => p.Platform))})");
        return new ImageResult { Success = true, ImageId = digest, ImageNames = names.ToList() };
    }

    /// <summary>The engine's log of work that runs no step (the index): lines at high importance, warnings coded.</summary>
    sealed class MessageLog(ITaskLog log, string? projectFile) : IBuildLog
    {
        public void Info(string message) => log.Message(true, message);
        public void StepOutput(PlannedStep step, string line) => log.Message(true, line);
        public void Warning(string code, string message) => log.Warning(code, projectFile, 0, 0, message);
    }

    /// <summary>Lists or prunes the layer cache; the project's last build's layers are never pruned.</summary>
    private async Task<ImageResult> CacheAsync(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        var repository = Blank(request.CacheRepository) ?? new BuildOptions().CacheRepository;
        int? days = Blank(request.PruneOlderThanDays) is { } text
            ? int.TryParse(text, out var n) && n >= 0 ? n : throw new ImageTasksException(ErrorCodes.InvalidMetadata,
                $"The value \"{text}\" of ImageCachePruneDays is not valid. Use a whole number of days (\"30\").")
            : null;
        using var backend = await connect(Blank(request.LocalRegistry), cancellationToken).ConfigureAwait(false);
        var cache = new LayerCache(backend, repository);
        if (request.Mode == ImageRequest.ListCacheMode)
        {
            var layers = await cache.ListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var layer in layers) log.Message(true, $"{repository}:{layer.Key[..12]}  {layer.Created:yyyy-MM-dd HH:mm}  {layer.Size / 1024.0 / 1024.0,8:0.0} MB");
            log.Message(true, $"ImageTasks: {layers.Count} layers in {repository}");
            return new ImageResult { Success = true };
        }
        // layers older than the limit go, except those of the project's last build
        var kept = Blank(request.ReportFile) is { } report && File.Exists(report) ? BuildReport.Read(report).Layers.Select(l => l.Key).ToHashSet() : [];
        var removed = await cache.PruneAsync(DateTimeOffset.UtcNow.AddDays(-(days ?? 30)), kept, cancellationToken).ConfigureAwait(false);
        log.Message(true, $"ImageTasks: removed {removed.Count} layers from {repository} ({removed.Sum(l => l.Size) / 1024.0 / 1024.0:0.0} MB before sharing)");
        return new ImageResult { Success = true };
    }

    /// <summary>
    /// The up-to-date check: the request's fingerprint is the one recorded by the last successful build, and the image
    /// it recorded is still tagged with that id (one inspect, asked while the fingerprint is taken). Any doubt (an
    /// unreachable engine, a moved tag, a fingerprint that cannot be taken) builds; the build reports real problems.
    /// </summary>
    /// <returns>The result when the image is up to date; else the fingerprint the build records when it succeeds.</returns>
    private (ImageResult? Result, string? Fingerprint) CheckUpToDate(ImageRequest request, ITaskLog log, CancellationToken cancellationToken)
    {
        if (Blank(request.RecordFile) is not { } recordFile) return (null, null);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (UpToDate.IsForced(request)) return (null, null);
            var last = UpToDate.Read(recordFile);
            // a bill of materials asked for and not there (deleted, or cleaned): the build runs, from its cached layers, to write it
            var sbomMissing = Blank(request.SbomFile) is { } sbom && !File.Exists(sbom);
            var name = last is null ? null : last.ImageNames.FirstOrDefault() ?? last.ImageId;
            var asked = last is null || sbomMissing ? null : Task.Run(() => AskImageId(Blank(request.LocalRegistry), name!, cancellationToken), cancellationToken);
            var fingerprint = UpToDate.Fingerprint(request);
            var fingerprinted = clock.Elapsed;
            if (asked is null || last!.Fingerprint != fingerprint || !UpToDate.InputsUnchanged(last)) return (null, fingerprint);
            var id = asked.GetAwaiter().GetResult();
            log.Message(false, $"ImageTasks timing: fingerprint {fingerprinted.TotalMilliseconds:0} ms, up-to-date check {clock.Elapsed.TotalMilliseconds:0} ms in all");
            if (string.Equals(id, last.ImageId, StringComparison.Ordinal))
            {
                log.Message(false, $"ImageTasks: {name} is up to date ({last.ImageId}): nothing it is made from changed.");
                return (new ImageResult { Success = true, UpToDate = true, ImageId = last.ImageId, ImageNames = last.ImageNames }, fingerprint);
            }
            log.Message(false, $"ImageTasks: {name} is not the image last built ({last.ImageId}); building it again.");
            return (null, fingerprint);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // an unreachable engine, an unreadable input: the build goes on and reports it with its proper code
            log.Message(false, $"ImageTasks: the up-to-date check could not be made ({ex.GetBaseException().Message}); building.");
            return (null, null);
        }
    }

    string? AskImageId(string? localRegistry, string name, CancellationToken cancellationToken) =>
        imageId is not null
            ? imageId(localRegistry, name, cancellationToken)
            : InspectedIdAsync(connect(localRegistry, cancellationToken), name, cancellationToken).GetAwaiter().GetResult();
}
