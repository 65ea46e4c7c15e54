using ImageTasks.Definition;

namespace ImageTasks.Engine;

/// <summary>
/// The argv of the steps that run a fixed program (apt, pip, shell commands), and their secret files. User values are passed as separate arguments (to "$@" of a fixed script),
/// never pasted into a shell line; only the shell commands the user wrote as such are run by a shell.
/// </summary>
public static class StepCommands
{
    /// <summary>
    /// Download caches, mounted from named volumes during steps only (never part of a layer). pip's is mounted at
    /// /mnt, and a step's secrets at /run: folders every Debian-like image has (empty), because the engine creates a
    /// missing mount point in the container's own file system, and a commit would keep it in the layer as an empty
    /// folder. apt's caches are its own folders, which Debian-like images have too.
    /// </summary>
    public const string PipCacheDir = "/mnt";
    public const string AptArchivesDir = "/var/cache/apt/archives";
    public const string AptListsDir = "/var/lib/apt/lists";
    /// <summary>Where a step's secret files are, in a volume that exists for that step only (never committed).</summary>
    public const string SecretsDir = StepVolume.Directory;
    const string PipConfig = SecretsDir + "/pip.conf";

    // No package cache files (/var/cache/apt/*.bin, ~75 MB on bookworm): they would land in the layer.
    const string NoCacheFiles = "-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= ";

    static string AptInstall(bool keepDownloads) =>
        "apt-get update -qq " + NoCacheFiles + "&& " +
        "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 " + NoCacheFiles +
        $"-o APT::Keep-Downloaded-Packages={(keepDownloads ? "true" : "false")} \"$@\"";

    // With cache volumes, lists and downloads live in volumes and are kept for the next build; without, the layer
    // keeps neither: downloads are deleted by apt and the lists removed in the same step.
    static readonly string AptScriptWithVolumes = AptInstall(keepDownloads: true);
    static readonly string AptScript = AptInstall(keepDownloads: false) + " && rm -rf " + AptListsDir + "/*";

    /// <summary>The lock every build's apt step holds on the shared apt volumes (as BuildKit's sharing=locked): apt
    /// itself does not wait for its lists lock, so a second build's `apt-get update` would fail (exit 100).</summary>
    public const string AptVolumesLock = AptArchivesDir + "/imagetasks.lock";

    // sh -c LOCKED LOCK SCRIPT PACKAGE...: runs SCRIPT with the packages under flock(1) on LOCK (the kernel drops it when
    // the container dies, so a killed build never leaves it held); without flock (not a Debian-like base), unlocked.
    const string Locked =
        "lock=$0 script=$1; shift; " +
        "command -v flock >/dev/null 2>&1 || exec sh -c \"$script\" sh \"$@\"; " +
        "flock -n \"$lock\" true || echo \"waiting for another build's apt step (it holds the shared apt cache)\"; " +
        "exec flock \"$lock\" sh -c \"$script\" sh \"$@\"";

    const string ShellScript = "for c do sh -c \"$c\" || exit $?; done";

    /// <param name="cacheVolumes">Whether apt's lists and archives are mounted volumes during the step.</param>
    public static IReadOnlyList<string> Apt(AptStep apt, bool cacheVolumes = false) =>
    [
        .. AptArgv(cacheVolumes),
        .. apt.Packages.Select(p => p.Version is null ? p.Name : $"{p.Name}={p.Version}"),
    ];

    /// <summary>After Debian's python3 is installed: pip may install into the system (as in the official python images),
    /// and the version must be the one asked for (given through `env`, never pasted into the script).</summary>
    const string AfterPython =
        " && rm -f /usr/lib/python3*/EXTERNALLY-MANAGED" +
        " && have=$(python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])')" +
        " && { [ \"$have\" = \"$IMAGETASKS_PYTHON\" ] || { echo \"ImageAddPython: this base's apt installs Python $have, not $IMAGETASKS_PYTHON\" >&2; exit 1; }; }";

    /// <summary>ImageAddPython: apt-get install of Debian's python3, pip and venv (locked as apt steps are), then the checks above.</summary>
    public static IReadOnlyList<string> AddPython(AddPythonStep step, bool cacheVolumes = false) =>
    [
        "env", "IMAGETASKS_PYTHON=" + step.Version,
        .. AptArgv(cacheVolumes, AfterPython),
        .. AddPythonStep.Packages,
    ];

    /// <summary>The argv before the packages: apt's script (then <paramref name="then"/>), under the volumes' lock when they are mounted.</summary>
    static string[] AptArgv(bool cacheVolumes, string then = "") =>
        cacheVolumes ? ["sh", "-c", Locked, AptVolumesLock, AptScriptWithVolumes + then] : ["sh", "-c", AptScript + then, "sh"];

    public static IReadOnlyList<string> Shell(ShellStep shell) =>
        shell.Commands.Count == 1 ? ["sh", "-c", shell.Commands[0]] : ["sh", "-c", ShellScript, "sh", .. shell.Commands];

    public static IReadOnlyList<string> Pip(PipStep step) => PipInstall(step.Options, step.Packages.Select(p => p.Requirement));

    /// <summary>pip install -r FILE, run in the folder of FILE's copy in the step's volume (pip reads local package
    /// paths of a requirements file against its working directory).</summary>
    /// <param name="inputs">The step's planned files: the requirements file and what it pulls in.</param>
    public static IReadOnlyList<string> PipRequirements(PipRequirementsStep step, IReadOnlyList<Planning.FileEntry> inputs)
    {
        var file = inputs.First(e => e.HostPath == step.RequirementsFile).ImagePath;
        return ["sh", "-c", InFolder, file[..file.LastIndexOf('/')], .. PipInstall(step.Options, ["-r", file])];
    }

    /// <summary>sh -c INFOLDER FOLDER COMMAND...: runs COMMAND in FOLDER (a build container's working directory is the image's).</summary>
    const string InFolder = "cd \"$0\" && exec \"$@\"";

    static List<string> PipInstall(PipOptions o, IEnumerable<string> requirements)
    {
        // Settings for this run only: through `env`, since a container's environment would be committed into the image.
        // TMPDIR on the cache volume: pip stores into its cache by renaming from its temporary folder, which is atomic
        // (safe with concurrent builds on the same volume) only on the same file system (pypa/pip#13540).
        var argv = new List<string>
        {
            "env", "PIP_CACHE_DIR=" + PipCacheDir, "TMPDIR=" + PipCacheDir, "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_ROOT_USER_ACTION=ignore", "PIP_NO_INPUT=1",
        };
        var secret = HasSecretUrls(o);
        // URLs with credentials go to pip in a config file in the step's secrets volume, never on the command line
        // (the image history shows a step's command); the file is opened and deleted before pip starts (see ReadOnce).
        if (secret) argv.InsertRange(0, ["sh", "-c", ReadOnce, PipConfig]);
        argv.AddRange(["python", "-m", "pip", "install"]);
        if (!secret)
        {
            if (o.IndexUrl is not null) argv.AddRange(["--index-url", o.IndexUrl]);
            foreach (var url in o.ExtraIndexUrls) argv.AddRange(["--extra-index-url", url]);
            foreach (var link in o.FindLinks) argv.AddRange(["--find-links", link]);
        }
        if (o.Pre) argv.Add("--pre");
        argv.AddRange(o.ExtraOptions);
        argv.AddRange(requirements);
        return argv;
    }

    /// <summary>sh -c READONCE FILE COMMAND...: opens FILE as descriptor 9, deletes it, and runs COMMAND with
    /// PIP_CONFIG_FILE naming that descriptor: the secret is on the engine's disk only until the step's process starts,
    /// not for the whole step (nor after, when the build is killed and its container runs on). pip's own child
    /// processes (build isolation) do not inherit the descriptor and skip the missing file; pip gives them the index
    /// URLs as arguments. A high number, so a child's own first open file is not taken for it.</summary>
    const string ReadOnce = "exec 9<\"$0\" || exit 1; rm -f \"$0\"; PIP_CONFIG_FILE=/proc/self/fd/9 exec \"$@\"";

    static bool HasSecretUrls(PipOptions o) => o.ExtraIndexUrls.Concat(o.FindLinks).Append(o.IndexUrl).Any(UrlCredentials.Has);

    /// <summary>The secret files a pip step needs (name in <see cref="SecretsDir"/> -> content); null when none.</summary>
    public static StepSecrets? PipSecrets(PipStep step) => PipSecrets(step.Options, []);

    /// <summary>The files of a pip step's volume: pip.conf when an index URL has credentials, and the step's inputs
    /// (the planned files: requirements files, local packages), each at its path under <see cref="SecretsDir"/>; null when none.</summary>
    public static StepSecrets? PipSecrets(PipOptions o, IReadOnlyList<Planning.FileEntry> inputs)
    {
        var hostFiles = InputFiles(inputs);
        if (!HasSecretUrls(o)) return hostFiles.Length == 0 ? null : new StepSecrets(SecretsDir, new Dictionary<string, string>()) { HostFiles = hostFiles };
        var lines = new List<string> { "[global]" };
        if (o.IndexUrl is not null) lines.Add("index-url = " + o.IndexUrl);
        if (o.ExtraIndexUrls.Count > 0) lines.Add("extra-index-url = " + string.Join(" ", o.ExtraIndexUrls));
        if (o.FindLinks.Count > 0) lines.Add("find-links = " + string.Join(" ", o.FindLinks));
        var parts = o.ExtraIndexUrls.Concat(o.FindLinks).Append(o.IndexUrl).SelectMany(UrlCredentials.SecretParts).Distinct().ToArray();
        return new StepSecrets(SecretsDir, new Dictionary<string, string> { ["pip.conf"] = string.Join("\n", lines) + "\n" }) { Masked = parts, HostFiles = hostFiles };
    }

    /// <summary>A step's planned input files, each at its path relative to the step's volume -> its host path.</summary>
    static KeyValuePair<string, string>[] InputFiles(IReadOnlyList<Planning.FileEntry> inputs) =>
        inputs.Where(e => !e.IsDirectory).Select(e => KeyValuePair.Create(e.ImagePath[(SecretsDir.Length + 1)..], e.HostPath!)).ToArray();

    /// <summary>micromamba's package cache: the conda cache volume, mounted where pip's is (a step has one or the
    /// other); without cache volumes a folder removed in the same step, so no layer keeps the downloads.</summary>
    public const string CondaPackagesDir = "/mnt";
    const string CondaPackagesWithoutVolume = "/tmp/imagetasks-conda-pkgs";
    const string CondaConfig = SecretsDir + "/mambarc";

    /// <summary>sh -c CONDA PKGS RC MICROMAMBA...: with RC a file (not "-"), opens it as descriptor 9 and deletes it
    /// before micromamba starts (as pip's config, <see cref="ReadOnce"/>); runs micromamba with its package cache in
    /// PKGS, which is removed after unless it is the cache volume. A fixed script: every value is an argument.</summary>
    const string CondaScript =
        "pkgs=$0 rc=$1; shift; if [ \"$rc\" != - ]; then exec 9<\"$rc\" || exit 1; rm -f \"$rc\"; fi; " +
        "CONDA_PKGS_DIRS=$pkgs \"$@\"; s=$?; [ \"$pkgs\" = " + CondaPackagesDir + " ] || rm -rf \"$pkgs\"; exit $s";

    /// <summary>micromamba install -y -n base: channels in their order with -c, or, when one carries a token, all of
    /// them in a configuration file read through descriptor 9 (--rc-file), so no token is on the command line (the image
    /// history shows it); the spec file from the step's volume (-f); the package specs, one argument each.</summary>
    public static IReadOnlyList<string> Conda(CondaStep step, IReadOnlyList<Planning.FileEntry> inputs, bool cacheVolumes = false)
    {
        var secret = step.Channels.Any(CondaChannels.HasCredentials);
        var argv = new List<string>
        {
            "sh", "-c", CondaScript, cacheVolumes ? CondaPackagesDir : CondaPackagesWithoutVolume, secret ? CondaConfig : "-",
            "micromamba", "install", "-y", "-n", "base",
        };
        if (secret) argv.AddRange(["--rc-file", "/proc/self/fd/9"]);
        else foreach (var channel in step.Channels) argv.AddRange(["-c", channel]);
        if (step.SpecFile is not null) argv.AddRange(["-f", inputs.First(e => e.HostPath == step.SpecFile).ImagePath]);
        argv.AddRange(step.Packages.Select(p => p.Argument));
        return argv;
    }

    /// <summary>The files of a conda step's volume: the spec file, and micromamba's configuration with the channels when
    /// one has a token (their secret parts masked in the output); null when none.</summary>
    public static StepSecrets? CondaSecrets(CondaStep step, IReadOnlyList<Planning.FileEntry> inputs)
    {
        var hostFiles = InputFiles(inputs);
        if (!step.Channels.Any(CondaChannels.HasCredentials))
            return hostFiles.Length == 0 ? null : new StepSecrets(SecretsDir, new Dictionary<string, string>()) { HostFiles = hostFiles };
        // YAML double-quoted scalars: a channel has no quote or backslash (CondaChannels.Check)
        var rc = "channels:\n" + string.Concat(step.Channels.Select(c => "  - \"" + c + "\"\n"));
        return new StepSecrets(SecretsDir, new Dictionary<string, string> { [CondaConfig[(SecretsDir.Length + 1)..]] = rc })
        {
            Masked = step.Channels.SelectMany(CondaChannels.SecretParts).Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Length).ToArray(),
            HostFiles = hostFiles,
        };
    }
}
