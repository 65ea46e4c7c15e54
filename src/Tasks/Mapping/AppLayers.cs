using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>
/// The app folder as layers that change at different rates, from the bottom: the .NET runtime (the runtime pack's
/// files of a self-contained app), the NuGet packages' files, then the app's own files. The targets classify the files
/// with the .NET SDK's publish items (RuntimePackAsset, NuGetPackageId) and pass the first two lists; every file they do
/// not list is the app's own, so a file the SDK says nothing about lands in the top layer. Each layer is a copy of the
/// same folder through a filter, so its key holds its own files' paths, modes and digests only: a code edit changes the
/// top layer's key alone, a package version the dependencies' and what is above.
/// </summary>
public static class AppLayers
{
    public const string RuntimeLayer = "runtime", DependenciesLayer = "dependencies", AppLayer = "app";

    /// <summary>The copy steps of the app folder with their kinds ("runtime", "dependencies", "app"), bottom first;
    /// a layer without files is left out, the app's own layer never.</summary>
    public static IReadOnlyList<(string Kind, CopyStep Step)> Of(string appDirectory, IReadOnlyList<ItemData> layerFiles, string destination)
    {
        var root = Path.GetFullPath(appDirectory);
        var runtime = new HashSet<string>(StringComparer.Ordinal);
        var dependencies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in layerFiles)
        {
            var path = RelativePathOf(item);
            var layer = item.Get("Layer")?.Trim().ToLowerInvariant();
            var set = layer switch
            {
                RuntimeLayer => runtime,
                DependenciesLayer => dependencies,
                _ => throw new ImageTasksException(ErrorCodes.InvalidAppLayer,
                    $"The app file \"{item.ItemSpec}\" has Layer \"{item.Get("Layer")}\". Use \"{RuntimeLayer}\" or \"{DependenciesLayer}\" (files listed in neither go to the app's own layer)."),
            };
            set.Add(path);
        }
        dependencies.ExceptWith(runtime);
        var layers = new List<(string, CopyStep)>();
        if (runtime.Count > 0) layers.Add((RuntimeLayer, Copy(root, new OnlyFilter(root, runtime), destination, ".NET runtime")));
        if (dependencies.Count > 0) layers.Add((DependenciesLayer, Copy(root, new OnlyFilter(root, dependencies), destination, "NuGet packages")));
        runtime.UnionWith(dependencies);
        layers.Add((AppLayer, Copy(root, runtime.Count > 0 ? new ExceptFilter(root, runtime) : null, destination, null)));
        return layers;
    }

    static CopyStep Copy(string root, ICopyFilter? filter, string destination, string? label) =>
        new([new CopySource(root) { Filter = filter }], destination) { Label = label };

    /// <summary>The item's path relative to the app folder, '/'-separated; refused when it is not one.</summary>
    static string RelativePathOf(ItemData item)
    {
        var path = item.ItemSpec.Trim().Replace('\\', '/');
        if (path.Length == 0 || path.StartsWith('/') || Path.IsPathRooted(path) || path.Split('/').Contains(".."))
            throw new ImageTasksException(ErrorCodes.InvalidAppLayer,
                $"The app file \"{item.ItemSpec}\" is not a path relative to the app folder. Give the file's path under the published app (\"Newtonsoft.Json.dll\", \"runtimes/linux-x64/native/libe_sqlite3.so\") without '..'.");
        return string.Join('/', path.Split('/').Where(s => s is not ("" or ".")));
    }

    static string Relative(string root, string hostPath)
    {
        var relative = Path.GetRelativePath(root, hostPath).Replace('\\', '/');
        return relative == "." ? "" : relative;
    }

    /// <summary>Keeps the listed files and the folders that hold them.</summary>
    sealed class OnlyFilter : ICopyFilter
    {
        readonly string _root;
        readonly HashSet<string> _kept;

        public OnlyFilter(string root, HashSet<string> files)
        {
            _root = root;
            _kept = new HashSet<string>(files, StringComparer.Ordinal);
            foreach (var file in files)
                for (var slash = file.LastIndexOf('/'); slash > 0; slash = file.LastIndexOf('/', slash - 1))
                    _kept.Add(file.Substring(0, slash));
        }

        public bool Excludes(string hostPath) => Relative(_root, hostPath) is var path && path.Length > 0 && !_kept.Contains(path);
        public bool MayReinclude(string hostFolder) => false;
    }

    /// <summary>Leaves out the listed files (the folders stay).</summary>
    sealed class ExceptFilter(string root, HashSet<string> files) : ICopyFilter
    {
        public bool Excludes(string hostPath) => files.Contains(Relative(root, hostPath));
        public bool MayReinclude(string hostFolder) => false;
    }
}
