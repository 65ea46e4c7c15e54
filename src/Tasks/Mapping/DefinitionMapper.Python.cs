using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>Python items beyond plain packages: every PEP 508 form in PipPackage, PipRequirements (requirements files)
/// and PipProject (pyproject.toml dependencies). Each file item is one step, ordered with the pip packages.</summary>
public static partial class DefinitionMapper
{
    /// <summary>
    /// A PipPackage item: a PEP 508 requirement in its Include (name, extras, specifier, "@ URL", "; marker": MSBuild
    /// splits an Include at ';', so escape it as %3B or use the Marker metadata), or the path of a wheel or sdist on the
    /// host. Version, Url and Marker metadata add to a bare name.
    /// </summary>
    private static PipPackage PipPackageOf(Context context, ItemData item)
    {
        var spec = item.ItemSpec.Trim();
        var marker = item.Get("Marker")?.Trim();
        if (Pep508.IsLocalPath(spec))
            return Pep508.LocalFile(Path.GetFullPath(Path.Combine(context.ProjectDirectory, spec.Split(';')[0].Trim())),
                marker ?? (spec.Contains(';') ? spec[(spec.IndexOf(';') + 1)..] : null));
        var (version, url) = (item.Get("Version")?.Trim(), item.Get("Url")?.Trim());
        var parsed = Pep508.Parse(spec);
        if ((version is not null || url is not null || marker is not null) && parsed.Requirement != parsed.Name)
            throw InvalidValue($"Version, Url or Marker of PipPackage \"{spec}\"", version ?? url ?? marker!,
                "either a bare name in Include with Version, Url and Marker metadata, or the whole requirement in Include (\"name>=1.0%3B python_version < '3.12'\")");
        if (version is null && url is null && marker is null) return parsed;
        var text = parsed.Name + (url is not null ? " @ " + url + " " : Validation.ToPep440(version) ?? "") + (marker is null ? "" : "; " + marker);
        return Pep508.Parse(text);
    }

    private static IEnumerable<Group> PythonFileGroups(Context context)
    {
        var request = context.Request;
        // one step per file: a unique group key each
        var requirements = 0;
        var projects = 0;
        // at the same Order: pip packages, then requirements files, then pyproject files, each in project order
        return GroupItems(context, request.PipRequirements, "pip", 1, PipOrder, _ => "requirements" + requirements++, items =>
                new PipRequirementsStep(FullPath(context, items[0]), PipOptionsOf(context, items[0]).Options))
            .Select(g => g with { FirstIndex = g.FirstIndex + AfterPipPackages })
            .Concat(GroupItems(context, request.PipProjects, "pip", 1, PipOrder, _ => "project" + projects++, items => PipProjectStepOf(context, items[0]))
                .Select(g => g with { FirstIndex = g.FirstIndex + 2 * AfterPipPackages }));
    }

    /// <summary>ImageAddPython (Modal's add_python): a step that installs Python before every other step.</summary>
    private static void AddPythonFirst(ImageRequest request, List<BuildStep> steps, List<string> kinds)
    {
        if (string.IsNullOrWhiteSpace(request.AddPython)) return;
        steps.Insert(0, new AddPythonStep(request.AddPython!));
        kinds.Insert(0, "python");
    }

    private const int AfterPipPackages = 1_000_000;

    private static string FullPath(Context context, ItemData item) => Path.GetFullPath(Path.Combine(context.ProjectDirectory, item.ItemSpec.Trim()));

    private static PipStep PipProjectStepOf(Context context, ItemData item)
    {
        var path = FullPath(context, item);
        var groups = List(item.Get("OptionalDependencies"));
        var packages = PyProject.Requirements(path, groups);
        if (packages.Count == 0)
            throw new ImageTasksException(ErrorCodes.NoPipRequirements,
                $"The pyproject file \"{path}\" declares no dependencies{(groups.Count == 0 ? "" : " in [project] dependencies nor in the groups " + string.Join(", ", groups))}, so PipProject has nothing to install. " +
                "Add dependencies to [project], name groups in OptionalDependencies, or remove the item.");
        return new PipStep(packages, PipOptionsOf(context, item).Options);
    }
}
