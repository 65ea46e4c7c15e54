using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// A conda match spec for micromamba (<c>numpy</c>, <c>numpy&gt;=1.26</c>, <c>numpy=1.26.*</c>, <c>numpy 1.26.* py312*</c>,
/// <c>conda-forge::numpy</c>), and the channel it must come from (null: the step's channels). Reaches micromamba as one
/// argument, never through a shell.
/// </summary>
public sealed record CondaPackage
{
    public CondaPackage(string spec, string? channel = null)
    {
        Spec = spec.Trim();
        Channel = string.IsNullOrWhiteSpace(channel) ? null : channel.Trim();
        CondaChannels.CheckSpec(Spec);
        if (Channel is not null)
        {
            CondaChannels.Check(Channel, $"the Channel of CondaPackage \"{Spec}\"");
            // a package's channel is on micromamba's command line (channel::spec), which the image history shows
            if (CondaChannels.HasCredentials(Channel))
                throw new ImageTasksException(ErrorCodes.InvalidCondaChannel,
                    $"The Channel \"{CondaChannels.Redact(Channel)}\" of CondaPackage \"{Spec}\" carries a token or credentials, and a package's channel goes on micromamba's command line, which the image history shows. " +
                    $"Give that channel in the environment variable {CondaChannels.ChannelsVariable} (or ImageCondaChannels) instead and leave Channel empty: micromamba then reads it from a file that no layer keeps.");
            if (Spec.Contains("::", StringComparison.Ordinal))
                throw new ImageTasksException(ErrorCodes.InvalidCondaSpec,
                    $"The CondaPackage \"{Spec}\" names its channel in its spec and has Channel=\"{Channel}\" too. Give the channel once.");
        }
    }

    /// <summary>A package from a CondaPackage item: Include a name or a whole match spec; Version a conda version
    /// (<c>1.26.*</c>, <c>&gt;=1.26</c>; a bare one becomes <c>name=version</c>, conda's fuzzy match); Channel a channel.</summary>
    public static CondaPackage Create(string include, string? version = null, string? channel = null)
    {
        var spec = include.Trim();
        if (!string.IsNullOrWhiteSpace(version))
        {
            var v = version.Trim();
            CondaChannels.CheckSpec(spec);
            if (!CondaChannels.IsBareName(spec))
                throw new ImageTasksException(ErrorCodes.InvalidCondaSpec,
                    $"The CondaPackage \"{spec}\" is a whole match spec and has Version=\"{v}\" too. Give either a bare name with Version, or the whole spec in Include (\"numpy>=1.26\").");
            spec += "=<>!~".Contains(v[0], StringComparison.Ordinal) ? v : "=" + v;
        }
        return new CondaPackage(spec, channel);
    }

    /// <summary>The match spec as written (trimmed).</summary>
    public string Spec { get; }
    public string? Channel { get; }

    /// <summary>What micromamba gets, as one argument.</summary>
    public string Argument => Channel is null ? Spec : Channel + "::" + Spec;
}

/// <summary>
/// <c>micromamba install -y -n base [-c CHANNEL]... SPEC...</c> (Modal's micromamba_install), or <c>-f SPECFILE</c>: one
/// layer. Channels keep their order (micromamba's priority); the package set has none. A channel with a token reaches
/// micromamba through a file in the step's volume, never its command line.
/// </summary>
public sealed record CondaStep : BuildStep
{
    public CondaStep(IEnumerable<CondaPackage> packages, IEnumerable<string>? channels = null, string? specFile = null)
    {
        Packages = packages.ToArray();
        Channels = (channels ?? []).Select(c => c.Trim()).Where(c => c.Length > 0).ToArray();
        foreach (var channel in Channels) CondaChannels.Check(channel, "ImageCondaChannels");
        if (specFile is not null) CondaChannels.CheckSpecFile(specFile);
        SpecFile = specFile is null ? null : Path.GetFullPath(specFile);
        if (Packages.Count == 0 && SpecFile is null)
            throw new ImageTasksException(ErrorCodes.InvalidCondaSpec, "A conda step has no package and no spec file. Give CondaPackage or CondaSpecFile items.");
    }

    public IReadOnlyList<CondaPackage> Packages { get; }
    /// <summary>Channels in priority order, as given (may carry tokens: never log or key them as they are).</summary>
    public IReadOnlyList<string> Channels { get; }
    /// <summary>Absolute host path of a spec file (micromamba's -f), copied in through the step's volume; null: none.</summary>
    public string? SpecFile { get; }

    /// <summary>The spec file's name in the step's volume: fixed, with the host file's extension (micromamba reads
    /// .yml/.yaml as an environment file, anything else as specs one a line).</summary>
    public static string SpecFileName(string hostPath) => "conda-spec" + Path.GetExtension(hostPath).ToLowerInvariant();

    public override string Summary => "micromamba install " + string.Join(" ",
        Channels.Select(c => "-c " + CondaChannels.Redact(c))
            .Concat(SpecFile is null ? [] : ["-f " + Path.GetFileName(SpecFile)])
            .Concat(Packages.Select(p => p.Argument)));
}

/// <summary>Conda channels and specs: what is valid, and what of a channel is a secret (a <c>/t/TOKEN/</c> path segment,
/// user information, query values), which never enters a key, a log line, a command line or the image.</summary>
public static partial class CondaChannels
{
    /// <summary>Channels with tokens come in through this variable (MSBuild logs properties into binlogs); it takes the
    /// place of ImageCondaChannels.</summary>
    public const string ChannelsVariable = "IMAGETASKS_CONDA_CHANNELS";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.\-]+)*$")]
    private static partial Regex ChannelName();

    // what a URL may hold here: no whitespace, quote or shell metacharacter but the query's & and =
    [GeneratedRegex(@"^[A-Za-z0-9\-._~:/?#\[\]@!&+,=%*]+$")]
    private static partial Regex UrlCharacters();

    // [channel::]name[ version[ build]] or name followed by an operator; the rest: versions, builds, wildcards, ranges, or
    [GeneratedRegex(@"^(?<channel>[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9_.\-]+)*::)?(?<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)(?<rest>([ =<>!~][A-Za-z0-9_.*+!=<>~,| ]*)?)$")]
    private static partial Regex MatchSpec();

    [GeneratedRegex(@"/t/(?<token>[^/?#\s]+)")]
    private static partial Regex TokenSegment();

    /// <summary>The package name of a match spec (no channel, no version), lowercased; null when it is not one.</summary>
    public static string? NameOf(string spec) => MatchSpec().Match(spec) is { Success: true } m ? m.Groups["name"].Value.ToLowerInvariant() : null;

    public static bool IsBareName(string spec) => MatchSpec().Match(spec) is { Success: true } m && m.Groups["rest"].Length == 0;

    public static void CheckSpec(string spec)
    {
        if (!MatchSpec().IsMatch(spec) || spec.EndsWith(' '))
            throw new ImageTasksException(ErrorCodes.InvalidCondaSpec,
                $"The conda package spec \"{spec}\" is not a match spec micromamba reads: give a name (letters, digits, _ . -) optionally followed by a version " +
                "(\"numpy\", \"numpy>=1.26\", \"numpy=1.26.*\", \"numpy 1.26.* py312*\", \"conda-forge::numpy\"); quotes, ';', '$', '&', '`', brackets and backslashes are not allowed. " +
                "Or give the name in Include and the version in Version metadata.");
    }

    /// <param name="where">What holds the channel, for the message.</param>
    public static void Check(string channel, string where)
    {
        if (ChannelName().IsMatch(channel)) return;
        var isUrl = Uri.TryCreate(channel, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file" && UrlCharacters().IsMatch(channel);
        if (!isUrl)
            throw new ImageTasksException(ErrorCodes.InvalidCondaChannel,
                $"The conda channel \"{Redact(channel)}\" of {where} is not valid: give a channel name (\"conda-forge\", \"bioconda\", \"conda-forge/label/dev\") " +
                "or an http, https or file URL without spaces, quotes or shell metacharacters (\"https://conda.anaconda.org/t/<token>/private\").");
    }

    /// <summary>A channel URL with a token (/t/TOKEN/), user information or a query string.</summary>
    public static bool HasCredentials(string? channel) => channel is not null && (UrlCredentials.Has(channel) || (channel.Contains("://", StringComparison.Ordinal) && TokenSegment().IsMatch(channel)));

    /// <summary>The channel without its secrets: /t/&lt;token&gt;/, no user information, query values emptied. The same
    /// text for every token, so a new token keys nothing new.</summary>
    public static string Redact(string channel)
    {
        if (!channel.Contains("://", StringComparison.Ordinal)) return channel;
        var text = TokenSegment().Replace(channel, "/t/<token>");
        return UrlCredentials.Has(text) ? UrlCredentials.Redact(text)! : text;
    }

    /// <summary>The secret parts of a channel (as written and decoded), masked in step output.</summary>
    public static IEnumerable<string> SecretParts(string channel) =>
        !HasCredentials(channel) ? []
            : TokenSegment().Matches(channel).Select(m => m.Groups["token"].Value).SelectMany(t => new[] { t, Uri.UnescapeDataString(t) })
                .Concat(UrlCredentials.SecretParts(channel)).Where(p => p.Length >= 4).Distinct();

    public static void CheckSpecFile(string path)
    {
        string[] lines;
        try
        {
            if (!Path.IsPathFullyQualified(path) || !File.Exists(path))
                throw new ImageTasksException(ErrorCodes.InvalidCondaSpecFile,
                    $"The conda spec file \"{path}\" does not exist. Give the path of a file of match specs (one a line) or an environment.yml, relative to the project.");
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageTasksException(ErrorCodes.InvalidCondaSpecFile, $"The conda spec file \"{path}\" cannot be read ({e.Message}). Make it readable.");
        }
        foreach (var word in lines.SelectMany(l => l.Split([' ', '\t', '"', '\'', ','], StringSplitOptions.RemoveEmptyEntries)))
            if (HasCredentials(word.TrimStart('-')))
                throw new ImageTasksException(ErrorCodes.InvalidCondaSpecFile,
                    $"The conda spec file \"{path}\" names a channel with a token or credentials ({Redact(word.TrimStart('-'))}); the file is part of the layer's key and goes to the engine as it is. " +
                    $"Remove the channel from the file and give it in the environment variable {ChannelsVariable}, which ImageTasks keeps out of keys, logs and layers.");
    }
}
