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
        typeof(ImageRequest).GetProperties().Where(p => p.PropertyType == typeof(List<ItemData>)).SelectMany(p => (List<ItemData>)p.GetValue(request)!);

    public static string Fingerprint(ImageRequest request)
    {
        // every member, but where outputs go; credentials removed before anything is hashed
        var copy = Json.Deserialize<ImageRequest>(Json.Serialize(request));
        copy.ReportFile = copy.FileIndexFile = copy.RecordFile = null;
        foreach (var property in typeof(ImageRequest).GetProperties().Where(p => p.PropertyType == typeof(string) && p.CanWrite))
            if (property.GetValue(copy) is string value) property.SetValue(copy, Credentials().Replace(value, ""));
        foreach (var item in Items(copy))
        {
            item.ItemSpec = Credentials().Replace(item.ItemSpec, "");
            foreach (var key in item.Metadata.Keys.ToArray()) item.Metadata[key] = Credentials().Replace(item.Metadata[key], "");
        }
        var text = new StringBuilder(Json.Serialize(copy));
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

    public static Record? Read(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try { return Json.Deserialize<RecordData>(File.ReadAllText(path)).ToRecord(); }
        catch (Exception e) when (e is IOException or System.Runtime.Serialization.SerializationException or UnauthorizedAccessException) { return null; }
    }

    public static void Write(string path, Record record)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Json.Serialize(new RecordData
        {
            Fingerprint = record.Fingerprint, ImageId = record.ImageId, ImageNames = record.ImageNames,
            InputPaths = record.Inputs.Keys.ToList(), InputStamps = record.Inputs.Values.ToList(),
        }));
    }

    public static void Forget(string? path)
    {
        if (path is not null && File.Exists(path)) File.Delete(path);
    }

    [System.Runtime.Serialization.DataContract]
    sealed class RecordData
    {
        [System.Runtime.Serialization.DataMember] public string Fingerprint { get; set; } = "";
        [System.Runtime.Serialization.DataMember] public string ImageId { get; set; } = "";
        [System.Runtime.Serialization.DataMember] public List<string> ImageNames { get; set; } = new();
        [System.Runtime.Serialization.DataMember] public List<string> InputPaths { get; set; } = new();
        [System.Runtime.Serialization.DataMember] public List<string> InputStamps { get; set; } = new();
        public Record ToRecord() => new(Fingerprint, ImageId, ImageNames,
            InputPaths.Zip(InputStamps).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
    }

    /// <summary>Credentials in URLs (user information, query values, a conda channel's /t/TOKEN segment), which never
    /// reach a file ImageTasks writes.</summary>
    [GeneratedRegex(@"(?<=://)[^/@\s;|""]*@|(?<=[?&][^=&\s;|""]*=)[^&\s;|""]*|(?<=://[^\s;|""]*/t/)[^/?#\s;|""]+")]
    private static partial Regex Credentials();
}
