namespace ImageTasks.Definition;

/// <summary>One step of an image; each step becomes exactly one layer.</summary>
public abstract partial record BuildStep
{
    /// <summary>Rebuild this step (and so every step after it) even when its layer exists.</summary>
    public bool Force { get; init; }

    /// <summary>A short, human summary for the build log ("pip install pandas numpy").</summary>
    public abstract string Summary { get; }
}

/// <summary>A Debian package, optionally pinned (<c>apt-get install name=version</c>).</summary>
public sealed record AptPackage(string Name, string? Version = null);

/// <summary>apt-get update + apt-get install -y of a set of packages, apt lists removed in the same layer.</summary>
public sealed record AptStep : BuildStep
{
    public AptStep(IEnumerable<AptPackage> packages)
    {
        Packages = packages.ToArray();
        foreach (var p in Packages) Validation.CheckAptPackage(p);
    }

    public IReadOnlyList<AptPackage> Packages { get; }
    public override string Summary => "apt-get install " + string.Join(" ", Packages.Select(p => p.Version is null ? p.Name : $"{p.Name}={p.Version}"));
}

/// <summary>
/// A pip requirement. <see cref="Specifier"/> is always a normalized PEP 440 specifier set (<c>&gt;=2.0,&lt;3.0</c>):
/// the constructor translates what the user gave (a bare version, a NuGet range such as <c>[2.0,3.0)</c>) with
/// <see cref="Validation.ToPep440"/>, so a bad version fails here with IMG1002.
/// </summary>
public sealed record PipPackage(string Name, string? Specifier = null)
{
    public string? Specifier { get; init; } = Validation.ToPep440(Specifier);

    /// <summary>A checked package from a user's name and version text (any form <see cref="Validation.ToPep440"/> reads).</summary>
    public static PipPackage Create(string name, string? version = null)
    {
        var package = new PipPackage(name, version);
        Validation.CheckPipPackage(package);
        return package;
    }

    /// <summary>The name normalized as PEP 503 says (runs of - _ . become -, lowercase): "Foo_Bar" -> "foo-bar".</summary>
    public string NormalizedName => Validation.NormalizePipName(Name);

    /// <summary>A PEP 508 environment marker in <see cref="Pep508.NormalizeMarker"/>'s form (python_version &lt; "3.12"); null: none.</summary>
    public string? Marker { get; init; }

    /// <summary>A direct reference (<c>name @ https://...</c>); null: the package comes from an index.</summary>
    public string? Url { get; init; }

    /// <summary>A wheel or sdist on the host (absolute path), hashed into the key and mounted into the step; null: none.</summary>
    public string? LocalPath { get; init; }

    /// <summary>What pip gets, as one argument: "name[extras]specifier", "name @ url ; marker", or a local file's path
    /// in the step's inputs volume.</summary>
    public string Requirement => (LocalPath is not null ? StepVolume.LocalPackagePath(LocalPath) + (Marker is null ? "" : " ")
            : Url is not null ? Name + " @ " + Url + (Marker is null ? "" : " ") : Name + (Specifier ?? ""))
        + (Marker is null ? "" : "; " + Marker);
}

/// <summary>pip's options for one step. Lists keep their order (pip tries indexes in order).</summary>
public sealed record PipOptions
{
    public string? IndexUrl { get; init; }
    public IReadOnlyList<string> ExtraIndexUrls { get; init; } = [];
    public IReadOnlyList<string> FindLinks { get; init; } = [];
    public bool Pre { get; init; }
    /// <summary>Further arguments for pip install, each one argument (never split by a shell).</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
}

/// <summary><c>python -m pip install</c> of a set of requirements.</summary>
public sealed record PipStep : BuildStep
{
    public PipStep(IEnumerable<PipPackage> packages, PipOptions? options = null)
    {
        Packages = packages.ToArray();
        Options = options ?? new PipOptions();
        foreach (var p in Packages) Validation.CheckPipPackage(p);
        Validation.CheckPipOptions(Options);
    }

    public IReadOnlyList<PipPackage> Packages { get; }
    public PipOptions Options { get; }
    public override string Summary => "pip install " + string.Join(" ", Packages.Select(p => p.Requirement));
}

/// <summary>Shell commands the user wrote, run one after another with <c>sh -c</c>, all in one layer.</summary>
public sealed record ShellStep : BuildStep
{
    public ShellStep(IEnumerable<string> commands)
    {
        Commands = commands.ToArray();
        if (Commands.Count == 0 || Commands.Any(string.IsNullOrWhiteSpace))
            throw new Diagnostics.ImageTasksException(Diagnostics.ErrorCodes.EmptyCommand,
                "A shell command is empty. Give every command item some text to run, or remove it.");
    }

    public IReadOnlyList<string> Commands { get; }
    public override string Summary => "run " + string.Join(" && ", Commands);
}

/// <summary>
/// A command run as an argument vector, without a shell (a Dockerfile's exec-form RUN; a shell-form RUN becomes
/// ["/bin/sh", "-c", text] or the image's SHELL).
/// </summary>
public sealed record RunStep : BuildStep
{
    public RunStep(IEnumerable<string> command)
    {
        Command = command.ToArray();
        if (Command.Count == 0 || string.IsNullOrWhiteSpace(Command[0]))
            throw new Diagnostics.ImageTasksException(Diagnostics.ErrorCodes.EmptyCommand,
                "A RUN command is empty. Give it a program to run (RUN [\"python\", \"-V\"] or RUN python -V), or remove it.");
    }

    public IReadOnlyList<string> Command { get; }
    public override string Summary => "run " + string.Join(" ", Command);

    /// <summary>Variables set for the command only, never kept in the image (a Dockerfile's ARG values).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];
    /// <summary>Folders kept between builds in named volumes, mounted for the command only (RUN --mount=type=cache):
    /// volume id -> absolute path in the container.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> CacheMounts { get; init; } = [];
    /// <summary>The command's network ("none", "host"); null: the build's.</summary>
    public string? Network { get; init; }
}

/// <summary>A file or folder on the host, and where it lands under the step's destination.</summary>
/// <param name="HostPath">Absolute path of a file or folder on the host.</param>
/// <param name="TargetName">Name under the destination folder; null: the destination itself is the target
/// (a folder's contents are copied into it, a file is written to it).</param>
public sealed record CopySource(string HostPath, string? TargetName = null)
{
    /// <summary>For a folder: which entries under it (the folder itself included) are left out; null: none.</summary>
    public ICopyFilter? Filter { get; init; }
}

/// <summary>Files and folders copied from the host into the image.</summary>
public sealed record CopyStep : BuildStep
{
    public CopyStep(IEnumerable<CopySource> sources, string destination, string? mode = null, string? owner = null)
    {
        Sources = sources.ToArray();
        Destination = destination;
        Mode = mode;
        Owner = owner;
        Validation.CheckCopy(this);
    }

    public IReadOnlyList<CopySource> Sources { get; }
    /// <summary>Absolute path in the image (a folder when several sources or a folder are copied).</summary>
    public string Destination { get; }
    /// <summary>Octal permission bits for every file copied ("0644"); null keeps the host's.</summary>
    public string? Mode { get; }
    /// <summary>Owner of every entry copied, user[:group], each numeric ("1000:1000") or a name ("app"); null: root.</summary>
    public string? Owner { get; }
    /// <summary>Dockerfile semantics for one file copied to a destination without a trailing '/': when the destination is a
    /// folder in the parent image (decided when the step runs), the file goes into it under this name, the source's
    /// name as written (a symbolic link's own name, not its target's). Part of the layer key; null: not such a copy.</summary>
    public string? IntoExistingFolderAs { get; init; }
    /// <summary>What the log calls the sources (".NET runtime"); null: their names. Not part of the layer key.</summary>
    public string? Label { get; init; }
    public override string Summary => $"copy {Label ?? string.Join(" ", Sources.Select(s => Path.GetFileName(s.HostPath.TrimEnd('/', '\\'))))} -> {Destination}";
}

/// <summary>
/// Image configuration. Each property left null (or empty) keeps what the parent image has. Applied by committing,
/// without running anything; later steps run with it (environment, working directory, user).
/// </summary>
public sealed record ConfigStep : BuildStep
{
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public string? User { get; init; }
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];
    /// <summary>"8080/tcp", "53/udp".</summary>
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
    /// <summary>Mount points ("/data") added to the image's volumes.</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public string? StopSignal { get; init; }
    public Healthcheck? Healthcheck { get; init; }
    /// <summary>The shell of later shell-form commands (a Dockerfile's SHELL), e.g. ["/bin/bash", "-c"].</summary>
    public IReadOnlyList<string>? Shell { get; init; }
    /// <summary>A label set to the time this step is built (the org.opencontainers.image.created label without
    /// SOURCE_DATE_EPOCH): keyed by its name only, so a cached step keeps the time it was first built.</summary>
    public string? StampedLabel { get; init; }

    public override string Summary
    {
        get
        {
            var parts = new List<string>();
            if (Environment.Count > 0) parts.Add("env " + string.Join(" ", Environment.Select(e => e.Key)));
            if (WorkingDirectory is not null) parts.Add("workdir " + WorkingDirectory);
            if (User is not null) parts.Add("user " + User);
            if (Entrypoint is not null) parts.Add("entrypoint " + string.Join(" ", Entrypoint));
            if (Command is not null) parts.Add("cmd " + string.Join(" ", Command));
            if (Labels.Count > 0) parts.Add("labels " + string.Join(" ", Labels.Select(l => l.Key)));
            if (ExposedPorts.Count > 0) parts.Add("expose " + string.Join(" ", ExposedPorts));
            if (Volumes.Count > 0) parts.Add("volume " + string.Join(" ", Volumes));
            if (StopSignal is not null) parts.Add("stopsignal " + StopSignal);
            if (Healthcheck is not null) parts.Add("healthcheck " + string.Join(" ", Healthcheck.Test));
            if (Shell is not null) parts.Add("shell " + string.Join(" ", Shell));
            return "config: " + (parts.Count == 0 ? "(no change)" : string.Join(", ", parts));
        }
    }
}
