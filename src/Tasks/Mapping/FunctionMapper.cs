using System.Text.Json;
using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// An <c>ImageBuildFunction</c> item -> a <see cref="FunctionStep"/>. The targets publish the project (self-contained,
/// for the image's platform) and add <c>PublishDir</c> and <c>AssetsFile</c> metadata. What defines the function, under
/// names that do not depend on where the project is: every file of the project's folder (but bin/, obj/ and hidden
/// folders), the Directory.Build.* and Directory.Packages.props files above it (named by how many levels up), and the
/// packages its restore resolved.
/// </summary>
internal static class FunctionMapper
{
    /// <summary>The files above a project that MSBuild imports into it.</summary>
    static readonly string[] ImportedFromAbove = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props"];

    public static FunctionStep StepOf(ItemData item, string projectDirectory)
    {
        var spec = item.ItemSpec.Trim();
        var project = Path.GetFullPath(Path.Combine(projectDirectory, spec));
        if (!project.EndsWith("proj", StringComparison.OrdinalIgnoreCase) || !File.Exists(project))
            throw Invalid($"The ImageBuildFunction \"{spec}\" is not a project file (looked for {project}). Give the path of a console app's .csproj.");
        var name = Path.GetFileNameWithoutExtension(project);
        var publish = item.Get("PublishDir")
            ?? throw Invalid($"The ImageBuildFunction \"{spec}\" was not published (no PublishDir). Build the project with BuildImage=true: its targets publish the function first.");
        var program = item.Get("AssemblyName")?.Trim() ?? name;
        if (!File.Exists(Path.Combine(publish, program)))
            throw Invalid($"The ImageBuildFunction \"{spec}\" has no program \"{program}\" in {publish}. Make it a console app (OutputType Exe, UseAppHost not false), " +
                "and set the item's AssemblyName metadata when its AssemblyName is not the project's file name.");
        var arguments = (item.Get("Arguments") ?? "").Split([';'], StringSplitOptions.RemoveEmptyEntries);
        return new FunctionStep(name, Path.GetFullPath(publish), program, arguments, InputsOf(project), PackagesOf(item, spec), item.Get("WorkingDirectory")?.Trim());
    }

    static IEnumerable<CopySource> InputsOf(string project)
    {
        var folder = Path.GetDirectoryName(project)!;
        var inputs = new List<CopySource>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            var folders = relative.Split('/')[..^1];
            if (folders.Any(f => f is "bin" or "obj" || f.StartsWith('.'))) continue;
            inputs.Add(new CopySource(file, relative));
        }
        var level = 1;
        for (var above = Path.GetDirectoryName(folder); above is not null; above = Path.GetDirectoryName(above), level++)
            foreach (var imported in ImportedFromAbove)
                if (File.Exists(Path.Combine(above, imported)))
                    inputs.Add(new CopySource(Path.Combine(above, imported), $"^{level}/{imported}"));
        return inputs.OrderBy(i => i.TargetName, StringComparer.Ordinal);
    }

    /// <summary>The packages (id, version) of the project's assets file; its project references are keyed by their files only when inside its folder.</summary>
    static IEnumerable<FunctionPackage> PackagesOf(ItemData item, string spec)
    {
        var assets = item.Get("AssetsFile");
        if (assets is null || !File.Exists(assets))
            throw Invalid($"The ImageBuildFunction \"{spec}\" has no restore result (looked for \"{assets}\"). Build the project with BuildImage=true: its targets restore and publish the function first.");
        return Libraries(assets).Where(l => l.Type == "package" && l.Name.IndexOf('/') > 0)
            .Select(l => new FunctionPackage(l.Name[..l.Name.IndexOf('/')], l.Name[(l.Name.IndexOf('/') + 1)..]));
    }

    /// <summary>The "libraries" of an assets file: "Id/Version", its type (package, project) and path.</summary>
    static IReadOnlyList<(string Name, string? Type, string? Path)> Libraries(string assets)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(assets));
        if (!document.RootElement.TryGetProperty("libraries", out var libraries)) return [];
        return libraries.EnumerateObject().Select(l => (l.Name,
            l.Value.TryGetProperty("type", out var type) ? type.GetString() : null,
            l.Value.TryGetProperty("path", out var path) ? path.GetString() : null)).ToArray();
    }

    /// <summary>IMG5032 for each function that references projects outside its folder: their files are not watched nor keyed.</summary>
    public static IEnumerable<(string Code, string Message)> Warnings(ImageRequest request, string projectDirectory)
    {
        foreach (var item in request.Functions)
        {
            var project = Path.GetFullPath(Path.Combine(projectDirectory, item.ItemSpec.Trim()));
            var folder = Path.GetDirectoryName(project)! + Path.DirectorySeparatorChar;
            if (item.Get("AssetsFile") is not { } assets || !File.Exists(assets)) continue;
            var outside = Libraries(assets).Where(l => l.Type == "project" && l.Path is not null)
                .Select(l => Path.GetFullPath(Path.Combine(folder, l.Path!)))
                .Where(p => !p.StartsWith(folder, StringComparison.Ordinal)).ToArray();
            if (outside.Length > 0)
                yield return (ErrorCodes.FunctionReferencesOutside,
                    $"The ImageBuildFunction \"{item.ItemSpec.Trim()}\" references projects outside its folder ({string.Join(", ", outside)}): an edit of them does not rerun the function. " +
                    "Move them under the function's folder, or set ForceBuild=\"true\" on the item once after editing them.");
        }
    }

    static ImageTasksException Invalid(string message) => new(ErrorCodes.InvalidFunction, message);
}
