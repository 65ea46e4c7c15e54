using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImageTasks.Definition;

namespace ImageTasks.Planning;

/// <summary>Turns a definition into a plan: the layer key of every step. Pure but for reading copied files (through the digester).</summary>
public static partial class Planner
{
    /// <summary>The version of the layer format; part of every key, bumped when what a step produces changes.</summary>
    public const string BuilderVersion = "imagetasks-layer-v2";

    /// <summary>The platform whose keys carry no platform field (the keys made before images had other platforms).</summary>
    public const string DefaultPlatform = "linux/amd64";

    /// <summary>Takes the digests of every file the definition's steps copy into <paramref name="files"/>, so that a plan
    /// made afterwards finds them there (a build takes them while it connects to the engine). Throws what the plan would.</summary>
    public static void DigestFiles(ImageDefinition definition, FileDigester files)
    {
        foreach (var step in definition.Steps) FormOf(step, files);
    }

    /// <summary>
    /// key(step) = SHA-256 over the length-prefixed fields: <see cref="BuilderVersion"/>, the parent's key, the step's
    /// canonical form (<see cref="FormOf"/>), the platform when it is not <see cref="DefaultPlatform"/>, and the entries a copy step copies (image path, mode, digest, folder flag). No host
    /// path, time, user or machine goes in, and neither does force: a forced step keeps its key, and the engine rebuilds
    /// it (and every step after it) and moves the key's tag to the new layer, so the next unforced build finds the
    /// forced result (Modal's force_build overwrites its cache the same way).
    /// </summary>
    /// <param name="baseImageId">The base image's content id ("sha256:..."): the first step's parent key.</param>
    public static BuildPlan Plan(ImageDefinition definition, string baseImageId, FileDigester files, PlanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseImageId);
        options ??= new PlanOptions();
        var steps = new List<PlannedStep>();
        var parent = baseImageId;
        var forced = options.ForceAll;
        foreach (var step in definition.Steps)
        {
            var (form, entries) = FormOf(step, files);
            forced |= step.Force; // a forced step's result is new, so every step above it is rebuilt on it
            var fields = new List<string?> { BuilderVersion, parent };
            if (!string.Equals(options.Platform, DefaultPlatform, StringComparison.OrdinalIgnoreCase))
                fields.AddRange(["platform", options.Platform.ToLowerInvariant()]);
            fields.AddRange(form);
            fields.AddRange(RunSettingsOf(step));
            fields.Add(entries.Count.ToString(CultureInfo.InvariantCulture));
            fields.AddRange(entries.SelectMany(e => new[] { e.ImagePath, Octal(e.Mode), e.Sha256, e.IsDirectory ? "dir" : "file" }));
            var key = Hash(fields);
            steps.Add(new PlannedStep(steps.Count, step, key, parent, forced, entries));
            parent = key;
        }
        return new BuildPlan(definition, baseImageId, steps);
    }

    private static string[] Redacted(IReadOnlyList<string> urls) => urls.Select(KeyUrl).ToArray();

    /// <summary>
    /// A pip URL without its credentials, and an http(s) one in <see cref="Uri"/>'s normal form whether or not it had any:
    /// <see cref="UrlCredentials.Redact"/> rebuilds only a URL with credentials (lowercasing its host and so on), so
    /// adding or removing a token would otherwise change the key of a URL written with capitals.
    /// </summary>
    private static string KeyUrl(string url) =>
        !UrlCredentials.Has(url) && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new UriBuilder(uri).Uri.ToString()
            : UrlCredentials.Redact(url)!;

    /// <summary>The count (or null for a null list), then the items.</summary>
    private static IEnumerable<string?> List(IReadOnlyList<string>? items) =>
        items is null ? [null] : [items.Count.ToString(CultureInfo.InvariantCulture), .. items];

    private static IEnumerable<string?> Pairs(IEnumerable<(string Name, string? Value)> pairs, bool sort)
    {
        var list = pairs.ToArray();
        if (sort) list = [.. list.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)];
        return [list.Length.ToString(CultureInfo.InvariantCulture), .. list.SelectMany(p => new[] { p.Name, p.Value })];
    }

    private static string Octal(int mode) => Convert.ToString(mode, 8);

    /// <summary>SHA-256 over each field as a 4-byte big-endian length (-1 for null) and its UTF-8 bytes.</summary>
    private static string Hash(IEnumerable<string?> fields)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            var bytes = field is null ? null : Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes?.Length ?? -1);
            hash.AppendData(length);
            if (bytes is not null) hash.AppendData(bytes);
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
