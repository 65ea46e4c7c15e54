using ImageTasks.Diagnostics;
using Tomlyn;
using Tomlyn.Model;

namespace ImageTasks.Definition;

/// <summary>
/// The dependencies a pyproject.toml declares (Modal's pip_install_from_pyproject): <c>[project] dependencies</c> and
/// the chosen <c>[project.optional-dependencies]</c> groups, each a PEP 508 requirement, checked as PipPackage's.
/// The project itself is not installed.
/// </summary>
public static class PyProject
{
    /// <summary>The requirements of <paramref name="path"/>'s dependencies and <paramref name="groups"/>, in file order,
    /// each once. IMG1041 for a file that is not TOML or not a pyproject, IMG1042 for a group it does not have.</summary>
    public static IReadOnlyList<PipPackage> Requirements(string path, IReadOnlyList<string> groups)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageTasksException(ErrorCodes.InvalidPyProject, $"The pyproject file \"{path}\" cannot be read ({e.Message}). Give the path of a readable pyproject.toml.");
        }
        TomlTable document;
        try { document = TomlSerializer.Deserialize<TomlTable>(text) ?? new TomlTable(); }
        catch (TomlException e)
        {
            throw new ImageTasksException(ErrorCodes.InvalidPyProject, $"The pyproject file \"{path}\" is not valid TOML: {e.Message}. Fix the file (pip and build tools would refuse it too).");
        }
        if (!document.TryGetValue("project", out var projectValue) || projectValue is not TomlTable project)
            throw new ImageTasksException(ErrorCodes.InvalidPyProject, $"The pyproject file \"{path}\" has no [project] table, so it declares no dependencies (PEP 621). " +
                "Add a [project] table with dependencies, or install the packages with PipPackage or PipRequirements.");

        var requirements = new List<string>(Strings(project, "dependencies", path, "[project] dependencies"));
        var optional = project.TryGetValue("optional-dependencies", out var o) ? o as TomlTable : null;
        foreach (var group in groups)
        {
            var found = optional?.Keys.FirstOrDefault(k => Validation.NormalizePipName(k) == Validation.NormalizePipName(group));
            if (found is null)
                throw new ImageTasksException(ErrorCodes.UnknownOptionalDependencies,
                    $"The pyproject file \"{path}\" has no optional dependency group \"{group}\"; it has {(optional is null || optional.Count == 0 ? "none" : string.Join(", ", optional.Keys.Select(k => $"\"{k}\"")))}. " +
                    "Name one of those in OptionalDependencies, or add the group to [project.optional-dependencies].");
            requirements.AddRange(Strings(optional!, found, path, $"[project.optional-dependencies] {found}"));
        }
        return requirements.Distinct(StringComparer.Ordinal).Select(Pep508.Parse).ToList();
    }

    private static IEnumerable<string> Strings(TomlTable table, string key, string path, string what)
    {
        if (!table.TryGetValue(key, out var value)) return [];
        if (value is TomlArray array && array.All(v => v is string)) return array.Cast<string>();
        throw new ImageTasksException(ErrorCodes.InvalidPyProject, $"{what} in \"{path}\" is not an array of requirement strings. Write it as [\"requests>=2\", \"numpy\"].");
    }
}
