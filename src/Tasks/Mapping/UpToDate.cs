using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ImageTasks.Planning;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// The up-to-date check of an image build, made from the request itself, so it cannot drift from the task's inputs:
/// a fingerprint of every member of the request (credentials removed) and of the files it names (their stamps: size,
/// times, inode; not their content), recorded with the image it built. A build whose fingerprint matches the record,
/// and whose image is still tagged with that id, does nothing more (one inspect). A forced build never matches.
/// </summary>
public static partial class UpToDate
{
    /// <summary>What the last successful build of a project recorded (one small JSON file under obj/).</summary>
    /// <param name="Inputs">The host files the last build's plans read (copied files, requirements includes, a
    /// function's sources), each with the stamp it had when it was read.</param>
    public sealed record Record(string Fingerprint, string ImageId, List<string> ImageNames, Dictionary<string, string> Inputs);

    /// <summary>Whether every file the last build read still has the stamp it had then (a missing file has none).</summary>
    public static bool InputsUnchanged(Record record) => record.Inputs.All(i =>
        File.Exists(i.Key) ? FileStamp.Of(new FileInfo(i.Key)).ToString() == i.Value : i.Value == "");

    public static Dictionary<string, string> Stamps(IReadOnlyDictionary<string, FileStamp> files) =>
        files.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);

    /// <summary>Whether the build is forced (the switch, or ForceBuild metadata on any item): never up to date then.</summary>
    public static bool IsForced(ImageRequest request) =>
        request.ForceAll || Engine.BuildOptions.ForcedByEnvironment || Items(request).Any(i => i.Get("ForceBuild") is { } f && f.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));

    static IEnumerable<ItemData> Items(ImageRequest request) =>
        Members.Select(m => m.Get(request)).OfType<List<ItemData>>().SelectMany(items => items);

    /// <summary>Request members that say where outputs go, not what is built.</summary>
    static readonly HashSet<string> Outputs = [nameof(ImageRequest.ReportFile), nameof(ImageRequest.FileIndexFile), nameof(ImageRequest.RecordFile)];

    /// <summary>The request's members but the outputs (all items are among them), in name order, each with its getter.</summary>
    static readonly (string Name, Func<ImageRequest, object?> Get)[] Members = MembersOf(p => !Outputs.Contains(p.Name));

    /// <summary>Each getter as a delegate to the property's own compiled getter: reflection's invoke would generate and
    /// compile a stub per property on its second call, which an unchanged build pays for.</summary>
    static (string Name, Func<ImageRequest, object?> Get)[] MembersOf(Func<System.Reflection.PropertyInfo, bool> which) =>
        typeof(ImageRequest).GetProperties().Where(p => p.CanRead && which(p)).OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (p.Name, p.PropertyType switch
            {
                var t when t == typeof(string) => Boxed(p.GetMethod!.CreateDelegate<Func<ImageRequest, string?>>()),
                var t when t == typeof(bool) => Boxed(p.GetMethod!.CreateDelegate<Func<ImageRequest, bool>>()),
                var t when t == typeof(List<ItemData>) => Boxed(p.GetMethod!.CreateDelegate<Func<ImageRequest, List<ItemData>>>()),
                var t when t == typeof(List<string>) => Boxed(p.GetMethod!.CreateDelegate<Func<ImageRequest, List<string>>>()),
                _ => p.GetValue,
            })).ToArray();

    static Func<ImageRequest, object?> Boxed<T>(Func<ImageRequest, T> get) => request => get(request);

    public static string Fingerprint(ImageRequest request)
    {
        // every member but where outputs go, written as canonical text; credentials removed before anything is hashed
        var text = new StringBuilder();
        void Value(string? value)
        {
            var clean = value is null ? null : Credentials().Replace(value, "");
            text.Append(clean?.Length ?? -1).Append(':').Append(clean).Append('\n');
        }
        foreach (var member in Members)
        {
            text.Append(member.Name).Append('\n');
            switch (member.Get(request))
            {
                case List<ItemData> items:
                    foreach (var item in items)
                    {
                        Value(item.ItemSpec);
                        foreach (var pair in item.Metadata.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
                        {
                            text.Append(' ').Append(pair.Key).Append('=');
                            Value(pair.Value);
                        }
                    }
                    break;
                case List<string> values:
                    foreach (var value in values) Value(value);
                    break;
                case var value:
                    Value(value is bool flag ? (flag ? "true" : "false") : value?.ToString());
                    break;
            }
        }
        // the index URLs given by variables (ImageTasks reads them, MSBuild never sees them), without their credentials
        foreach (var name in new[] { DefinitionMapper.IndexUrlVariable, DefinitionMapper.ExtraIndexUrlsVariable, Definition.CondaChannels.ChannelsVariable })
            text.Append('\n').Append(name).Append('=').Append(Credentials().Replace(Environment.GetEnvironmentVariable(name) ?? "", ""));
        foreach (var path in InputPaths(request).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            AppendStamps(text, path);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>Every file or folder the request names: the app, the Dockerfile and its context, and any item whose
    /// Include is a path of the project (files, and whatever later item kinds copy or read).</summary>
    static IEnumerable<string> InputPaths(ImageRequest request)
    {
        var root = request.ProjectDirectory ?? Directory.GetCurrentDirectory();
        string Full(string path) => Path.GetFullPath(Path.Combine(root, path));
        if (request.AppDirectory is { Length: > 0 } app) yield return Full(app);
        if (request.Dockerfile is { Length: > 0 } dockerfile)
        {
            yield return Full(dockerfile);
            yield return request.DockerfileContext is { Length: > 0 } context ? Full(context) : Path.GetDirectoryName(Full(dockerfile))!;
        }
        foreach (var item in Items(request))
        {
            if (item.ItemSpec.Length == 0 || item.ItemSpec.IndexOfAny(Path.GetInvalidPathChars()) >= 0) continue;
            var path = Full(item.ItemSpec);
            if (File.Exists(path) || Directory.Exists(path)) yield return path;
            // a project (a build-time function's tool): every file of its folder, a new one too
            if (File.Exists(path) && Path.GetExtension(path) is ".csproj" or ".fsproj" or ".vbproj") yield return Path.GetDirectoryName(path)!;
        }
    }

    static void AppendStamps(StringBuilder text, string path)
    {
        if (File.Exists(path))
        {
            text.Append('\n').Append(path).Append(' ').Append(FileStamp.Of(new FileInfo(path)));
            return;
        }
        if (!Directory.Exists(path)) return;
        text.Append('\n').Append(path).Append('/');
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var file in new DirectoryInfo(path).EnumerateFiles("*", options)
                     .Where(f => !IsBuildOutput(path, f.FullName)).OrderBy(f => f.FullName, StringComparer.Ordinal))
            text.Append('\n').Append(file.FullName).Append(' ').Append(FileStamp.Of(file));
    }

    /// <summary>bin/ and obj/ of a project folder used as a Dockerfile context hold this build's own outputs.</summary>
    static bool IsBuildOutput(string root, string file)
    {
        var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
        return relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal);
    }

    /// <summary>The record, one value a line ("fingerprint X", "image X", "name X", "input STAMP<tab>PATH"); null
    /// when there is none or it cannot be read (the build then runs and writes a new one).</summary>
    public static Record? Read(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        if (lines is not [RecordVersion, ..]) return null;
        var (fingerprint, image, names, inputs) = ("", "", new List<string>(), new Dictionary<string, string>(StringComparer.Ordinal));
        foreach (var line in lines.Skip(1))
        {
            var space = line.IndexOf(' ');
            if (space < 0) return null;
            var value = line[(space + 1)..];
            switch (line[..space])
            {
                case "fingerprint": fingerprint = value; break;
                case "image": image = value; break;
                case "name": names.Add(value); break;
                case "input" when value.IndexOf('\t') is >= 0 and var tab: inputs[value[(tab + 1)..]] = value[..tab]; break;
                default: return null;
            }
        }
        return fingerprint.Length > 0 && image.Length > 0 ? new Record(fingerprint, image, names, inputs) : null;
    }

    const string RecordVersion = "imagetasks-record 1";

    public static void Write(string path, Record record)
    {
        // a path with a line break cannot be recorded: no record, so the next build runs
        if (record.Inputs.Keys.Any(k => k.Contains('\n') || k.Contains('\r')) || record.ImageNames.Any(n => n.Contains('\n')))
        {
            Forget(path);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var text = new StringBuilder(RecordVersion).Append('\n');
        text.Append("fingerprint ").Append(record.Fingerprint).Append('\n').Append("image ").Append(record.ImageId).Append('\n');
        foreach (var name in record.ImageNames) text.Append("name ").Append(name).Append('\n');
        foreach (var input in record.Inputs)
            text.Append("input ").Append(input.Value).Append('\t').Append(input.Key).Append('\n');
        File.WriteAllText(path, text.ToString());
    }

    public static void Forget(string? path)
    {
        if (path is not null && File.Exists(path)) File.Delete(path);
    }

    /// <summary>Credentials in URLs (user information, query values, a conda channel's /t/TOKEN segment), which never
    /// reach a file ImageTasks writes.</summary>
    [GeneratedRegex(@"(?<=://)[^/@\s;|""]*@|(?<=[?&][^=&\s;|""]*=)[^&\s;|""]*|(?<=://[^\s;|""]*/t/)[^/?#\s;|""]+")]
    private static partial Regex Credentials();
}
