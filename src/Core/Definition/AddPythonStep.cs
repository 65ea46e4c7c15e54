using System.Text.RegularExpressions;
using ImageTasks.Diagnostics;

namespace ImageTasks.Definition;

/// <summary>
/// Installs Python into a base that lacks it (Modal's add_python), before the other steps: the distribution's own
/// python3, pip and venv through apt (Debian and Ubuntu), which gives the one Python version each release ships
/// (<see cref="DebianPythons"/>). The base check refuses a base without apt or whose release ships another version (IMG4106).
/// </summary>
public sealed partial record AddPythonStep : BuildStep
{
    [GeneratedRegex(@"^3\.\d{1,2}$")]
    private static partial Regex PythonVersion();

    public AddPythonStep(string version)
    {
        Version = version.Trim();
        if (!PythonVersion().IsMatch(Version))
            throw new ImageTasksException(ErrorCodes.InvalidPythonVersion,
                $"The Python version \"{version}\" of ImageAddPython is not a major.minor Python 3 version. Give one such as \"3.11\" (the version the base's Debian or Ubuntu release ships).");
    }

    /// <summary>major.minor ("3.11").</summary>
    public string Version { get; }

    /// <summary>The Debian packages that make Python with pip and venv, and `python` naming it.</summary>
    public static IReadOnlyList<string> Packages { get; } = ["python3", "python3-pip", "python3-venv", "python-is-python3", "ca-certificates"];

    /// <summary>The python3 of each Debian and Ubuntu release (VERSION_CODENAME of /etc/os-release): the versions the apt route supports.</summary>
    public static IReadOnlyDictionary<string, string> DebianPythons { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bullseye"] = "3.9", ["bookworm"] = "3.11", ["trixie"] = "3.13",
        ["focal"] = "3.8", ["jammy"] = "3.10", ["noble"] = "3.12",
    };

    public override string Summary => "add python " + Version;
}
