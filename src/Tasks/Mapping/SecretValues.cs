using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// Reads the values of the build secrets a definition's steps name, when the build runs, from where each
/// <c>ImageSecret</c> item says (<c>FromEnvironment</c>, <c>FromFile</c>, <c>FromUserSecrets</c>); a name without an item,
/// or an item without a source, is read from the environment variable of its name, then from the project's user
/// secrets (<c>dotnet user-secrets</c>, when it has a UserSecretsId). Values are never task parameters, properties or
/// items (MSBuild logs those into binary logs), never logged, never written anywhere.
/// </summary>
internal static class SecretValues
{
    /// <param name="userSecretsRoot">Where `dotnet user-secrets` keeps its stores; null: the user's (tests give another).</param>
    public static IReadOnlyDictionary<string, string> Read(ImageRequest request, ImageDefinition definition, string? userSecretsRoot = null)
    {
        var sources = new Dictionary<string, ItemData>(StringComparer.Ordinal);
        foreach (var item in request.Secrets)
        {
            var name = item.ItemSpec.Trim();
            Validation.CheckSecretName(name);
            var given = new[] { "FromEnvironment", "FromFile", "FromUserSecrets" }.Where(m => item.Get(m) is not null).ToArray();
            if (given.Length > 1)
                throw new ImageTasksException(ErrorCodes.InvalidSecretSource,
                    $"The ImageSecret \"{name}\" has {string.Join(" and ", given)}: give one place to read it from.");
            sources[name] = item;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in definition.Steps.SelectMany(s => s.Secrets).Distinct(StringComparer.Ordinal))
        {
            sources.TryGetValue(name, out var item);
            values[name] = Read(name, item, request, userSecretsRoot ?? DefaultUserSecretsRoot, out var looked)
                ?? throw new ImageTasksException(ErrorCodes.SecretMissing,
                    $"The build secret \"{name}\" has no value: looked in {string.Join(", then ", looked)}. " +
                    "Set it there (or point its ImageSecret item at where it is: FromEnvironment, FromFile, FromUserSecrets), or remove it from the steps' Secrets.");
        }
        return values;
    }

    static string? Read(string name, ItemData? item, ImageRequest request, string userSecretsRoot, out List<string> looked)
    {
        looked = [];
        if (item?.Get("FromFile") is { } file)
        {
            var path = Path.GetFullPath(Path.Combine(request.ProjectDirectory ?? Directory.GetCurrentDirectory(), file.Trim()));
            looked.Add($"the file {path}");
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        var variable = item?.Get("FromEnvironment")?.Trim();
        var key = item?.Get("FromUserSecrets")?.Trim();
        if (key is null)
        {
            looked.Add($"the environment variable {variable ?? name}");
            if (Environment.GetEnvironmentVariable(variable ?? name) is { Length: > 0 } value) return value;
        }
        if (variable is not null) return null;
        var store = string.IsNullOrWhiteSpace(request.UserSecretsId) ? null : Path.Combine(userSecretsRoot, request.UserSecretsId!.Trim(), "secrets.json");
        looked.Add(store is null ? "the user secrets (the project has no UserSecretsId)" : $"the user secret \"{key ?? name}\" in {store}");
        return store is not null && File.Exists(store) ? Flatten(store).GetValueOrDefault(key ?? name) : null;
    }

    /// <summary>Where `dotnet user-secrets` keeps the projects' stores (&lt;root&gt;/&lt;UserSecretsId&gt;/secrets.json).</summary>
    static string DefaultUserSecretsRoot => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "Microsoft", "UserSecrets")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets");

    /// <summary>secrets.json as configuration reads it: nested objects' keys joined with ':'.</summary>
    static Dictionary<string, string> Flatten(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        void Walk(JsonElement element, string prefix)
        {
            if (element.ValueKind == JsonValueKind.Object)
                foreach (var property in element.EnumerateObject()) Walk(property.Value, prefix.Length == 0 ? property.Name : prefix + ":" + property.Name);
            else if (element.ValueKind != JsonValueKind.Null) values[prefix] = element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
        }
        Walk(document.RootElement, "");
        return values;
    }
}
