using ImageTasks.Definition;
using ImageTasks.Diagnostics;

namespace ImageTasks.Engine;

/// <summary>
/// Checks, before the steps that need them run, that the base image (after its setup steps) can run them: its
/// platform, Python 3.7+ with pip for pip steps, apt-get for apt steps. A passed check is remembered per image id
/// (a marker file), so later builds do not run it again.
/// </summary>
public sealed class BaseImageCheck(IImageBackend backend, string? stateDirectory)
{
    static readonly Version MinimumPython = new(3, 7);

    const string PythonFix = "RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python-is-python3";

    // A fixed script: no user value in it. Prints which other package manager the image has, if any.
    const string AptProbe = "command -v apt-get >/dev/null && exit 0; for m in apk dnf microdnf yum zypper pacman; do " +
                            "command -v $m >/dev/null && echo $m && exit 1; done; exit 1";

    public async Task CheckAsync(ImageInfo image, string description, ImageDefinition definition, string platform, IBuildLog log,
        CancellationToken cancellationToken)
    {
        var needsPip = definition.Steps.Skip(definition.SetupStepCount).Any(s => s is PipStep or PipRequirementsStep);
        var needsApt = definition.Steps.Skip(definition.SetupStepCount).Any(s => s is AptStep);
        var needsConda = definition.Steps.Skip(definition.SetupStepCount).Any(s => s is CondaStep);
        var addPython = definition.Steps.Skip(definition.SetupStepCount).OfType<AddPythonStep>().FirstOrDefault();
        var apt = definition.Steps.OfType<AptStep>().SelectMany(a => a.Packages).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var gitReference = apt.Contains("git") ? null : definition.Steps.Skip(definition.SetupStepCount).OfType<PipStep>()
            .SelectMany(p => p.Packages).FirstOrDefault(p => p.Url?.StartsWith("git+", StringComparison.Ordinal) == true);
        var checks = string.Join("+", new[] { platform, needsPip ? "python" : null, needsApt ? "apt" : null, addPython is null ? null : "add-python-" + addPython.Version, gitReference is null ? null : "git", needsConda ? "micromamba" : null }.OfType<string>());
        var marker = stateDirectory is null ? null
            : Path.Combine(stateDirectory, "checked-bases", image.Id.Replace("sha256:", "", StringComparison.Ordinal) + "." + checks.Replace('/', '-'));
        if (marker is not null && File.Exists(marker)) return;

        var actual = $"{image.Os}/{image.Architecture}";
        if (!string.Equals(actual, platform, StringComparison.OrdinalIgnoreCase))
            throw new ImageTasksException(ErrorCodes.BasePlatformMismatch,
                $"The base image '{description}' is {actual}, but the image is built for {platform}. " +
                $"Choose a base image (or tag) for {platform}, or set the platform to {actual} if that is what you want to run.");
        if (needsApt) await CheckAptAsync(image, description, cancellationToken).ConfigureAwait(false);
        // An apt step that installs Python itself makes the Python check moot at this point.
        if (addPython is not null) await CheckAddPythonAsync(image, description, addPython, cancellationToken).ConfigureAwait(false);
        // so does a conda step that installs python (or a spec file, which may)
        var condaPython = definition.Steps.OfType<CondaStep>().Any(c => c.SpecFile is not null || c.Packages.Any(p => CondaChannels.NameOf(p.Spec) == "python"));
        if (needsPip && addPython is null && !condaPython && !definition.Steps.OfType<AptStep>().Any(a => a.Packages.Any(p => p.Name.StartsWith("python3", StringComparison.Ordinal))))
            await CheckPythonAsync(image, description, cancellationToken).ConfigureAwait(false);

        if (needsConda) await CheckMicromambaAsync(image, description, cancellationToken).ConfigureAwait(false);
        if (gitReference is not null) await CheckGitAsync(image, description, gitReference, cancellationToken).ConfigureAwait(false);

        log.Info($"Checked the base image {description}: {checks}");
        if (marker is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O"), cancellationToken).ConfigureAwait(false);
        }
    }

    async Task CheckPythonAsync(ImageInfo image, string description, CancellationToken cancellationToken)
    {
        var python = await ProbeAsync(image, ["python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], cancellationToken).ConfigureAwait(false);
        if (python.ExitCode != 0)
            throw new ImageTasksException(ErrorCodes.BaseLacksPython,
                $"The base image '{description}' has no working 'python' (exit code {python.ExitCode}{Tail(python)}), and pip steps need Python 3.7 or newer with pip. " +
                $"Use a Python base image, or add setup commands that install it, for example: {PythonFix}");
        if (!Version.TryParse(python.Output.LastOrDefault()?.Trim(), out var version) || version < MinimumPython)
            throw new ImageTasksException(ErrorCodes.BasePythonTooOld,
                $"The base image '{description}' has Python {python.Output.LastOrDefault()}; pip steps need 3.7 or newer. Use a newer Python base image.");
        var pip = await ProbeAsync(image, ["python", "-m", "pip", "--version"], cancellationToken).ConfigureAwait(false);
        if (pip.ExitCode != 0)
            throw new ImageTasksException(ErrorCodes.BaseLacksPip,
                $"The base image '{description}' has Python {version} but 'python -m pip' does not work (exit code {pip.ExitCode}{Tail(pip)}). " +
                $"Add setup commands that install pip, for example: {PythonFix}");
    }

    async Task CheckAptAsync(ImageInfo image, string description, CancellationToken cancellationToken)
    {
        var apt = await ProbeAsync(image, ["sh", "-c", AptProbe], cancellationToken).ConfigureAwait(false);
        if (apt.ExitCode == 0) return;
        var other = apt.Output.LastOrDefault()?.Trim();
        throw new ImageTasksException(ErrorCodes.BaseLacksApt,
            $"The base image '{description}' has no apt-get, which apt package steps need" +
            (string.IsNullOrEmpty(other) ? " (and no other package manager was found)." : $"; it seems to use '{other}' instead.") +
            " Use a Debian or Ubuntu based image, or install the packages with shell commands for the image's own package manager.");
    }

    async Task CheckGitAsync(ImageInfo image, string description, PipPackage reference, CancellationToken cancellationToken)
    {
        var git = await ProbeAsync(image, ["git", "--version"], cancellationToken).ConfigureAwait(false);
        if (git.ExitCode != 0)
            throw new ImageTasksException(ErrorCodes.BaseLacksGit,
                $"The pip requirement \"{reference.Requirement}\" is a git reference, and the base image '{description}' has no git for pip to fetch it with " +
                $"(exit code {git.ExitCode}{Tail(git)}). Add <AptPackage Include=\"git\" /> (it runs before the pip steps), use a base with git, or give a wheel URL instead.");
    }

    async Task CheckMicromambaAsync(ImageInfo image, string description, CancellationToken cancellationToken)
    {
        var micromamba = await ProbeAsync(image, ["micromamba", "--version"], cancellationToken).ConfigureAwait(false);
        if (micromamba.ExitCode != 0)
            throw new ImageTasksException(ErrorCodes.BaseLacksMicromamba,
                $"The base image '{description}' has no working 'micromamba' on its PATH (exit code {micromamba.ExitCode}{Tail(micromamba)}), which CondaPackage and CondaSpecFile steps run " +
                "(micromamba install -n base). Use a base with micromamba and a base environment (MAMBA_ROOT_PREFIX), such as mambaorg/micromamba, or install it with ImageSetupCommand.");
    }

    // A fixed script: the release's codename, or nothing.
    const string ReleaseProbe = ". /etc/os-release 2>/dev/null; echo \"${VERSION_CODENAME:-}\"";

    /// <summary>ImageAddPython's route: apt-get, and a release whose python3 is the version asked for (a release this
    /// table does not know is let through: the step itself checks the version it installed).</summary>
    async Task CheckAddPythonAsync(ImageInfo image, string description, AddPythonStep step, CancellationToken cancellationToken)
    {
        var apt = await ProbeAsync(image, ["sh", "-c", AptProbe], cancellationToken).ConfigureAwait(false);
        var routes = string.Join(", ", AddPythonStep.DebianPythons.Select(r => $"{r.Key} {r.Value}"));
        if (apt.ExitCode != 0)
            throw new ImageTasksException(ErrorCodes.BaseCannotAddPython,
                $"ImageAddPython=\"{step.Version}\" cannot install Python into the base image '{description}': it has no apt-get" +
                (apt.Output.LastOrDefault()?.Trim() is { Length: > 0 } other ? $" (it seems to use '{other}')" : "") +
                $", and Debian's or Ubuntu's python3 through apt is the one route ImageAddPython has ({routes}). " +
                "Use a Python base image (python:X-slim), a Debian or Ubuntu base, or install Python with ImageSetupCommand for this base's package manager.");
        var release = (await ProbeAsync(image, ["sh", "-c", ReleaseProbe], cancellationToken).ConfigureAwait(false)).Output.LastOrDefault()?.Trim() ?? "";
        if (AddPythonStep.DebianPythons.TryGetValue(release, out var ships) && ships != step.Version)
            throw new ImageTasksException(ErrorCodes.BaseCannotAddPython,
                $"ImageAddPython=\"{step.Version}\" cannot be installed into the base image '{description}': its release ({release}) ships Python {ships} through apt, " +
                $"and that is the one version apt installs there ({routes}). Set ImageAddPython to \"{ships}\", choose a base of a release that ships {step.Version}, " +
                $"or use the Python base image python:{step.Version}-slim.");
    }

    async Task<ProbeResult> ProbeAsync(ImageInfo image, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        try { return await backend.ProbeAsync(image.Id, command, cancellationToken).ConfigureAwait(false); }
        catch (ImageTasksException e) when (e.Code == ErrorCodes.EngineError)
        {
            // e.g. an image without the program at all: the engine refuses to start the container (a lost
            // connection, IMG4001, is not the image's fault and goes on as it is)
            return new ProbeResult(127, [e.InnerException?.Message ?? e.Message]);
        }
    }

    static string Tail(ProbeResult r) => r.Output.Count == 0 ? "" : ": " + r.Output[^1];
}
