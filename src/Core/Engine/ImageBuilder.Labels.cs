using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine;

/// <summary>The standard labels that need the engine (ContainerGenerateLabels): the base's registry digest, the created time.</summary>
public sealed partial class ImageBuilder
{
    /// <summary>How long the registry may take to say what it holds under the base's reference.</summary>
    public static readonly TimeSpan BaseDigestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The definition with its generated labels in its final configuration step (see <see cref="GeneratedLabels"/>).</summary>
    async Task<ImageDefinition> WithGeneratedLabelsAsync(ImageDefinition definition, ImageInfo baseImage, BuildOptions options, IBuildLog log,
        CancellationToken cancellationToken)
    {
        if (definition.GeneratedLabels is not { } labels) return definition;
        var digest = labels.BaseDigest ? await RememberedBaseDigestAsync(definition.BaseImage, baseImage, options, log, cancellationToken).ConfigureAwait(false) : null;
        return labels.ApplyTo(definition, digest);
    }

    /// <summary>
    /// The base digest as <see cref="BaseDigestAsync"/> finds it, remembered (in the state directory) for this reference,
    /// platform and base image id: while the engine's base is the same image, the registry is not asked again, so a code
    /// edit costs no registry round trip. The digest remembered is the one of the content the image was built on.
    /// </summary>
    async Task<string?> RememberedBaseDigestAsync(ImageReference reference, ImageInfo baseImage, BuildOptions options, IBuildLog log,
        CancellationToken cancellationToken)
    {
        if (reference.Digest is { } pinned) return pinned;
        var memo = options.StateDirectory is null ? null : Path.Combine(options.StateDirectory, "base-digests",
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{reference}\n{options.Platform}\n{baseImage.Id}"))).ToLowerInvariant());
        try
        {
            if (memo is not null && File.Exists(memo) && File.ReadAllText(memo).Trim() is var known && DigestText().IsMatch(known)) return known;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        var digest = await BaseDigestAsync(reference, baseImage, options.Platform, log, cancellationToken).ConfigureAwait(false);
        if (digest is not null && memo is not null)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(memo)!);
                File.WriteAllText(memo, digest);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // asked again next time
        }
        return digest;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial System.Text.RegularExpressions.Regex DigestText();

    /// <summary>
    /// The base's registry manifest digest, as its registry holds it for the reference (the same on every engine and
    /// machine: never the engine's local id nor the RepoDigests one engine happens to hold). Checked against the base on
    /// this engine: when the registry holds other content under that reference now, the label is left out (IMG4321).
    /// A reference by digest is its own answer. Unknown (no registry, refused, too slow): left out with IMG4320.
    /// </summary>
    async Task<string?> BaseDigestAsync(ImageReference reference, ImageInfo baseImage, string platform, IBuildLog log, CancellationToken cancellationToken)
    {
        if (reference.Digest is { } pinned) return pinned;
        BaseManifest manifest;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(BaseDigestTimeout);
        try
        {
            manifest = await backend.ResolveManifestAsync(reference.ToString(), platform, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ImageTasksException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = e is ImageTasksException ? e.Message.TrimEnd('.') : $"no answer within {BaseDigestTimeout.TotalSeconds:0} s";
            log.Warning(ErrorCodes.BaseDigestUnresolved,
                $"The org.opencontainers.image.base.digest label is left out: the registry digest of the base image {reference} could not be read ({why}). " +
                "Make its registry reachable from this machine, give the base by digest (name@sha256:...), or set ContainerGenerateLabelsImageBaseDigest to false.");
            return null;
        }
        if (baseImage.Id != manifest.ConfigDigest && baseImage.Id != manifest.ImageManifestDigest && baseImage.Id != manifest.Digest)
        {
            log.Warning(ErrorCodes.BaseDigestMismatch,
                $"The org.opencontainers.image.base.digest label is left out: the base image {reference} on this engine ({baseImage.Id}) is not what its registry now holds " +
                $"under that reference ({manifest.Digest}, image {manifest.ConfigDigest} for {platform}). Pull it again (ImagePullPolicy=always) or give the base by digest.");
            return null;
        }
        return manifest.Digest;
    }

    /// <summary>The configuration a step is committed with: a stamped label (the created time) gets the time of this build.</summary>
    static ImageConfig Stamped(ImageConfig config, BuildStep step, BuildOptions options)
    {
        if (step is not ConfigStep { StampedLabel: { } label }) return config;
        var labels = new Dictionary<string, string>(config.Labels) { [label] = GeneratedLabels.Format(options.Time.GetUtcNow()) };
        return config with { Labels = labels };
    }
}
