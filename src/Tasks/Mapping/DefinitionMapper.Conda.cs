using ImageTasks.Definition;
using ImageTasks.Diagnostics;
using ImageTasks.Tasks.Protocol;

namespace ImageTasks.Tasks.Mapping;

/// <summary>conda / micromamba items (Modal's micromamba_install): CondaPackage items make one step per group (as pip
/// packages do), each CondaSpecFile one step, after them; all take the channels of ImageCondaChannels (or of the variable
/// IMAGETASKS_CONDA_CHANNELS, which wins and keeps tokens out of binlogs). And the default base's parity with Modal's
/// debian_slim: its Python versions, and its compilers on request.</summary>
public static partial class DefinitionMapper
{
    public const int CondaOrder = 150;

    /// <summary>The Python versions of Modal's debian_slim, which the default base (python:X.Y-slim-bookworm) follows.</summary>
    public static IReadOnlyList<string> SupportedPythonVersions { get; } = ["3.10", "3.11", "3.12", "3.13", "3.14"];

    /// <summary>The compilers Modal's debian_slim installs (ImagePythonBuildTools), for packages built from sdists.</summary>
    public static IReadOnlyList<string> PythonBuildTools { get; } = ["build-essential", "gcc", "gfortran"];

    private const int AfterCondaPackages = 1_000_000;

    private static IEnumerable<Group> CondaGroups(Context context)
    {
        var request = context.Request;
        var channels = CondaChannelsOf(request);
        var files = 0;
        // with apt's rank, after its items at an equal Order; spec files after the packages, each in project order
        return GroupItems(context, request.CondaPackages, "conda", 0, CondaOrder, _ => "", items =>
                new CondaStep(items.Select(i => CondaPackage.Create(i.ItemSpec, i.Get("Version"), i.Get("Channel"))), channels))
            .Select(g => g with { FirstIndex = g.FirstIndex + AfterCondaPackages })
            .Concat(GroupItems(context, request.CondaSpecFiles, "conda", 0, CondaOrder, _ => "spec" + files++, items =>
                    new CondaStep([], channels, FullPath(context, items[0])))
                .Select(g => g with { FirstIndex = g.FirstIndex + 2 * AfterCondaPackages }));
    }

    /// <summary>IMAGETASKS_CONDA_CHANNELS, else ImageCondaChannels: ordered, separated by ';' or white space.</summary>
    public static IReadOnlyList<string> CondaChannelsOf(ImageRequest request) =>
        List(Blank(Environment.GetEnvironmentVariable(CondaChannels.ChannelsVariable)) ?? request.CondaChannels);

    /// <summary>ImagePythonBuildTools=true: Modal's compilers as an apt step before the other steps (after ImageAddPython).</summary>
    private static void BuildToolsFirst(ImageRequest request, List<BuildStep> steps, List<string> kinds)
    {
        if (ParseBool("ImagePythonBuildTools", request.PythonBuildTools) != true) return;
        steps.Insert(0, new AptStep(PythonBuildTools.Select(p => new AptPackage(p))));
        kinds.Insert(0, "apt");
    }

    /// <summary>ImagePythonVersion, when the default base is used: one of Modal's debian_slim versions (IMG1049).</summary>
    private static string DefaultBasePythonVersion(ImageRequest request)
    {
        var version = Blank(request.PythonVersion)?.Trim() ?? DefaultPythonVersion;
        return SupportedPythonVersions.Contains(version, StringComparer.Ordinal) ? version
            : throw new ImageTasksException(ErrorCodes.UnsupportedPythonVersion,
                $"ImagePythonVersion \"{version}\" is not a Python version of the default base image: it supports {string.Join(", ", SupportedPythonVersions)} " +
                $"(as Modal's debian_slim does; the base is python:X.Y-slim-bookworm). Set ImagePythonVersion to one of them, or give ContainerBaseImage for another Python.");
    }
}
